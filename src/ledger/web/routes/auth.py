"""Signing in to the pages: a token given once on /login opens a server-side session, whose random id
(never the token) is kept in an HttpOnly, SameSite=Strict cookie; signing out (POST) ends it.

Pages read the principal from that session, bound to its token: a revoked token's sessions end with it.
The roles are the API's: a unit token sees its own unit, office and auditor see all, admin sees no acts
or scores (and cannot sign in).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from ledger.errors import StoreUnavailable
from ledger.sessions import COOKIE, csrf_token
from ledger.store.sessions import Sessions
from ledger.store.tokens import Tokens
from ledger.tokens import Principal
from ledger.web import csrf
from ledger.web.forms import read_form
from ledger.web.templating import HEADERS, PageError, PageRoute, Redirect, forget, page

router = APIRouter(route_class=PageRoute, include_in_schema=False)
MAX_LOGIN = 4096
ADMIN_SEES_NOTHING = "管理员 admin 令牌只用于管理令牌，不能查看记录和分数。请使用信息科、审计或单位的令牌。"
ENDED = "登录已失效（闲置过久、已到期、已退出或令牌已被吊销），请重新登录。"
NEEDS_WRITING = (
    "无法登录：登录要在数据库中保存会话，而本服务的数据库现在不能写入（只读的副本，或暂时无法连接）。"
    "请改用连接主库的服务登录，或稍后重试。Signing in needs a writable database."
)


@dataclass(frozen=True)
class Viewer(Principal):
    """A signed-in reader: the principal, the CSRF token its pages' forms carry, and for a unit token
    its unit's registered name (the pages say 兴庆区, not xingqing)."""

    csrf: str = field(default="", repr=False)
    unit_name: str = ""


def viewer(request: Request) -> Viewer:
    """The signed-in reader; to /login without a live session; a readable 403 for the admin role."""
    session_id = request.cookies.get(COOKIE)
    if not session_id:
        raise Redirect(login_url(request))
    sessions: Sessions = request.app.state.sessions
    principal = sessions.resolve(session_id)
    if principal is None:
        raise Redirect(login_url(request, ended=True), forget=True)
    reader = Viewer(principal.name, principal.role, csrf_token(session_id))
    if reader.role == "admin":
        raise PageError(403, ADMIN_SEES_NOTHING, reader)
    if reader.unit is not None:
        found = request.app.state.ledger.units().get(reader.unit)
        reader = replace(reader, unit_name=found["name"] if found else reader.unit)
    return reader


ViewerDep = Annotated[Viewer, Depends(viewer)]


def login_url(request: Request, *, ended: bool = False) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    query = {"next": target, **({"expired": "1"} if ended else {})}
    return f"/login?{urlencode(query)}"


def local_target(target: str) -> str:
    """Where to go after signing in: a path on this site, never another host."""
    if not target.startswith("/") or target.startswith(("//", "/\\")) or not target.isprintable():
        return "/"
    return target


def login_page(request: Request, status: int, target: str, error: str) -> Response:
    token = csrf.login_token(request)
    response = page("login.html", status, viewer=None, target=target, error=error, csrf=token)
    if token != request.cookies.get(csrf.LOGIN_COOKIE):
        csrf.keep_login_token(response, request, token)
    return response


@router.get("/login")
def login_form(request: Request, next: str = "/", expired: str = "") -> Response:
    return login_page(request, 200, local_target(next), ENDED if expired else "")


@router.post("/login")
async def login(request: Request) -> Response:
    form = await read_form(request, MAX_LOGIN, signing_in=True)
    token, target = form.get("token", "").strip(), local_target(form.get("next", "/"))
    tokens: Tokens = request.app.state.tokens
    principal = await run_in_threadpool(tokens.authenticate, token) if token else None
    if principal is None:
        error = "令牌无效或已被吊销。" if token else "请填写令牌。"
        return login_page(request, 401, target, error)
    if principal.role == "admin":
        return login_page(request, 403, target, ADMIN_SEES_NOTHING)
    sessions: Sessions = request.app.state.sessions
    try:
        session_id = await run_in_threadpool(sessions.begin, token, principal)
    except StoreUnavailable as e:
        return login_page(request, 503, target, f"{NEEDS_WRITING} ({e})")
    response = RedirectResponse(target, status_code=303, headers=HEADERS)
    csrf.keep_cookie(response, request, COOKIE, session_id, "/")
    csrf.drop_login_token(response)
    return response


@router.get("/logout")
def logout_form(viewer: ViewerDep) -> Response:
    """Signing out changes state, so it is a POST: a link here only offers the button."""
    return page("logout.html", viewer=viewer)


@router.post("/logout")
async def logout(request: Request) -> Response:
    await read_form(request, MAX_LOGIN)
    sessions: Sessions = request.app.state.sessions
    await run_in_threadpool(sessions.end, request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/login", status_code=303, headers=HEADERS)
    forget(response)
    return response
