"""POST /v1/whatif: the same acts under a rulebook in force and a draft sent in the body."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from ledger.api.deps import LedgerDep, ReaderDep
from ledger.api.problems import Problem
from ledger.rulebooks import parse_rulebook

router = APIRouter(tags=["what-if"])
MAX_DRAFT = 1024 * 1024

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
    responses={422: {"description": "the draft is invalid; the problem names the key"}},
    openapi_extra={"requestBody": DRAFT_BODY},
)
async def whatif(
    request: Request,
    ledger: LedgerDep,
    principal: ReaderDep,
    base: Annotated[str, Query(min_length=1, max_length=100, examples=["yinchuan-2018"])],
    period: Annotated[str, Query(min_length=4, max_length=7, examples=["2019"])],
    as_of: Annotated[str | None, Query(max_length=10)] = None,
    known_at: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    if principal.unit is not None:
        raise Problem(403, "what-if is for the office and auditor roles")
    body = await request.body()
    if len(body) > MAX_DRAFT:
        raise Problem(413, f"a draft rulebook is at most {MAX_DRAFT} bytes")
    draft = parse_rulebook(body, "draft")
    document = await run_in_threadpool(ledger.whatif, base, draft, period, as_of, known_at)
    return Response(orjson.dumps(document), media_type="application/json")
