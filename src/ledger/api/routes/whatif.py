"""POST /v1/whatif: the same acts under a rulebook in force and a draft sent in the body."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from ledger.api.bodies import TooLarge, read_within
from ledger.api.capacity import Capacity
from ledger.api.deps import CapacityDep, LedgerDep, ReaderDep
from ledger.api.problems import Problem
from ledger.rulebooks import parse_rulebook
from ledger.services import Ledger
from ledger.whatif import MAX_DRAFT

router = APIRouter(tags=["what-if"])
TOO_LARGE = f"草案超过 {MAX_DRAFT // 1024} KiB 的上限 (a draft rulebook is at most {MAX_DRAFT} bytes)"

DRAFT_BODY = {
    "required": True,
    "description": "The draft rulebook, as the TOML text of a rulebook file.",
    "content": {
        "application/toml": {"schema": {"type": "string"}},
        "text/plain": {"schema": {"type": "string"}},
    },
}


@router.post(
    "/whatif",
    summary="Score the same acts under a base rulebook and a draft (writes nothing)",
    responses={
        413: {"description": "the draft is larger than 1 MiB"},
        422: {"description": "the draft is invalid; the problem names the key"},
        503: {"description": "every replay turn of the worker is taken; retry after Retry-After"},
    },
    openapi_extra={"requestBody": DRAFT_BODY},
)
async def whatif(
    request: Request,
    ledger: LedgerDep,
    principal: ReaderDep,
    capacity: CapacityDep,
    base: Annotated[str, Query(min_length=1, max_length=100, examples=["yinchuan-2018"])],
    period: Annotated[str, Query(min_length=4, max_length=7, examples=["2019"])],
    as_of: Annotated[str | None, Query(max_length=10)] = None,
    known_at: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    if principal.unit is not None:
        raise Problem(403, "规则试算仅供信息科和审计角色 (what-if is for the office and auditor roles)")
    try:
        body = await read_within(request, MAX_DRAFT)
    except TooLarge:
        raise Problem(413, TOO_LARGE) from None
    document = await run_in_threadpool(_compare, ledger, capacity, body, base, period, as_of, known_at)
    return Response(document, media_type="application/json")


def _compare(
    ledger: Ledger,
    capacity: Capacity,
    body: bytes,
    base: str,
    period: str,
    as_of: str | None,
    known_at: str | None,
) -> bytes:
    """Parse the draft and score both sides, in a worker thread and a replay turn: a large draft takes
    a second to parse, which on the event loop would hold up every other request of the process."""
    with capacity.turn():
        draft = parse_rulebook(body, "draft")
        return orjson.dumps(ledger.whatif(base, draft, period, as_of, known_at))
