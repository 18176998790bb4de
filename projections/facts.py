"""The acts that count on a date: a fold over the stored acts, voids applied, nothing read or written.

`gather` takes acts in position order, already cut at the known-at time, and keeps those that happened
on or before the as-of date. A void counts from its recorded time, whatever date it bears, so it removes
its target from every as-of view known after it.
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
    kept: list[StoredAct] = []
    voided: set[str] = set()
    keep = kept.append
    for act in acts:
        if act.type == "event.voided":
            voided.add(act.fields["target"])
        elif act.occurred_on <= as_of:
            keep(act)

    facts = Facts(as_of=as_of)
    # The loop below runs once per act of a year: the tables it fills are bound to names first.
    units, reports, filings, by_type = facts.units, facts.reports, facts.filings, facts.by_type
    adoptions_of, tasks, completion_of = facts.adoptions_of, facts.tasks, facts.completion_of
    for act in kept:
        if voided and act.id in voided:
            continue
        f = act.fields
        kind = act.type
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
