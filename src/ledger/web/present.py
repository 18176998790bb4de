"""Score documents and acts shaped for the pages: totals per cadence period, table columns, acts in words.

Nothing here scores: it regroups the lines a score document already holds and names what acts say.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from ledger.acts import StoredAct
from ledger.characters import visible
from ledger.errors import LedgerError
from ledger.instants import in_china
from ledger.periods import parse_period
from ledger.web import words
from ledger.web.names import Names

_FIELDS = (
    "report task item title publication form units level notifier severity points due_on required amount "
    "unit name class target reason"
)
_ORDER = {name: n for n, name in enumerate(_FIELDS.split())}
FIELD_NAMES = {
    "unit": "单位",
    "name": "名称",
    "class": "类别",
    "report": "信息编号",
    "title": "标题",
    "publication": "刊物",
    "form": "形式",
    "units": "综合单位",
    "level": "批示级别",
    "notifier": "通报机关",
    "severity": "情形",
    "target": "作废对象",
    "reason": "原因",
    "task": "任务编号",
    "item": "考核项目",
    "points": "分值",
    "due_on": "期限",
    "required": "要求数量",
    "amount": "完成数量",
}


def china_time(instant: str) -> str:
    """A stored UTC instant (…Z) as China time, to the second."""
    return in_china(instant, seconds=True)


def act_href(act_id: str) -> str:
    """The link to an act on its unit's timeline; the anchor is the id as the page shows it (`visible`:
    an id an earlier version recorded with a hidden character is shown, and linked, escaped)."""
    return "#act-" + quote(visible(act_id), safe="-_.~")


def cadence_labels(period: str, cadence: str) -> list[str]:
    """The cadence periods a period is made of ([] when it is shorter than the cadence)."""
    try:
        return [p.label for p in parse_period(period).split(cadence)]
    except LedgerError:
        return []


def cadence_period_of(day: dt.date, cadence: str) -> str:
    """The label of the cadence period a day falls in."""
    return next(p.label for p in parse_period(str(day.year)).split(cadence) if p.contains(day))


def period_totals(unit: Mapping[str, Any], labels: Sequence[str]) -> list[float]:
    """A unit's points per period: the sum of its lines in each (lines outside the labels left out)."""
    sums = dict.fromkeys(labels, Decimal(0))
    for line in unit["lines"]:
        if line["period"] in sums:
            sums[line["period"]] += Decimal(str(line["points"]))
    return [float(v) for v in sums.values()]


def table_periods(board: Mapping[str, Any], cadence: str) -> list[str]:
    """Per-period columns for the ranking table: when the period holds two to four cadence periods."""
    labels = cadence_labels(board["period"], cadence)
    return labels if 2 <= len(labels) <= 4 else []


def names_in(units: Iterable[Mapping[str, Any]], key: str) -> list[str]:
    return sorted({name for u in units for name in u[key]})


@dataclass(frozen=True)
class Field:
    name: str
    text: str
    act: str | None = None  # the act the field names (a void's target), to link to


@dataclass(frozen=True)
class Links:
    """Where an act id on a unit's page leads: to the act on this page when the page lists it; else to
    /acts/ID, which sends the reader to the page and period that list it (another period of this unit,
    another unit's page). A unit token follows no link to another unit's act: None, shown unlinked."""

    shown: frozenset[str]
    own: frozenset[str]
    query: str
    reads_all: bool

    def __call__(self, act_id: str | None) -> str | None:
        if act_id is None:
            return None
        if act_id in self.shown:
            return act_href(act_id)
        if act_id in self.own or self.reads_all:
            return f"/acts/{quote(act_id, safe='')}?{self.query}"
        return None


@dataclass(frozen=True)
class ActView:
    id: str
    type: str
    kind: str
    occurred_on: dt.date
    recorded_at: str
    fields: list[Field]
    voided_by: str | None
    after_as_of: bool

    @property
    def month(self) -> str:
        return f"{self.occurred_on:%Y-%m}"

    @property
    def month_name(self) -> str:
        return f"{self.occurred_on.year}年{self.occurred_on.month}月"

    @property
    def tip(self) -> str:
        return f"{self.id} · {self.kind} · 发生 {self.occurred_on} · 记录 {china_time(self.recorded_at)}"

    def matches(self, text: str) -> bool:
        """Whether the act's id, type or a field (as shown) holds the text, case aside."""
        wanted = text.casefold()
        shown = [self.id, self.kind, *(f"{f.name} {f.text}" for f in self.fields)]
        return any(wanted in part.casefold() for part in shown)


