"""Web pages for the roles of the service: ranking, unit, what-if and rulebook pages (server-rendered,
every asset served by the application itself)."""
