"""Signing in to the pages as a browser does: the sign-in form posted with the CSRF token it was given,
then the signed-in pages' own CSRF token for their forms. Works with any client that keeps cookies
(Starlette's TestClient, httpx)."""

from __future__ import annotations

import re
from typing import Any

CSRF = re.compile(r'name="csrf" value="([^"]*)"')


def login_form_token(client: Any) -> str:
    """The CSRF token the sign-in form is given (with its cookie, kept by the client)."""
    given = CSRF.search(client.get("/login").text)
    return given.group(1) if given else ""


def login(client: Any, token: str, target: str = "/") -> Any:
    """The sign-in form posted as a browser posts it: with the CSRF token the form was given."""
    data = {"token": token, "next": target, "csrf": login_form_token(client)}
    return client.post("/login", data=data, follow_redirects=False)


def sign_in(client: Any, token: str, target: str = "/") -> str:
    """Sign in; the CSRF token the signed-in pages' forms carry."""
    answer = login(client, token, target)
    assert answer.status_code == 303, answer.text
    return form_token(client)


def form_token(client: Any) -> str:
    page = client.get("/rulebooks")
    assert page.status_code == 200, page.text
    return CSRF.search(page.text).group(1)  # type: ignore[union-attr]