@dataclass(frozen=True)
class Uncounted:
    """An act of the period that no score line counted, in words, linked to the timeline when it is there."""

    act: str
    tip: str
    occurred_on: str
    kind: str
    reason: str
    detail: str


@dataclass(frozen=True)
class Tally:
    """How the period's acts divide: counted by a line, not counted, and acts of other periods that the
    period's lines also name (a run of quarters, an earlier adoption)."""

    counted: int
    not_counted: int
    cited_outside: int

    @property
    def total(self) -> int:
        return self.counted + self.not_counted


def not_counted(score: Mapping[str, Any], acts_by_id: Mapping[str, ActView]) -> list[Uncounted]:
    """A score's `not_counted` acts, oldest first, with their type and reason in Chinese."""
    rows = []
    for item in sorted(score.get("not_counted", ()), key=lambda n: (n["occurred_on"], n["act"])):
        view = acts_by_id.get(item["act"])
        rows.append(
            Uncounted(
                act=item["act"],
                tip=view.tip if view else "不在本页的记录",
                occurred_on=item["occurred_on"],
                kind=words.act_name(item["type"]),
                reason=words.reason(item["reason"]),
                detail=item["detail"],
            )
        )
    return rows


def tally(score: Mapping[str, Any], acts_by_id: Mapping[str, ActView], period: str) -> Tally:
    """Counted: the distinct acts the lines name that happened in the period (an act not on the page is
    taken to be of the period); not counted: the score's `not_counted`."""
    span = parse_period(period)
    cited = {act_id for line in score["lines"] for act_id in line["events"]}
    outside = {
        act_id
        for act_id in cited
        if (view := acts_by_id.get(act_id)) is not None and not span.contains(view.occurred_on)
    }
    return Tally(len(cited - outside), len(score.get("not_counted", ())), len(outside))


def describe_acts(
    acts: Sequence[StoredAct], names: Names, as_of: dt.date | None, unit: str = ""
) -> list[ActView]:
    """Acts in words, oldest first: their fields named in Chinese, units, classes and publications by
    their names (the page's own unit left out), voided ones marked with their void."""
    titles = {a.fields["report"]: a.fields["title"] for a in acts if a.type == "report.filed"}
    voids = {a.fields["target"]: a.id for a in acts if a.type == "event.voided"}
    views = []
    for act in sorted(acts, key=lambda a: (a.occurred_on, a.position)):
        fields = [
            _field(name, value, act, titles, names)
            for name, value in sorted(act.fields.items(), key=lambda item: _ORDER.get(item[0], 99))
            if not (name == "unit" and value == unit and act.type != "unit.registered")
        ]
        views.append(
            ActView(
                id=act.id,
                type=act.type,
                kind=words.act_type(act.type),
                occurred_on=act.occurred_on,
                recorded_at=act.recorded_at,
                fields=fields,
                voided_by=voids.get(act.id),
                after_as_of=as_of is not None and act.occurred_on > as_of,
            )
        )
    return views


def _field(name: str, value: Any, act: StoredAct, titles: Mapping[str, str], names: Names) -> Field:
    label = FIELD_NAMES.get(name, name)
    if name == "target":
        return Field(label, str(value), str(value))
    if name == "publication":
        return Field(label, names.publication(value))
    if name == "unit":
        return Field(label, names.unit(value))
    if name == "class":
        return Field(label, names.unit_class(value))
    if name in ("level", "notifier"):
        return Field(label, words.LEVELS.get(value, value))
    if name == "form":
        return Field(label, words.FORMS.get(value, value))
    if name == "severity":
        return Field(label, words.SEVERITIES.get(value, value))
    if name == "units":
        return Field(label, "、".join(names.unit(u) for u in value))
    if name == "report" and act.type != "report.filed" and value in titles:
        return Field(label, f"{value}《{titles[value]}》")
    return Field(label, str(value))
