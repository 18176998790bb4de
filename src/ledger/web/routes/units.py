"""The unit page (单位): its acts on a timeline, its scores per period as a chart, and the explanation
lines, each linking to the acts behind it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from ledger.api.deps import CapacityDep, LedgerDep
from ledger.errors import LedgerError, NotFound
from ledger.services import Ledger
from ledger.web import charts, present, words
from ledger.web.forms import (
    Picks,
    book_of,
    period_suggestions,
    picks_from,
    rulebook_choices,
    score_picked,
)
from ledger.web.routes.auth import ViewerDep
from ledger.web.templating import PageError, PageRoute, page

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/units/{unit}")
def unit_page(
    unit: str, request: Request, ledger: LedgerDep, viewer: ViewerDep, capacity: CapacityDep
) -> Response:
    if viewer.unit is not None and viewer.unit != unit:
        raise PageError(403, f"单位令牌只能查看本单位（{viewer.unit}），不能查看 {unit}。", viewer)
    found = ledger.units().get(unit)
    if found is None:
        raise PageError(404, f"没有登记代码为 {unit} 的单位 (unit {unit!r} is not registered)。", viewer)
    picks, problems = picks_from(request.query_params, ledger)
    context: dict[str, Any] = {
        "unit": found,
        "picks": picks,
        "choices": rulebook_choices(ledger.catalogue),
        "suggestions": period_suggestions(picks.period),
        "score": None,
    }
    if problems:
        return page("unit.html", 400, viewer=viewer, nav="unit", error="；".join(problems), **context)
    try:
        with capacity.turn():  # replays: one of the worker's few turns, or a 503 page
            context.update(unit_context(ledger, picks, unit))
    except LedgerError as e:
        status = 404 if isinstance(e, NotFound) else 400
        return page("unit.html", status, viewer=viewer, nav="unit", error=str(e), **context)
    return page("unit.html", viewer=viewer, nav="unit", error="", **context)


def unit_context(ledger: Ledger, picks: Picks, unit: str) -> dict[str, Any]:
    board, year_board, cadence = score_picked(ledger, picks, unit)
    year = board["period"][:4]
    if not board["units"] or not year_board["units"]:
        raise LedgerError(f"unit {unit!r} is not scored in {board['period']}: it was registered later")
    score, year_score = board["units"][0], year_board["units"][0]
    labels = present.cadence_labels(year, cadence)
    picked = set(present.cadence_labels(board["period"], cadence))

    cited = {act_id for line in score["lines"] for act_id in line["events"]}
    start, end = dt.date(int(year), 1, 1), dt.date(int(year), 12, 31)
    acts = [
        a
        for a in ledger.events(unit=unit, known_at=picks.known_at or None)
        if start <= a.occurred_on <= end or a.id in cited
    ]
    day = dt.date.fromisoformat(board["as_of"])
    views = present.describe_acts(acts, present.publication_names(ledger.catalogue), day, unit)
    kinds = {v.type for v in views}
    lanes = [(kind, names[0]) for kind, names in words.ACT_TYPES.items() if kind in kinds]
    lanes += [(kind, kind) for kind in sorted(kinds - set(words.ACT_TYPES))]
    marks = [(v.occurred_on, v.type, v.href, v.tip) for v in views]
    book = book_of(ledger.catalogue, board["rulebook"])
    acts_by_id = {v.id: v for v in views}
    return {
        "board": board,
        "score": score,
        "book": book,
        "class_name": book.model.classes[score["class"]].name
        if book and score["class"] in book.model.classes
        else score["class"],
        "grade": words.grade(score),
        "acts": views,
        "acts_by_id": acts_by_id,
        "not_counted": present.not_counted(score, acts_by_id),
        "tally": present.tally(score, acts_by_id, board["period"]),
        "year": year,
        "year_as_of": year_board["as_of"],
        "picked": picked if len(picked) < len(labels) else set(),
        "chart": charts.column_bars(
            labels,
            present.period_totals(year_score, labels),
            picked,
            f"{score['name']} {year} 年各期得分 scores by period",
        ),
        "timeline": charts.timeline(int(year), marks, lanes, f"{score['name']} {year} 年记录时间线")
        if lanes
        else None,
    }
