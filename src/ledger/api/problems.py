"""Errors as RFC 9457 problem details (`application/problem+json`), each naming what is wrong and where."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response

from ledger import validation
from ledger.api.capacity import RETRY_AFTER, Busy
from ledger.errors import ActError, BatchRejected, LedgerError, NotFound, RulebookError, StoreUnavailable

TITLES = {
    400: "请求有误 Bad request",
    401: "未认证 Unauthorized",
    403: "无权访问 Forbidden",
    404: "未找到 Not found",
    405: "不支持的方法 Method not allowed",
    406: "无法提供所需格式 Not acceptable",
    409: "冲突 Conflict",
    413: "内容过大 Content too large",
    415: "不支持的内容类型 Unsupported media type",
    422: "内容有误 Unprocessable content",
    500: "内部错误 Internal error",
    503: "服务暂不可用 Service unavailable",
}


STORE_RETRY_AFTER = 1  # seconds: a store that cannot be reached is tried afresh on the next request


class Problem(Exception):
    def __init__(self, status: int, detail: str, **extra: Any) -> None:
        self.status, self.detail, self.extra = status, detail, extra
        super().__init__(detail)


def problem(status: int, detail: str, headers: dict[str, str] | None = None, **extra: Any) -> Response:
    title = TITLES.get(status, "错误 Error")
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    body.update(extra)
    return Response(
        orjson.dumps(body), status_code=status, media_type="application/problem+json", headers=headers
    )


def act_errors(errors: list[ActError]) -> list[dict[str, Any]]:
    return [{"item": e.where, "field": e.field, "message": e.message} for e in errors]


def describe(errors: list[ActError], limit: int = 5) -> str:
    parts = [
        f"第 {e.where} 项" + (f"，字段 {e.field}" if e.field else "") + f"：{e.message}"
        for e in errors[:limit]
    ]
    more = f"；另有 {len(errors) - limit} 处错误未列出" if len(errors) > limit else ""
    head = f"{len(errors)} 处错误，未存入任何行为（{len(errors)} bad act(s), nothing was stored）："
    return head + "；".join(parts) + more


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(_: Request, e: Problem) -> Response:
        return problem(e.status, e.detail, **e.extra)

    @app.exception_handler(ClientDisconnect)
    async def _gone(_: Request, e: ClientDisconnect) -> Response:
        # The client went (or was cut off for sending its body too slowly) before its whole body came:
        # nothing was read, so nothing was stored, and no one is left to read this answer.
        gone = "请求体未发完连接即已关闭，未存入任何内容 (the client left before sending the whole body)"
        return problem(400, gone)

    @app.exception_handler(BatchRejected)
    async def _rejected(_: Request, e: BatchRejected) -> Response:
        return problem(409 if e.conflict else 422, describe(e.errors), errors=act_errors(e.errors))

    @app.exception_handler(StoreUnavailable)
    async def _unavailable(_: Request, e: StoreUnavailable) -> Response:
        retry = {"Retry-After": str(STORE_RETRY_AFTER)}
        retry_safe = f"{e}；记录按 id 幂等，可放心重试 (appends are idempotent, so retrying is safe)"
        return problem(503, retry_safe, headers=retry)

    @app.exception_handler(Busy)
    async def _busy(_: Request, e: Busy) -> Response:
        return problem(503, str(e), headers={"Retry-After": str(RETRY_AFTER)})

    @app.exception_handler(NotFound)
    async def _not_found(_: Request, e: NotFound) -> Response:
        return problem(404, str(e))

    @app.exception_handler(RulebookError)
    async def _rulebook(_: Request, e: RulebookError) -> Response:
        return problem(422, str(e))

    @app.exception_handler(LedgerError)
    async def _ledger(_: Request, e: LedgerError) -> Response:
        return problem(400, str(e))

    @app.exception_handler(HTTPException)
    async def _http(_: Request, e: HTTPException) -> Response:
        return problem(e.status_code, str(e.detail), headers=getattr(e, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, e: Exception) -> Response:
        unexpected = f"意外错误（{type(e).__name__}），本次请求未存入任何内容 (unexpected error)"
        return problem(500, unexpected)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, e: RequestValidationError) -> Response:
        errors = [
            {"where": validation.where(err["loc"]), "message": validation.message(err)} for err in e.errors()
        ]
        detail = "；".join(f"参数 {x['where']}：{x['message']}" for x in errors)
        return problem(422, detail, errors=errors)
