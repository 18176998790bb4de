"""The API's documentation page: Swagger UI at /docs, its script and style served by the application from
the `swagger-ui-bundle` package, so that it works on an intranet with no way out (no CDN, no validator
badge, no external favicon).

/docs and /openapi.json are public: the schema describes the API and holds no data, and clients generate
their code from it. Reading anything through the API takes a token.
"""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html
from starlette.responses import Response
from swagger_ui_bundle import swagger_ui_path

from ledger.api.problems import Problem

router = APIRouter(include_in_schema=False)
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
}
VERSION = swagger_ui_path.name.removeprefix("swagger-ui-")  # the bundled Swagger UI's version


def asset_url(name: str) -> str:
    return f"/docs/assets/{name}?v={VERSION}"


@router.get("/docs")
def docs() -> Response:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="ledger API 接口文档",
        swagger_js_url=asset_url("swagger-ui-bundle.js"),
        swagger_css_url=asset_url("swagger-ui.css"),
        swagger_favicon_url=asset_url("favicon-32x32.png"),
        swagger_ui_parameters={"validatorUrl": None},  # the default badge asks validator.swagger.io
    )


@router.get("/docs/assets/{name}")
def asset(name: str) -> Response:
    if name not in ASSETS:
        raise Problem(404, f"no documentation asset {name!r}")
    cached = {"Cache-Control": "public, max-age=86400"}
    return Response(_content(name), media_type=ASSETS[name], headers=cached)


@cache
def _content(name: str) -> bytes:
    content: bytes = (swagger_ui_path / name).read_bytes()
    return content
