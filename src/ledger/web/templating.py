"""Rendering pages: the Jinja2 environment (autoescaped), the page response, and errors as pages.

Every value a template prints goes through `shown`: recorded text holding characters the ledger now
refuses (an RTL override in a title recorded by an earlier version) is shown as `<U+202E>`, never raw.

Every page is served with a Content-Security-Policy that allows nothing but the application itself, so a
browser on an intranet never reaches out, and a page that tried would fail loudly in the tests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Coroutine
from functools import cache
from importlib import resources
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from starlette.responses import HTMLResponse, RedirectResponse, Response

from ledger import __version__
from ledger.api.capacity import RETRY_AFTER, Busy
from ledger.api.problems import STORE_RETRY_AFTER
from ledger.characters import visible
from ledger.errors import StoreUnavailable
from ledger.sessions import COOKIE
from ledger.tokens import Principal
from ledger.web import csrf, words
from ledger.web.charts import fmt
from ledger.web.clauses import clause_terms
from ledger.web.present import act_href, china_time

HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    # Not no-referrer: under it a browser sends `Origin: null` with the pages' own form posts, which
    # the CSRF check must refuse. same-origin still sends nothing to any other site.
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
STATUS_TITLES = {
    400: "请求有误 Bad request",
    401: "需要登录 Sign in",
    403: "无权查看 Forbidden",
    404: "未找到 Not found",
    413: "内容过大 Too large",
    422: "无法处理 Unprocessable",
    503: "暂不可用 Unavailable",
}


class PageError(Exception):
    """A request the page cannot answer: shown as a readable page with its status."""

    def __init__(
        self, status: int, message: str, viewer: Principal | None = None, *, title: str | None = None
    ) -> None:
        self.status, self.message, self.viewer, self.title = status, message, viewer, title
        super().__init__(message)


class Redirect(Exception):
    def __init__(self, location: str, *, forget: bool = False) -> None:
        self.location, self.forget = location, forget
        super().__init__(location)


def static_file(name: str) -> bytes:
    return (resources.files("ledger.web") / "static" / name).read_bytes()


@cache
def fingerprint(name: str) -> str:
    return hashlib.sha256(static_file(name)).hexdigest()[:10]


def asset(name: str) -> str:
    return f"/static/{name}?v={fingerprint(name)}"


def signed(value: Any) -> str:
    return f"{value:+}" if value else "0"


def shown(value: Any) -> Any:
    """What a template prints: strings with hidden characters made visible (escaped markup stays markup)."""
    if isinstance(value, Markup):
        return Markup(visible(value, "&lt;U+{:04X}&gt;", layout=True))
    if isinstance(value, str):
        return visible(value, layout=True)
    return value


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("ledger.web", "templates"),
        autoescape=select_autoescape(["html", "svg"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=shown,
    )
    env.globals.update(asset=asset, version=__version__, words=words, clause_terms=clause_terms)
    env.filters.update(china_time=china_time, signed=signed, label=words.label, num=fmt, act_href=act_href)
    return env


def attachment(content: bytes, filename: str, media_type: str) -> Response:
    """A file to download (a bulletin, a draft), with the pages' own headers."""
    headers = {**HEADERS, "Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(content, media_type=media_type, headers=headers)


def page(
    template: str, status: int = 200, *, viewer: Principal | None, nav: str = "", **context: Any
) -> HTMLResponse:
    html = environment().get_template(template).render(viewer=viewer, nav=nav, **context)
    return HTMLResponse(html, status_code=status, headers=HEADERS)


def error_page(
    status: int, message: str, viewer: Principal | None = None, *, title: str | None = None
) -> HTMLResponse:
    title = title or STATUS_TITLES.get(status, "出错了 Error")
    return page("error.html", status, viewer=viewer, title=title, code=status, message=message)


def retry_later(response: Response, seconds: int) -> Response:
    response.headers["Retry-After"] = str(seconds)
    return response


def forget(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")


class PageRoute(APIRoute):
    """A page route: a POST from another site is refused before anything else; redirects and page errors
    raised by the page or its dependencies become responses, and every response carries the pages'
    security headers."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            refusal = csrf.origin_refusal(request)
            if refusal:
                return error_page(403, refusal, title=csrf.REFUSED)
            try:
                return await handler(request)
            except Redirect as r:
                response: Response = RedirectResponse(r.location, status_code=303, headers=HEADERS)
                if r.forget:
                    forget(response)
                return response
            except PageError as e:
                return error_page(e.status, e.message, e.viewer, title=e.title)
            except StoreUnavailable as e:
                unreachable = error_page(503, f"数据库暂时无法连接，请稍后重试。({e})")
                return retry_later(unreachable, STORE_RETRY_AFTER)
            except Busy as e:
                return retry_later(error_page(503, str(e)), RETRY_AFTER)
            except RequestValidationError:
                return error_page(400, "请求的参数有误。")

        return guarded
