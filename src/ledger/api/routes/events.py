"""POST /v1/events (append one act or a batch) and GET /v1/events (filter, page, stream)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response, StreamingResponse

from ledger.api import metrics
from ledger.api.bodies import TooLarge, read_within
from ledger.api.deps import LedgerDep, PrincipalDep, ReaderDep, own_unit
from ledger.api.problems import Problem
from ledger.api.schemas import ACT_BODY, AppendAnswer, EventPage
from ledger.heap import paused_collection
from ledger.instants import parse_instant
from ledger.services import Ledger
from ledger.tokens import Principal

router = APIRouter(tags=["events"])
MAX_BATCH = 10_000
MAX_BODY = 32 * 1024 * 1024
NDJSON = "application/x-ndjson"


async def read_body(request: Request) -> Any:
    kind = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if kind and kind != "application/json" and not kind.endswith("+json"):
        raise Problem(415, f"请以 application/json 提交行为，而不是 {kind} (send acts as application/json)")
    try:
        body = await read_within(request, MAX_BODY)
    except TooLarge:
        raise Problem(
            413,
            f"请求体超过 {MAX_BODY} 字节的上限 "
            f"(the body exceeds the limit of {MAX_BODY} bytes)",
        ) from None
    try:
        with paused_collection():  # a batch is thousands of objects that live on, none in a cycle
            return orjson.loads(body)
    except orjson.JSONDecodeError as e:
        raise Problem(400, f"请求体不是有效的 JSON（UTF-8）：{e} (the body is not valid JSON)") from None


def authorize_append(principal: Principal, items: list[Any]) -> None:
    if principal.role == "office":
        return
    if principal.unit is None:
        raise Problem(
            403,
            f"{principal.role} 角色不能记录行为 "
            f"(the {principal.role} role cannot append acts)",
        )
    for where, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            continue  # the parser names it
        if item.get("type") != "report.filed":
            raise Problem(
                403,
                f"第 {where} 项：单位令牌只能报送信息（report.filed），不能记录 {item.get('type')!r} "
                "(a unit token may only file reports)",
            )
        if item.get("unit") != principal.unit:
            raise Problem(
                403,
                f"第 {where} 项，字段 unit：单位 {principal.unit!r} 的令牌只能为本单位报送 "
                "(a unit token files for itself only)",
            )
        own = f"{principal.unit}/"
        for field in ("report", "id"):
            value = item.get(field)
            if field in item and not (isinstance(value, str) and value.startswith(own)):
                # Ids are one namespace: a unit's own part of it is all its token may name, so no answer
                # can tell it which ids other units use, and it cannot take an id another unit will file.
                raise Problem(
                    403,
                    f"第 {where} 项，字段 {field}：单位 {principal.unit!r} 的令牌须以 {own!r} 开头命名其"
                    f"{'报送' if field == 'report' else '行为'}（如 '{own}2019-001'）"
                    f"{'，或不填 id' if field == 'id' else ''} (a unit names its own ids under {own!r})",
                )


@router.post(
    "/events",
    summary="Append one act or a batch (all or nothing) 报送/采用/批示…",
    response_model=AppendAnswer,
    status_code=201,
    responses={
        200: {"description": "every act was already stored (all duplicates)"},
        400: {"description": "malformed JSON"},
        401: {"description": "no valid token"},
        403: {"description": "outside the token's role"},
        409: {"description": "an id already stored with other content; nothing stored"},
        413: {"description": "body or batch too large"},
        422: {"description": "bad acts; nothing stored"},
        503: {"description": "store unavailable; retry"},
    },
    openapi_extra={"requestBody": ACT_BODY},
)
async def append(request: Request, ledger: LedgerDep, principal: PrincipalDep) -> Response:
    body = await read_body(request)
    items = body if isinstance(body, list) else [body]
    if len(items) > MAX_BATCH:
        raise Problem(
            413,
            f"一批至多 {MAX_BATCH} 条行为，而不是 {len(items)} 条 "
            f"(a batch holds at most {MAX_BATCH} acts)",
        )
    if not items:
        raise Problem(422, "这一批是空的 (the batch is empty)")
    authorize_append(principal, items)
    answer, new = await run_in_threadpool(_appended, ledger, items)
    if new:
        request.app.state.projection.wake.set()
    metrics.ACTS_APPENDED.inc(new)
    return Response(answer, status_code=201 if new else 200, media_type="application/json")


def _appended(ledger: Ledger, items: list[Any]) -> tuple[bytes, int]:
    """Store a batch and make its answer (off the event loop: a batch is up to 10,000 receipts)."""
    with paused_collection():
        receipts = ledger.append(items)
        new = sum(r.status == "new" for r in receipts)
        acts = [{"id": i, "position": p, "recorded_at": at, "status": st} for i, p, at, st in receipts]
        return orjson.dumps({"acts": acts, "new": new, "duplicates": len(receipts) - new}), new


@router.get(
    "/events",
    summary="Stored acts in position order, filtered; pages by position, or all as NDJSON",
    response_model=EventPage,
    responses={200: {"content": {NDJSON: {}}}},
)
def list_events(
    request: Request,
    ledger: LedgerDep,
    principal: ReaderDep,
    unit: Annotated[str | None, Query(max_length=64)] = None,
    report: Annotated[str | None, Query(max_length=128)] = None,
    type: Annotated[list[str] | None, Query(max_length=20)] = None,
    occurred_from: Annotated[str | None, Query(max_length=10)] = None,
    occurred_to: Annotated[str | None, Query(max_length=10)] = None,
    recorded_from: Annotated[str | None, Query(max_length=40)] = None,
    recorded_to: Annotated[str | None, Query(max_length=40)] = None,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    found = ledger.events(
        unit=own_unit(principal, unit),
        report=report,
        types=type or (),
        occurred_from=occurred_from,
        occurred_to=occurred_to,
        recorded_from=recorded_from,
        known_at=parse_instant(recorded_to, "recorded_to") if recorded_to else None,  # named as asked
        after=after,
    )
    if NDJSON in request.headers.get("accept", ""):
        first = next(found, None)  # raise bad filters as a problem before the stream starts

        def lines() -> Iterator[bytes]:
            if first is not None:
                yield orjson.dumps(first.as_json()) + b"\n"
                for act in found:
                    yield orjson.dumps(act.as_json()) + b"\n"

        return StreamingResponse(lines(), media_type=NDJSON)
    page = [act.as_json() for act in itertools.islice(found, limit)]  # no act past the page is taken
    more = len(page) == limit and next(found, None) is not None
    answer = {"acts": page, "next": page[-1]["position"] if more else None}
    return Response(orjson.dumps(answer), media_type="application/json")
