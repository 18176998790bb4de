"""The ranking page (排名): a rulebook's scores of a period as a sortable table, with the figures a clerk
reads beside the points and the ranks within each class, and a chart of the period's totals."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from ledger.api.deps import CapacityDep, LedgerDep
from ledger.errors import LedgerError, NotFound
from ledger.services import Ledger
from ledger.web import charts, figures, present, words
from ledger.web.forms import Picks, book_of, period_suggestions, picks_from, rulebook_choices
from ledger.web.names import names_of
from ledger.web.routes.auth import ViewerDep
from ledger.web.templating import PageRoute, page

router = APIRouter(route_class=PageRoute, include_in_schema=False)
CLASS_LIMIT = 100


@router.get("/")
def ranking(request: Request, ledger: LedgerDep, viewer: ViewerDep, capacity: CapacityDep) -> Response:
    picks, problems = picks_from(request.query_params, ledger)
    unit_class = request.query_params.get("class", "").strip()
    if len(unit_class) > CLASS_LIMIT:
        problems.append(f"class 过长 (at most {CLASS_LIMIT} characters)")
    context: dict[str, Any] = {
        "picks": picks,
        "choices": rulebook_choices(ledger.catalogue),
        "suggestions": period_suggestions(picks.period),
        "board": None,
    }
    if problems:
        return page("ranking.html", 400, viewer=viewer, nav="ranking", error="；".join(problems), **context)
    try:
        with capacity.turn():  # a replay: one of the worker's few turns, or a 503 page
            context.update(board_context(ledger, picks, viewer.unit, unit_class))
    except LedgerError as e:
        status = 404 if isinstance(e, NotFound) else 400
        return page("ranking.html", status, viewer=viewer, nav="ranking", error=str(e), **context)
    return page("ranking.html", viewer=viewer, nav="ranking", error="", **context)


def board_context(ledger: Ledger, picks: Picks, unit: str | None, unit_class: str = "") -> dict[str, Any]:
    """The scores of the picked period shaped for the page: the units shown (a unit token's own, or one
    class's), their figures and ranks within their classes, and a chart of their totals.

    Every unit is scored even for a unit token: ranks within a class are counted among all of them."""
    board = ledger.score(picks.rulebook, picks.period, picks.as_of or None, picks.known_at or None)
    cadence = ledger.catalogue.select(picks.rulebook).latest.model.cadence
    book = book_of(ledger.catalogue, board["rulebook"])
    names = names_of(ledger.catalogue, {}, book)
    present_classes = {u["class"] for u in board["units"]}
    order = list(book.model.classes) if book else []
    classes = sorted(present_classes, key=lambda c: (c not in order, order.index(c) if c in order else 0, c))
    if unit_class and unit_class not in present_classes:
        known = "、".join(f"{names.unit_class(c)} ({c})" for c in classes)
        raise LedgerError(f"本期间没有类别为 {unit_class} 的单位（可选：{known}）")
    units = [
        u
        for u in board["units"]
        if (unit is None or u["unit"] == unit) and (not unit_class or u["class"] == unit_class)
    ]
    columns = present.table_periods(board, cadence)
    numbers = figures.unit_figures(board, ledger.catalogue)
    grades = {u["unit"]: words.grade(u) for u in units}
    shown = names.unit_class(unit_class) if unit_class else "各单位"
    caption = f"{board['period']} {shown}得分 total by unit"
    rows = [(u["name"], f"/units/{u['unit']}?{picks.query()}", float(u["total"])) for u in units]
    return {
        "board": board,
        "book": book,
        "units": units,
        "classes": [(c, names.unit_class(c)) for c in classes],
        "class_names": names.classes,
        "unit_class": unit_class,
        "columns": columns,
        "per_period": {u["unit"]: present.period_totals(u, columns) for u in units},
        "figures": numbers,
        "figure_columns": figures.shown_columns(numbers[u["unit"]] for u in units),
        "figure_titles": figures.TITLES,
        "metrics": present.names_in(units, "metrics"),
        "flags": present.names_in(units, "flags"),
        "grades": grades,
        "show_grade": bool(book and book.model.grades) or any(g[0] != "—" for g in grades.values()),
        "chart": charts.unit_bars(rows, caption) if rows else None,
        "chart_caption": caption,
    }
