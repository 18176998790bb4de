"""The acts that count on a date: a fold over the stored acts, voids applied, nothing read or written.

`gather` takes acts in position order, already cut at the known-at time, and keeps those that happened
on or before the as-of date. A void counts from its recorded time, whatever date it bears, so it removes
its target from every as-of view known after it. What it leaves out it says, act by act, with the reason.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from ledger.acts import StoredAct


@dataclass
class Unit:
    unit: str
    name: str
    registered_on: dt.date
    act_id: str
    classes: list[tuple[dt.date, int, str, str]] = field(default_factory=list)  # day, position, class, act

    def class_on(self, day: dt.date) -> str | None:
        current = None
        for since, _, cls, _ in self.classes:
            if since <= day:
                current = cls
        return current


class Report(NamedTuple):
    report: str
    unit: str
    filed_on: dt.date
    act_id: str


BOUND = frozenset({"report.adopted", "endorsement.received", "report.excellent"})  # bound to a filing


class Excluded(NamedTuple):
    """Why an act the ledger holds does not count in a view: `reason` is a code (see
    `projections.accounting`), `by` the act that decided it (the void, or the voided filing)."""

    reason: str
    by: str = ""


@dataclass
class Facts:
    as_of: dt.date
    units: dict[str, Unit] = field(default_factory=dict)
    reports: dict[str, Report] = field(default_factory=dict)
    filings: dict[str, list[StoredAct]] = field(default_factory=lambda: defaultdict(list))
    by_type: dict[str, list[StoredAct]] = field(default_factory=lambda: defaultdict(list))
    adoptions_of: dict[str, list[StoredAct]] = field(default_factory=lambda: defaultdict(list))
    tasks: dict[str, StoredAct] = field(default_factory=dict)  # task -> its assignment
    completion_of: dict[str, StoredAct] = field(default_factory=dict)  # task -> its completion
    # What an auditor accounts for: each unit's acts other than its filings taken in (those are in
    # `filings`; see `acts_of`), voided and later ones included (voids themselves are told with their
    # targets), and why the acts that do not count here are left out.
    of_unit: dict[str, list[StoredAct]] = field(default_factory=lambda: defaultdict(list))
    excluded: dict[str, Excluded] = field(default_factory=dict)
    voids: dict[str, StoredAct] = field(default_factory=dict)  # voided act id -> its void

    def acts_of(self, unit: str) -> list[StoredAct]:
        """Every act in the unit's account, in position order."""
        return list(heapq.merge(self.filings.get(unit, ()), self.of_unit.get(unit, ()), key=_position))

    def credited_units(self, report: str, on: dt.date) -> list[str]:
        """Who earns a report's bonuses on a day: its combined adoptions' units by then, else the filer."""
        combined: list[str] = []
        for adoption in self.adoptions_of.get(report, ()):
            if adoption.fields["form"] == "combined" and adoption.occurred_on <= on:
                combined += [u for u in adoption.fields["units"] if u not in combined]
        if combined:
            return combined
        filing = self.reports.get(report)
        return [filing.unit] if filing else []


def gather(acts: Iterable[StoredAct], as_of: dt.date) -> Facts:
    """The facts of acts in position order as they stood on `as_of`.

    A report's adoptions, endorsements and excellence marks are bound to the filing in effect when they
    were recorded (the last filing of the report before them): when that filing is voided they count no
    more, and a later filing of the same report does not inherit them. A report id is one unit's for
    ever (the ledger index refuses another unit's filing of it), so its filer is its owner.
    """
    facts = Facts(as_of=as_of)
    # The loops below run once per act of a year: the tables they fill are bound to names first.
    units, reports, filings, by_type = facts.units, facts.reports, facts.filings, facts.by_type
    adoptions_of, tasks, completion_of = facts.adoptions_of, facts.tasks, facts.completion_of
    of_unit, excluded, voids = facts.of_unit, facts.excluded, facts.voids
    listed: list[StoredAct] = []
    for act in acts:
        if act.type == "event.voided":
            voids[act.fields["target"]] = act
        else:
            listed.append(act)

    filing_of: dict[str, StoredAct] = {}  # report -> its filing in effect (voided ones included)
    task_unit: dict[str, str] = {}
    # Each act is first told to the units whose account holds it (`projections.accounting`), then left out
    # with its reason or taken in. Filings and what is bound to them are most of a year: they go first,
    # and a filing taken in is in its unit's account through `filings`.
    for act in listed:
        _, act_id, kind, day, _, f, _ = act
        if kind == "report.filed":
            report, unit = f["report"], f["unit"]
            filing_of[report] = act
            if act_id in voids:
                excluded[act_id] = Excluded("voided", voids[act_id].id)
                of_unit[unit].append(act)
            elif day > as_of:
                excluded[act_id] = Excluded("after_as_of")
                of_unit[unit].append(act)
            else:
                reports[report] = _new(Report, (report, unit, day, act_id))
                filings[unit].append(act)
            continue
        if kind in BOUND:
            report = f["report"]
            filing = filing_of.get(report)
            # A report is one unit's for ever (the ledger index sees to it): its filer is its owner.
            owner = filing.fields["unit"] if filing is not None else None
            if owner is not None:
                of_unit[owner].append(act)
            for unit in f.get("units", ()):
                if unit != owner:
                    of_unit[unit].append(act)
            bound = filing.id if filing is not None else ""
            if act_id in voids:
                excluded[act_id] = Excluded("voided", voids[act_id].id)
            elif day > as_of:
                excluded[act_id] = Excluded("after_as_of")
            elif bound in voids:
                excluded[act_id] = Excluded("filing_voided", bound)
            else:
                by_type[kind].append(act)
                if kind == "report.adopted":
                    adoptions_of[report].append(act)
            continue
        owned = f.get("unit")
        if owned is not None:
            of_unit[owned].append(act)
            if kind == "task.assigned":
                task_unit.setdefault(f["task"], owned)
        elif kind == "task.completed" and f["task"] in task_unit:
            of_unit[task_unit[f["task"]]].append(act)
        if act_id in voids:
            excluded[act_id] = Excluded("voided", voids[act_id].id)
        elif day > as_of:
            excluded[act_id] = Excluded("after_as_of")
        elif kind == "unit.registered":
            classes = [(day, act.position, f["class"], act_id)]
            units[f["unit"]] = Unit(f["unit"], f["name"], day, act_id, classes)
        elif kind == "unit.reclassified":
            if f["unit"] in units:
                units[f["unit"]].classes.append((day, act.position, f["class"], act_id))
        else:
            by_type[kind].append(act)
            if kind == "task.assigned":
                tasks[f["task"]] = act
            elif kind == "task.completed":
                completion_of[f["task"]] = act
    for unit in units.values():
        unit.classes.sort()
    for adoptions in adoptions_of.values():
        if len(adoptions) > 1:
            adoptions.sort(key=_dated)
    for kind in by_type:
        by_type[kind].sort(key=_dated)
    return facts


def _position(act: StoredAct) -> int:
    return act.position


def _dated(act: StoredAct) -> tuple[dt.date, int]:
    return act.occurred_on, act.position


_new = tuple.__new__  # a named tuple made without its keyword-taking constructor (hot path)
