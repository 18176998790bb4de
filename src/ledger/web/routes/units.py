"""The unit page (单位): its score of the period picked, the explanation lines, each linking to the acts
behind it (on this page, or on the page that lists them), the year's scores as a chart, and the
period's acts, sifted by type and text."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from starlette.responses import Response

from ledger.api.deps import CapacityDep, LedgerDep
from ledger.errors import LedgerError, NotFound
from ledger.periods import parse_period
from ledger.rulebooks import Rulebook
from ledger.services import Ledger
from ledger.web import charts, figures, present, words
from ledger.web.forms import (
    Picks,
    book_of,
    period_suggestions,
    picks_from,
    rulebook_choices,
    score_picked,
)
from ledger.web.names import Names, names_of
from ledger.web.routes.auth import ViewerDep
from ledger.web.sifting import Sift, sift_from
from ledger.web.templating import PageError, PageRoute, page

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/units/{unit}")
def unit_page(
    unit: str, request: Request, ledger: LedgerDep, viewer: ViewerDep, capacity: CapacityDep
) -> Response:
    units = ledger.units()
    if viewer.unit is not None and viewer.unit != unit:
        other = units[unit]["name"] if unit in units else unit
        raise PageError(403, f"单位令牌只能查看本单位（{viewer.unit_name}），不能查看{other}。", viewer)
    found = units.get(unit)
    if found is None:
        raise PageError(404, f"没有登记代码为 {unit} 的单位 (unit {unit!r} is not registered)。", viewer)
    picks, problems = picks_from(request.query_params, ledger)
    sifted, refused = sift_from(request.query_params)
    names = names_of(ledger.catalogue, units, book_named(ledger, picks.rulebook))
    context: dict[str, Any] = {
        "unit": found,
        "names": names,
        "picks": picks,
        "sift": sifted,
        "hidden": parse_qsl(picks.query()),
        "choices": rulebook_choices(ledger.catalogue),
        "suggestions": period_suggestions(picks.period),
        "score": None,
    }
    problems += refused
    if problems:
        return page("unit.html", 400, viewer=viewer, nav="unit", error="；".join(problems), **context)
    try:
        with capacity.turn():  # replays: one of the worker's few turns, or a 503 page
            context.update(unit_context(ledger, picks, unit, names, sifted, viewer.reads_all))
    except LedgerError as e:
        status = 404 if isinstance(e, NotFound) else 400
        return page("unit.html", status, viewer=viewer, nav="unit", error=str(e), **context)
    return page("unit.html", viewer=viewer, nav="unit", error="", **context)


def book_named(ledger: Ledger, rulebook: str) -> Rulebook | None:
    """The latest version of the rulebook picked, for the names of its classes (None if unknown)."""
    try:
        return ledger.catalogue.select(rulebook).latest
    except LedgerError:
        return None


def unit_context(
    ledger: Ledger, picks: Picks, unit: str, names: Names, sifted: Sift, reads_all: bool
) -> dict[str, Any]:
    board, year_board, cadence = score_picked(ledger, picks, unit)
    year = board["period"][:4]
    if not board["units"] or not year_board["units"]:
        name = names.unit(unit)
        raise LedgerError(f"{name}在 {board['period']} 没有得分：它登记于此后 (registered later)。")
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
    views = present.describe_acts(acts, names, day, unit)
    span = parse_period(board["period"])
    of_period = [v for v in views if span.contains(v.occurred_on)]
    shown = [v for v in of_period if sifted.keeps(v)]
    links = present.Links(
        frozenset(v.id for v in shown), frozenset(v.id for v in views), picks.query(), reads_all
    )
    kinds = {v.type for v in views}
    lanes = [(kind, pair[0]) for kind, pair in words.ACT_TYPES.items() if kind in kinds]
    lanes += [(kind, kind) for kind in sorted(kinds - set(words.ACT_TYPES))]
    marks = [(v.occurred_on, v.type, links(v.id) or "", v.tip) for v in views]
    book = book_of(ledger.catalogue, board["rulebook"])
    acts_by_id = {v.id: v for v in views}
    numbers = figures.unit_figures(board, ledger.catalogue)[unit]
    return {
        "figures": numbers,
        "figure_columns": figures.shown_columns([numbers]),
        "figure_titles": figures.TITLES,
        "board": board,
        "score": score,
        "book": book,
        "grade": words.grade(score),
        "acts": shown,
        "period_acts": len(of_period),
        "kinds": [(kind, words.act_type(kind)) for kind in sorted({v.type for v in of_period})],
        "acts_by_id": acts_by_id,
        "link": links,
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
