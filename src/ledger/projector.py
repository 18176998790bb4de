"""Score projections kept up to date as acts arrive, so that a query does not replay the year.

The projector folds acts in position order into, for each unit, the acts that concern it (its
registration and classes, its filings, the adoptions, endorsements and bonuses of its reports, the
reports of combined adoptions that credit it, its notices and tasks, and the voids of all these). When an
act arrives, only the units it concerns are scored again, and only for the standard periods (each cadence
period, half and year) from the year it falls in: a backdated act or a void rescores the units and periods
it touches, nothing else. A unit's score depends on its own acts alone, so each (period, unit) is one
stored row (`ledger.store.scores`); ranks are drawn from the stored rank figures (each unit's total, or its
share of its base, as the rulebook ranks; none for a unit not ranked) when a query is answered.
Answers are those of a full replay as known at the projection's tracked position (a test asserts it on
random acts).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from ledger.acts import StoredAct
from ledger.periods import Period, parse_period
from ledger.render import board_json, ranks_of
from ledger.rulebooks import Catalogue, Selection
from ledger.store.base import Store
from ledger.store.scores import PeriodRows, Rows
from projections.facts import gather
from projections.lines import UnitScore
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
class Backlog:
    """What one rulebook's stored rows lack: they include the acts up to `since`; `touched` holds the
    units concerned by the acts folded after it, each with the years to rescore from (0: its first)."""

    since: int
    touched: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))


class Projector:
    """The in-memory side of a projection: the acts of each unit, folded in position order, and the
    rescoring of the units a backlog names. It writes nothing; the projection worker stores its rows."""

    def __init__(self, store: Store, catalogue: Catalogue, rulebooks: Sequence[str]) -> None:
        self.store = store
        self.selections: dict[str, Selection] = {name: catalogue.select(name) for name in rulebooks}
        self.position = 0  # the last act folded
        self.known_at = ""  # its recorded time
        self.acts_of_unit: dict[str, list[StoredAct]] = defaultdict(list)
        self.units_of_act: dict[str, set[str]] = {}
        self.units_of_report: dict[str, set[str]] = defaultdict(set)
        self.acts_of_report: dict[str, list[StoredAct]] = defaultdict(list)
        self.report_of_act: dict[str, str] = {}
        self.unit_of_task: dict[str, str] = {}
        # A unit's explanations name the units its reports are adopted together with (综合多个单位):
        # those partners' registrations, and the voids of them, are folded into its acts too.
        self.partners: dict[str, set[str]] = defaultdict(set)
        self.registrations: dict[str, list[StoredAct]] = defaultdict(list)
        self.voids_of: dict[str, list[StoredAct]] = defaultdict(list)
        self.last_year = 0  # the latest year of any act folded: every unit's rows reach it

    # --- folding -----------------------------------------------------------------------------

    def catch_up(self, backlogs: Mapping[str, Backlog]) -> int:
        """Fold every act stored since the last call; returns how many. An act after a rulebook's
        `since` adds the units it concerns to that rulebook's backlog; an act up to it is only folded (a
        restarted worker re-folds what its rows include already, without rescoring it)."""
        count = 0
        for act in self.store.read(self.position, chain=False):
            # A void may reach back to any year of its target: rescore such units from their first year.
            year = 0 if act.type == "event.voided" else act.occurred_on.year
            units = self._fold(act)
            if year > self.last_year:
                # A year the ledger reaches for the first time is one every unit is scored in (a unit
                # with no act of its own there still has its quotas, runs and items judged).
                if self.last_year:
                    units = units | set(self.acts_of_unit)
                self.last_year = year
            for backlog in backlogs.values():
                if act.position > backlog.since:
                    for unit in units:
                        backlog.touched[unit].add(year)
            self.position, self.known_at = act.position, act.recorded_at
            count += 1
        return count

    def backlog(self, since: int) -> Backlog:
        """A backlog for rows that include the acts up to `since`. Acts folded here past it were not
        noted for those rows, so then every unit is rescored, from its first year."""
        backlog = Backlog(since)
        if since < self.position:
            backlog.touched.update((unit, {0}) for unit in self.acts_of_unit)
        return backlog

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
                    for earlier in self.acts_of_report[report]:
                        if unit not in self.units_of_act[earlier.id]:  # not one of its own already
                            self.units_of_act[earlier.id].add(unit)
                            self.acts_of_unit[unit].append(earlier)
            units |= self.units_of_report[report]
            self._partner(self.units_of_report[report])
        if act.type == "unit.registered":
            self.registrations[f["unit"]].append(act)
            units |= self.partners[f["unit"]]
        if act.type == "task.assigned":
            self.unit_of_task[f["task"]] = f["unit"]
        elif "task" in f and f["task"] in self.unit_of_task:
            units.add(self.unit_of_task[f["task"]])
        if act.type == "event.voided":
            self.voids_of[f["target"]].append(act)
            units |= self.units_of_act.get(f["target"], set())
            # A unit credited by a later combined adoption takes the report's history, voids included.
            report = self.report_of_act.get(f["target"], "")
        elif report:
            self.report_of_act[act.id] = report
        if report:
            self.acts_of_report[report].append(act)
        self.units_of_act[act.id] = set(units)
        for unit in units:
            self.acts_of_unit[unit].append(act)
        return units

    def _partner(self, group: set[str]) -> None:
        """Units whose reports are adopted together: each takes the others' registrations (and their
        voids) into its acts, so that its explanations name them."""
        for unit in group:
            for other in group - self.partners[unit] - {unit}:
                self.partners[unit].add(other)
                for registration in self.registrations[other]:
                    for act in (registration, *self.voids_of.get(registration.id, ())):
                        if unit not in self.units_of_act[act.id]:
                            self.units_of_act[act.id].add(unit)
                            self.acts_of_unit[unit].append(act)

    # --- scoring -----------------------------------------------------------------------------

    def rescore(self, rulebook: str, touched: Mapping[str, set[int]]) -> Rows:
        """The rows of the units touched, as of the last act folded: for each standard period of the
        years they may change, the unit's total and JSON, or None where the unit is not (or no longer)
        registered by the period's end."""
        selection = self.selections[rulebook]
        cadence = selection.latest.model.cadence
        rows = Rows(scores={}, periods={})
        for unit, years in touched.items():
            acts = sorted(self.acts_of_unit[unit], key=lambda a: a.position)
            # A backdated act may change later years (quota runs cross the year end): rescore from the
            # earliest touched year to the last year of the ledger.
            dated = [a.occurred_on.year for a in acts if a.type != "event.voided"]
            if not dated:
                continue
            for year in range(max(min(years), min(dated)), self.last_year + 1):
                for period in standard_periods(year, cadence):
                    facts = gather(acts, period.end)
                    if unit not in facts.units or facts.units[unit].registered_on > period.end:
                        rows.scores[(period.label, unit)] = None
                        continue
                    board = score(facts, selection, period, period.end, unit)
                    document = board_json(board, "", unit)
                    (mine,) = document["units"]
                    figure = rank_figure(next(s for s in board.units if s.unit.unit == unit))
                    del mine["rank"]  # drawn from every unit's figure when a query is answered
                    rows.scores[(period.label, unit)] = (figure, orjson.dumps(mine).decode())
                    _, used = rows.periods.setdefault(period.label, (document["rulebook"], {}))
                    for book in document["rulebooks_used"]:
                        used[f"{book['id']}@{book['version']}"] = book
        return rows


