"""Signing in to the pages: a token given once on /login is kept in an HttpOnly, SameSite=Strict cookie.

Pages read the principal from that cookie with the API's own token check, so the roles are the API's:
a unit token sees its own unit, office and auditor see all, admin sees no acts or scores.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from ledger.store.tokens import Tokens
from ledger.tokens import Principal
from ledger.web.forms import read_form
from ledger.web.templating import COOKIE, HEADERS, PageError, PageRoute, Redirect, forget, page

router = APIRouter(route_class=PageRoute, include_in_schema=False)
MAX_LOGIN = 4096
ADMIN_SEES_NOTHING = "管理员 admin 令牌只用于管理令牌，不能查看记录和分数。请使用信息科、审计或单位的令牌。"


def viewer(request: Request) -> Principal:
    """The signed-in reader; to /login without a live token; a readable 403 for the admin role."""
    token = request.cookies.get(COOKIE)
    if not token:
        raise Redirect(login_url(request))
    tokens: Tokens = request.app.state.tokens
    principal = tokens.authenticate(token)
    if principal is None:
        raise Redirect(login_url(request, expired=True), forget=True)
    if principal.role == "admin":
        raise PageError(403, ADMIN_SEES_NOTHING, principal)
    return principal


ViewerDep = Annotated[Principal, Depends(viewer)]


def login_url(request: Request, *, expired: bool = False) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    query = {"next": target, **({"expired": "1"} if expired else {})}
    return f"/login?{urlencode(query)}"


def local_target(target: str) -> str:
    """Where to go after signing in: a path on this site, never another host."""
    if not target.startswith("/") or target.startswith(("//", "/\\")) or not target.isprintable():
        return "/"
    return target


@router.get("/login")
def login_form(next: str = "/", expired: str = "") -> Response:
    notice = "令牌已失效或已被吊销，请重新登录。" if expired else ""
    return page("login.html", viewer=None, target=local_target(next), error=notice)


@router.post("/login")
async def login(request: Request) -> Response:
    form = await read_form(request, MAX_LOGIN)
    token, target = form.get("token", "").strip(), local_target(form.get("next", "/"))
    tokens: Tokens = request.app.state.tokens
    principal = await run_in_threadpool(tokens.authenticate, token) if token else None
    if principal is None:
        error = "令牌无效或已被吊销。" if token else "请填写令牌。"
        return page("login.html", 401, viewer=None, target=target, error=error)
    if principal.role == "admin":
        return page("login.html", 403, viewer=None, target=target, error=ADMIN_SEES_NOTHING)
    response = RedirectResponse(target, status_code=303, headers=HEADERS)
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.api_route("/logout", methods=["GET", "POST"])
def logout() -> Response:
    response = RedirectResponse("/login", status_code=303, headers=HEADERS)
    forget(response)
    return response
