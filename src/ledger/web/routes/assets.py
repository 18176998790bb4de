"""The pages' own stylesheet, script and icon, served by the application (no CDN, no external font)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from ledger.web.templating import PageError, PageRoute, static_file

router = APIRouter(route_class=PageRoute, include_in_schema=False)
TYPES = {
    "ledger.css": "text/css; charset=utf-8",
    "sort.js": "text/javascript; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}


@router.get("/static/{name}")
def static(name: str) -> Response:
    if name not in TYPES:
        raise PageError(404, f"没有名为 {name} 的静态文件。")
    headers = {"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"}
    return Response(static_file(name), media_type=TYPES[name], headers=headers)