def rank_figure(s: UnitScore) -> str:
    """What a unit's row keeps to rank it by (in the store's `total` column): the figure it is ranked
    on, as Decimal text, or "" for a unit not ranked."""
    key = s.rank_key
    return "" if key is None else str(key)


def answer(rows: PeriodRows, period: Period, unit: str | None = None) -> dict[str, Any] | None:
    """The JSON of `ledger score` for a standard period as of its end, from its projected rows, known at
    their tracked position; None when they hold no unit (or not the one asked for)."""
    figures = rows.totals
    if unit is not None:
        if unit not in rows.documents:
            return None
        # A competition rank is one more than the number of ranked units with a higher figure: no sort.
        mine = figures[unit]
        rank = None if mine is None else 1 + sum(f is not None and f > mine for f in figures.values())
        units = [with_rank(rows.documents[unit], rank)]
    else:
        # As the replay orders them: ranked units highest first, then those not ranked, each by slug.
        order = sorted(figures.items(), key=lambda item: (item[1] is None, -(item[1] or 0), item[0]))
        ranks = ranks_of(order)
        units = [with_rank(rows.documents[slug], ranks[slug]) for slug, _ in order]
        if not units:
            return None
    return {
        "rulebook": rows.main,
        "rulebooks_used": sorted(rows.used, key=lambda b: b["version"]),
        "period": period.label,
        "as_of": period.end.isoformat(),
        "known_at": rows.tracked.known_at,
        "units": units,
    }


def with_rank(document: str, rank: int | None) -> dict[str, Any]:
    """A stored unit's JSON with its rank put back where `ledger score` has it (after the total)."""
    out: dict[str, Any] = {}
    for key, value in orjson.loads(document).items():
        out[key] = value
        if key == "total":
            out["rank"] = rank
    return out
