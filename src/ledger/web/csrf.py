"""Cross-site request forgery (CSRF, 跨站请求伪造): only the pages this server sent may submit its forms.

Two checks, each enough on its own against a browser, kept both so that neither is the only one:
- every page POST whose `Origin` (or, without one, `Referer`) names another site is refused, before any
  of it is read (browsers send `Origin` with every POST; a client that sends neither is no browser, and
  still needs the token);
- every form carries a token the page was rendered with: a signed-in form the session's own (derived
  from the session id, which only this browser holds), the sign-in form, which has no session yet, the
  value of a cookie set beside it (a double-submit cookie), checked in `read_form`.

The pages' cookies are SameSite=Strict as well; these checks hold where that alone would not (an older
browser, a sibling site on the same registrable domain).
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from fastapi import Request
from starlette.responses import Response

from ledger.sessions import COOKIE, csrf_token, new_login_token, same_token

FIELD = "csrf"
LOGIN_COOKIE = "ledger_login"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
REFUSED = "提交被拒绝 Refused"
AGAIN = "请回到本站页面，刷新后重新提交。Reload the page and submit it again."


def origin_refusal(request: Request) -> str | None:
    """Why a state-changing request comes from another site, or None when it does not.

    The site is compared by host and port with the `Host` the request was sent to, not by scheme, so a
    proxy that ends TLS in front of the service needs no setting (it must pass `Host` on unchanged)."""
    if request.method in SAFE_METHODS:
        return None
    host = request.headers.get("host", "").strip().lower()
    for header in ("origin", "referer"):
        value = request.headers.get(header)
        if value is None:
            continue
        source = _netloc(value)
        if not source or source != host:
            return f"拒绝来自其他网站的提交：{header.title()} 为 {value[:200]!r}，本站为 {host!r}。{AGAIN}"
        return None
    return None


def _netloc(value: str) -> str:
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return ""
    return parts.netloc.lower() if parts.scheme in ("http", "https") else ""


def token_refusal(request: Request, form: Mapping[str, str], *, signing_in: bool) -> str | None:
    """Why a form's CSRF token is missing or wrong, or None when it is the one its page was given."""
    given = form.get(FIELD, "")
    if signing_in:
        expected = request.cookies.get(LOGIN_COOKIE, "")
        missing = "登录表单的防伪造令牌 (CSRF token) 已失效：浏览器未带回登录页设置的 Cookie。"
    else:
        session_id = request.cookies.get(COOKIE, "")
        expected = csrf_token(session_id) if session_id else ""
        missing = "表单没有随附登录会话 (no session cookie)，无法确认是本站页面提交的。"
    if not expected:
        return missing + AGAIN
    if not given:
        return f"表单缺少防伪造令牌 (CSRF token)。{AGAIN}"
    if not same_token(given, expected):
        return f"表单的防伪造令牌 (CSRF token) 不符，可能来自其他网站或已过期的页面。{AGAIN}"
    return None


def login_token(request: Request) -> str:
    """The sign-in form's token: the one its cookie already holds (another open sign-in tab keeps
    working), or a new one."""
    held = request.cookies.get(LOGIN_COOKIE, "")
    return held if 20 <= len(held) <= 100 and held.isascii() and held.isprintable() else new_login_token()


def keep_cookie(response: Response, request: Request, name: str, value: str, path: str) -> None:
    """A cookie no script reads and no other site's request carries (Secure over https)."""
    secure = request.url.scheme == "https"
    response.set_cookie(name, value, httponly=True, samesite="strict", secure=secure, path=path)


def keep_login_token(response: Response, request: Request, token: str) -> None:
    keep_cookie(response, request, LOGIN_COOKIE, token, "/login")


def drop_login_token(response: Response) -> None:
    response.delete_cookie(LOGIN_COOKIE, path="/login", httponly=True, samesite="strict")
