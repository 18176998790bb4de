"""The ranking page (排名): a rulebook's scores of a period as a sortable table and a chart of the year."""

from __future__ import annotations

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
from ledger.web.templating import PageRoute, page

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/")
def ranking(request: Request, ledger: LedgerDep, viewer: ViewerDep, capacity: CapacityDep) -> Response:
    picks, problems = picks_from(request.query_params, ledger)
    context: dict[str, Any] = {
        "picks": picks,
        "choices": rulebook_choices(ledger.catalogue),
        "suggestions": period_suggestions(picks.period),
        "board": None,
    }
    if problems:
        return page("ranking.html", 400, viewer=viewer, nav="ranking", error="；".join(problems), **context)
    try:
        with capacity.turn():  # two replays: one of the worker's few turns, or a 503 page
            context.update(board_context(ledger, picks, viewer.unit))
    except LedgerError as e:
        status = 404 if isinstance(e, NotFound) else 400
        return page("ranking.html", status, viewer=viewer, nav="ranking", error=str(e), **context)
    return page("ranking.html", viewer=viewer, nav="ranking", error="", **context)


def board_context(ledger: Ledger, picks: Picks, unit: str | None) -> dict[str, Any]:
    """The scores of the picked period, and the picked year's for its chart, shaped for the page."""
    board, year_board, cadence = score_picked(ledger, picks, unit)
    year = board["period"][:4]
    book = book_of(ledger.catalogue, board["rulebook"])
    columns = present.table_periods(board, cadence)
    series, fold = present.chart_periods(year, cadence)
    rows = [
        (u["name"], f"/units/{u['unit']}?{picks.query()}", present.period_totals(u, series, fold))
        for u in year_board["units"]
    ]
    folded = "（按月计分，按季度汇总）" if fold else ""
    caption = f"{year} 年各单位分期得分{folded} scores by period, side by side"
    return {
        "board": board,
        "book": book,
        "classes": {k: v.name for k, v in book.model.classes.items()} if book else {},
        "columns": columns,
        "per_period": {u["unit"]: present.period_totals(u, columns) for u in board["units"]},
        "metrics": present.names_in(board["units"], "metrics"),
        "flags": present.names_in(board["units"], "flags"),
        "grades": {u["unit"]: words.grade(u) for u in board["units"]},
        "chart": charts.grouped_bars(rows, series, caption) if rows and series else None,
        "chart_caption": caption,
        "year": year,
        "year_as_of": year_board["as_of"],
    }
