"""Scores, units and rulebooks: GET /v1/scores, /v1/units, /v1/units/{unit}, /v1/rulebooks[/{id}]."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from ledger.api.deps import CapacityDep, LedgerDep, ReaderDep, own_unit
from ledger.api.problems import Problem

router = APIRouter()
PROJECTED = "Ledger-Projected-Position"  # on answers from the projection: the acts they include, up to it


def _json(document: Any) -> Response:
    return Response(orjson.dumps(document), media_type="application/json")


@router.get(
    "/scores",
    tags=["scores"],
    summary="Scores of a period (the JSON of `ledger score`)",
    responses={503: {"description": "every replay turn of the worker is taken; retry after Retry-After"}},
)
def scores(
    request: Request,
    ledger: LedgerDep,
    principal: ReaderDep,
    capacity: CapacityDep,
    rulebook: Annotated[str, Query(min_length=1, max_length=100, examples=["yinchuan-2018"])],
    period: Annotated[str, Query(min_length=4, max_length=7, examples=["2019-Q3"])],
    as_of: Annotated[str | None, Query(max_length=10)] = None,
    known_at: Annotated[str | None, Query(max_length=40)] = None,
    unit: Annotated[str | None, Query(max_length=64)] = None,
    fresh: Annotated[
        bool, Query(description="Wait until the answer includes every act stored before the query.")
    ] = False,
) -> Response:
    unit = own_unit(principal, unit)
    if as_of is None and known_at is None:
        projected = request.app.state.projection.scores(rulebook, period, unit, fresh)
        if projected is not None:
            answer = _json(projected.document)
            answer.headers[PROJECTED] = str(projected.position)
            return answer
    with capacity.turn():  # a replay: one of the worker's few turns, or 503
        return _json(ledger.score(rulebook, period, as_of, known_at, unit))


@router.get("/units", tags=["units"], summary="Registered units with their classes")
def units(ledger: LedgerDep, principal: ReaderDep) -> Response:
    found = ledger.units()
    if principal.unit is not None:
        found = {k: v for k, v in found.items() if k == principal.unit}
    return _json({"units": list(found.values())})


@router.get("/units/{unit}", tags=["units"], summary="A unit's class history and its acts")
def unit(unit: str, ledger: LedgerDep, principal: ReaderDep) -> Response:
    own_unit(principal, unit)
    found = ledger.units().get(unit)
    if found is None:
        raise Problem(404, f"单位 {unit!r} 未登记 (unit {unit!r} is not registered)")
    acts = [a.as_json() for a in ledger.events(unit=unit)]
    return _json({**found, "acts": acts})


@router.get("/rulebooks", tags=["rulebooks"], summary="Rulebooks: ids, versions, windows, sha256")
def rulebooks(ledger: LedgerDep, principal: ReaderDep) -> Response:
    return _json({"rulebooks": [b.describe() for b in ledger.catalogue.all()]})


@router.get("/rulebooks/{rulebook_id}", tags=["rulebooks"], summary="A rulebook's versions and clauses")
def rulebook(rulebook_id: str, ledger: LedgerDep, principal: ReaderDep) -> Response:
    return _json({"versions": ledger.catalogue_entry(rulebook_id)})
