"""The API's documentation page: Swagger UI at /docs, its script and style served by the application from
the files the `fastapi-offline` package bundles (Swagger UI 5, which reads OpenAPI 3.1), so that it works
on an intranet with no way out (no CDN, no validator badge, no external favicon); a Content-Security-Policy
keeps the page from asking any other host.

/docs and /openapi.json are public: the schema describes the API and holds no data, and clients generate
their code from it. Reading anything through the API takes a token.
"""

from __future__ import annotations

from functools import cache
from importlib import metadata, resources

from fastapi import APIRouter
from starlette.responses import HTMLResponse, Response

from ledger.api.problems import Problem

router = APIRouter(include_in_schema=False)
VERSION = metadata.version("fastapi-offline")  # the bundle's version, for the assets' URLs
BUNDLED = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon.png": "image/png",
}
START = b"""window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
"""  # in a file of its own, so that the page's policy allows no inline script
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),  # Swagger UI sets style attributes, hence 'unsafe-inline' for styles (not for scripts)
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def asset_url(name: str) -> str:
    return f"/docs/assets/{name}?v={VERSION}"


@router.get("/docs")
def docs() -> Response:
    html = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ledger API 接口文档</title>
<link rel="stylesheet" href="{asset_url("swagger-ui.css")}">
<link rel="icon" href="{asset_url("favicon.png")}">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{asset_url("swagger-ui-bundle.js")}"></script>
<script src="{asset_url("start.js")}"></script>
</body>
</html>
"""
    return HTMLResponse(html, headers=HEADERS)


@router.get("/docs/assets/{name}")
def asset(name: str) -> Response:
    cached = {"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"}
    if name == "start.js":
        return Response(START, media_type="text/javascript; charset=utf-8", headers=cached)
    if name not in BUNDLED:
        raise Problem(404, f"no documentation asset {name!r}")
    return Response(_bundled(name), media_type=BUNDLED[name], headers=cached)


@cache
def _bundled(name: str) -> bytes:
    return (resources.files("fastapi_offline") / "static" / name).read_bytes()
