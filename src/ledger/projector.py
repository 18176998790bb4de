"""Score projections kept up to date as acts arrive, so that a query does not replay the year.

The projector folds acts in position order into, for each unit, the acts that concern it (its
registration and classes, its filings, the adoptions, endorsements and bonuses of its reports, the
reports of combined adoptions that credit it, its notices and tasks, and the voids of all these). When an
act arrives, only the units it concerns are scored again, and only for the standard periods (each cadence
period, half and year) of the year it falls in: a backdated act or a void rescores the units and periods
it touches, nothing else. A unit's score depends on its own acts alone; ranks are drawn from the stored
totals when a query is answered. Answers are those of a full replay as known at the projection's
position (a test asserts it on random acts).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ledger.acts import StoredAct
from ledger.periods import Period, parse_period
from ledger.render import board_json, ranks_of
from ledger.rulebooks import Catalogue, Selection
from ledger.store.base import Store
from projections.facts import gather
from projections.scoring import score

ORDER = ("month", "quarter", "half", "year")


def standard_periods(year: int, cadence: str) -> list[Period]:
    """The periods a query names for a year, from the rulebook's cadence up: 2019-Q1 … 2019-H1 … 2019."""
    kinds = ORDER[ORDER.index(cadence) :]
    labels = {
        "month": [f"{year}-{m:02d}" for m in range(1, 13)],
        "quarter": [f"{year}-Q{q}" for q in range(1, 5)],
        "half": [f"{year}-H1", f"{year}-H2"],
        "year": [f"{year}"],
    }
    return [parse_period(label) for kind in kinds for label in labels[kind]]


@dataclass
class Projected:
    """One rulebook's scores for one period: each unit's total and its JSON (rank left to the query)."""

    totals: dict[str, Decimal] = field(default_factory=dict)
    units: dict[str, dict[str, Any]] = field(default_factory=dict)
    used: dict[str, dict[str, Any]] = field(default_factory=dict)


class Projector:
    def __init__(self, store: Store, catalogue: Catalogue, rulebooks: Sequence[str]) -> None:
        self.store = store
        self.selections: dict[str, Selection] = {name: catalogue.select(name) for name in rulebooks}
        self.position = 0
        self.known_at = ""
        self.acts_of_unit: dict[str, list[StoredAct]] = defaultdict(list)
        self.units_of_act: dict[str, set[str]] = {}
        self.units_of_report: dict[str, set[str]] = defaultdict(set)
        self.acts_of_report: dict[str, list[StoredAct]] = defaultdict(list)
        self.unit_of_task: dict[str, str] = {}
        self.results: dict[tuple[str, str], Projected] = defaultdict(Projected)
        self.lock = threading.Lock()

    # --- folding -----------------------------------------------------------------------------

    def catch_up(self) -> int:
        """Fold every act stored since the last call and rescore what they touch; returns how many."""
        touched: dict[str, set[int]] = defaultdict(set)  # unit -> years
        count = 0
        last: StoredAct | None = None
        for act in self.store.read(self.position, chain=False):
            # A void may reach back to any year of its target: rescore such units from their first year.
            year = 0 if act.type == "event.voided" else act.occurred_on.year
            for unit in self._fold(act):
                touched[unit].add(year)
            count += 1
            last = act
        if last is None:
            return 0
        with self.lock:
            for unit, years in touched.items():
                self._rescore(unit, years)
            self.position, self.known_at = last.position, last.recorded_at
        return count

    def _fold(self, act: StoredAct) -> set[str]:
        f = act.fields
        units: set[str] = set()
        if "unit" in f:
            units.add(f["unit"])
        units.update(f.get("units", ()))
        report: str = f.get("report", "")
        if act.type == "report.filed":
            self.units_of_report[report].add(f["unit"])
        elif report:
            units |= self.units_of_report[report]
        if act.type == "report.adopted" and f["form"] == "combined":
            for unit in f["units"]:
                if unit not in self.units_of_report[report]:
                    # A newly credited unit needs the report's whole history (highest-only, endorsements).
                    self.units_of_report[report].add(unit)
                    self.acts_of_unit[unit].extend(self.acts_of_report[report])
                    for earlier in self.acts_of_report[report]:
                        self.units_of_act[earlier.id].add(unit)
            units |= self.units_of_report[report]
        if act.type == "task.assigned":
            self.unit_of_task[f["task"]] = f["unit"]
        elif "task" in f and f["task"] in self.unit_of_task:
            units.add(self.unit_of_task[f["task"]])
        if act.type == "event.voided":
            units |= self.units_of_act.get(f["target"], set())
        if report:
            self.acts_of_report[report].append(act)
        self.units_of_act[act.id] = set(units)
        for unit in units:
            self.acts_of_unit[unit].append(act)
        return units

    # --- scoring -----------------------------------------------------------------------------

    def _rescore(self, unit: str, years: Iterable[int]) -> None:
        acts = sorted(self.acts_of_unit[unit], key=lambda a: a.position)
        # A backdated act may change later years (quota runs cross the year end): rescore from the earliest
        # touched year to the last year the unit has acts in.
        dated = [a.occurred_on.year for a in acts if a.type != "event.voided"]
        first = min(years) or min(dated)
        last_year = max(dated)
        for name, selection in self.selections.items():
            cadence = selection.latest.model.cadence
            for year in range(first, last_year + 1):
                for period in standard_periods(year, cadence):
                    facts = gather(acts, period.end)
                    board = score(facts, selection, period, period.end)
                    projected = self.results[(name, period.label)]
                    if unit not in facts.units or facts.units[unit].registered_on > period.end:
                        projected.totals.pop(unit, None)
                        projected.units.pop(unit, None)
                        continue
                    document = board_json(board, "", unit)
                    (mine,) = document["units"]
                    projected.totals[unit] = next(s.total for s in board.units if s.unit.unit == unit)
                    projected.units[unit] = mine
                    for used in document["rulebooks_used"]:
                        projected.used[f"{used['id']}@{used['version']}"] = used
                    projected.used["__main__"] = document["rulebook"]

    # --- answering ---------------------------------------------------------------------------

    def document(self, rulebook: str, period: str, unit: str | None = None) -> dict[str, Any] | None:
        """The JSON of `ledger score` for a standard period as of its end, known at the projection's
        position; None when this projection does not hold it."""
        with self.lock:
            projected = self.results.get((rulebook, parse_period(period).label))
            if projected is None or not projected.units:
                return None
            order = sorted(projected.totals.items(), key=lambda item: (-item[1], item[0]))
            ranks = ranks_of(order)
            units = [
                {**projected.units[slug], "rank": ranks[slug]}
                for slug, _ in order
                if unit is None or slug == unit
            ]
            used = [v for k, v in projected.used.items() if k != "__main__"]
            return {
                "rulebook": projected.used["__main__"],
                "rulebooks_used": sorted(used, key=lambda b: b["version"]),
                "period": parse_period(period).label,
                "as_of": parse_period(period).end.isoformat(),
                "known_at": self.known_at,
                "units": units,
            }

