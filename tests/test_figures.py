"""The figures beside the points on the ranking: counted from a score document's lines, ranked by class."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ledger.rulebooks import Catalogue
from ledger.services import Ledger, Settings
from ledger.web.figures import class_ranks, shown_columns, unit_figures


def unit(slug: str, unit_class: str, rank: int | None) -> dict[str, Any]:
    return {"unit": slug, "class": unit_class, "rank": rank, "lines": []}


def test_ranks_within_a_class_follow_the_overall_ranks_with_ties() -> None:
    """Within each class, units take competition ranks (1, 2, 2, 4) in their overall order; an unranked
    unit has none."""
    units = [
        unit("a", "county", 1),
        unit("b", "department", 2),
        unit("c", "county", 3),
        unit("d", "county", 3),
        unit("e", "county", 5),
        unit("f", "department", None),
    ]
    assert class_ranks(units) == {"a": 1, "b": 1, "c": 2, "d": 2, "e": 4, "f": None}


def test_figures_are_counted_from_the_lines(tmp_path: Path) -> None:
    """A quarter's 报送数 is the filings its quota line cites, 任务数 the class's quota, 完成任务 whether
    it was met, 采用数 the adoptions its lines credit; a rulebook without such clauses shows no column."""
    ledger = Ledger.open(Settings(database_url=f"sqlite:///{tmp_path / 'ledger.db'}"))
    try:
        ledger.append(
            [
                {"id": "reg", "type": "unit.registered", "occurred_on": "2019-01-01", "unit": "xingqing",
                 "name": "兴庆区", "class": "county"},
                {"id": "f1", "type": "report.filed", "occurred_on": "2019-07-02", "unit": "xingqing",
                 "report": "r1", "title": "一"},
                {"id": "f2", "type": "report.filed", "occurred_on": "2019-07-03", "unit": "xingqing",
                 "report": "r2", "title": "二"},
                {"id": "a1", "type": "report.adopted", "occurred_on": "2019-07-09", "report": "r1",
                 "publication": "yinchuan-zwxx", "form": "item"},
            ]
        )  # fmt: skip
        board = ledger.score("yinchuan-2018", "2019-Q3")
    finally:
        ledger.close()
    figures = unit_figures(board, Catalogue.load())["xingqing"]
    assert (figures.filed, figures.quota, figures.met, figures.judged, figures.adopted) == (2, 90, 0, 1, 1)
    assert figures.met_text == "否" and figures.class_rank == 1
    assert shown_columns([figures]) == ["filed", "quota", "met", "adopted"]
    assert shown_columns([figures.__class__(None, None, None, None, None, 1)]) == []
