"""The web pages' routes, one module per page, like the API's."""
