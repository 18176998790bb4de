"""The acts that count on a date: a fold over the stored acts, voids applied, nothing read or written.

`gather` takes acts in position order, already cut at the known-at time, and keeps those that happened
on or before the as-of date. A void counts from its recorded time, whatever date it bears, so it removes
its target from every as-of view known after it. What it leaves out it says, act by act, with the reason.
"""

from __future__ import annotations

import datetime as dt
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
    # What an auditor accounts for: each unit's acts (voided and later ones included; voids themselves
    # are told with their targets), and why the acts that do not count here are left out.
    of_unit: dict[str, list[StoredAct]] = field(default_factory=lambda: defaultdict(list))
    excluded: dict[str, Excluded] = field(default_factory=dict)
    voids: dict[str, StoredAct] = field(default_factory=dict)  # voided act id -> its void

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

    owners: dict[str, str] = {}  # report -> its filer
    filing_of: dict[str, str] = {}  # report -> id of its filing in effect (voided ones included)
    task_unit: dict[str, str] = {}
    for act in listed:
        f = act.fields
        kind = act.type
        # Whose act it is, for the account of what counted (`projections.accounting`).
        if kind == "report.filed":
            owners.setdefault(f["report"], f["unit"])
            filing_of[f["report"]] = act.id
        elif kind == "task.assigned":
            task_unit.setdefault(f["task"], f["unit"])
        if "unit" in f:
            of_unit[f["unit"]].append(act)
        elif "report" in f:
            owner = owners.get(f["report"])
            if owner is not None:
                of_unit[owner].append(act)
            for unit in f.get("units", ()):
                if unit != owner:
                    of_unit[unit].append(act)
        elif "task" in f and f["task"] in task_unit:
            of_unit[task_unit[f["task"]]].append(act)

        if voids and act.id in voids:
            excluded[act.id] = Excluded("voided", voids[act.id].id)
            continue
        if act.occurred_on > as_of:
            excluded[act.id] = Excluded("after_as_of")
            continue
        if kind in BOUND:
            bound = filing_of.get(f["report"], "")
            if bound in voids:
                excluded[act.id] = Excluded("filing_voided", bound)
                continue
        if kind == "report.filed":
            reports[f["report"]] = _new(Report, (f["report"], f["unit"], act.occurred_on, act.id))
            filings[f["unit"]].append(act)
        elif kind == "unit.registered":
            unit = Unit(f["unit"], f["name"], act.occurred_on, act.id)
            unit.classes.append((act.occurred_on, act.position, f["class"], act.id))
            units[f["unit"]] = unit
        elif kind == "unit.reclassified":
            if f["unit"] in units:
                units[f["unit"]].classes.append((act.occurred_on, act.position, f["class"], act.id))
        else:
            by_type[kind].append(act)
            if kind == "report.adopted":
                adoptions_of[f["report"]].append(act)
            elif kind == "task.assigned":
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


def _dated(act: StoredAct) -> tuple[dt.date, int]:
    return act.occurred_on, act.position


_new = tuple.__new__  # a named tuple made without its keyword-taking constructor (hot path)
