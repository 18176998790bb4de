"""The figures a clerk reads beside the points: reports filed (报送数), adopted (采用数), the filing quota
(任务数) and the cadence periods it was met in, and each unit's rank within its class (类内名次).

A score document carries none of these as numbers; they are counted here from its lines, whose clauses
the rulebooks name: a filing-quota line cites the period's filings, an adoption line the adoptions it
credits. Nothing here scores: a rulebook without a filing quota has no 报送数 to show, and says so by
leaving it out (None), not by a zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ledger.render import ranks_of
from ledger.rulebooks import Adoption, Catalogue, FilingQuota, Rulebook


@dataclass(frozen=True)
class Figures:
    """One unit's figures over the period; None where its rulebook has no such clause."""

    filed: int | None
    adopted: int | None
    quota: int | None  # filings owed over the period's cadence periods
    met: int | None  # cadence periods whose quota was met
    judged: int | None  # cadence periods whose quota was judged
    class_rank: int | None

    @property
    def met_text(self) -> str:
        """完成任务: 是/否 for one cadence period, "3/4" for several, "—" where nothing was judged."""
        if not self.judged or self.met is None:
            return "—"
        if self.judged == 1:
            return "是" if self.met else "否"
        return f"{self.met}/{self.judged}"


COLUMNS = ("filed", "quota", "met", "adopted")
TITLES = {"filed": "报送数", "quota": "任务数", "met": "完成任务", "adopted": "采用数"}


def unit_figures(board: Mapping[str, Any], catalogue: Catalogue) -> dict[str, Figures]:
    """Every unit's figures in a score document, by unit slug."""
    books = {b.ref: b for b in catalogue.all()}
    used = [books[ref] for ref in _refs(board) if ref in books]
    quotas = any(isinstance(c, FilingQuota) for b in used for c in b.model.clauses)
    adoptions = any(isinstance(c, Adoption) for b in used for c in b.model.clauses)
    ranks = class_ranks(board["units"])
    out = {}
    for unit in board["units"]:
        filed, quota, met, judged, adopted = _count(unit, books)
        out[unit["unit"]] = Figures(
            filed=filed if quotas else None,
            adopted=adopted if adoptions else None,
            quota=quota if quotas and judged else None,
            met=met if quotas else None,
            judged=judged if quotas else None,
            class_rank=ranks.get(unit["unit"]),
        )
    return out


def shown_columns(figures: Iterable[Figures]) -> list[str]:
    """The figure columns some unit has a value in (a column empty for every row is left out)."""
    rows = list(figures)
    return [name for name in COLUMNS if any(getattr(f, name) is not None for f in rows)]


def class_ranks(units: Sequence[Mapping[str, Any]]) -> dict[str, int | None]:
    """Competition ranks (1, 2, 2, 4) within each class, in the order of the overall rank; a unit not
    ranked overall has no rank in its class either."""
    out: dict[str, int | None] = {}
    by_class: dict[str, list[Mapping[str, Any]]] = {}
    for unit in units:
        if unit["rank"] is None:
            out[unit["unit"]] = None
        else:
            by_class.setdefault(unit["class"], []).append(unit)
    for members in by_class.values():
        ordered = sorted(members, key=lambda u: u["rank"])
        out.update(ranks_of([(u["unit"], Decimal(u["rank"])) for u in ordered]))  # tied overall, tied here
    return out


def _refs(board: Mapping[str, Any]) -> list[str]:
    used = board.get("rulebooks_used") or [board["rulebook"]]
    return [f"{b['id']}@{b['version']}" for b in used]


def _count(unit: Mapping[str, Any], books: Mapping[str, Rulebook]) -> tuple[int, int, int, int, int]:
    """(filed, quota, met, judged, adopted) counted from a unit's lines."""
    filed = quota = met = judged = 0
    adopted: set[str] = set()
    for line in unit["lines"]:
        book = books.get(line["rulebook"])
        clause = _clause(book, line["clause"]["id"]) if book else None
        if isinstance(clause, Adoption):
            adopted.update(line["events"])
        elif isinstance(clause, FilingQuota) and book is not None:
            owed = book.model.classes.get(unit["class"])
            if owed is None or owed.quota is None:
                continue  # the unit's class owes no filings under this version
            filed += len(set(line["events"]))
            quota += owed.quota
            judged += 1
            met += Decimal(str(line["points"])) == clause.met != clause.missed
    return filed, quota, met, judged, len(adopted)


def _clause(book: Rulebook, clause_id: str) -> Any:
    return next((c for c in book.model.clauses if c.id == clause_id), None)
