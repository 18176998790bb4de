"""Items (考核项目): each has a weight, a floor and a cap, and is moved by violations (扣分), merits
(加分/得分), tasks and weekly posting; then groups of items and whole periods are bounded, and a veto
(一票否决) zeroes its period.

An item is a period clause: it is judged per cadence period by the rulebook version in effect at the
period's end, on the acts of that period (a task on the period of its due date).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from ledger.acts import StoredAct
from ledger.periods import Period
from ledger.rulebooks import Bounds, ClauseBase, Group, Item, Rulebook, Veto
from projections.facts import Facts
from projections.lines import ZERO, UnitScore, fmt
from projections.tasks import task_credit

if TYPE_CHECKING:
    from projections.scoring import Scorer

Entry = tuple[str, Decimal, list[str]]  # detail, points, act ids
FED_BY = ("violation.recorded", "merit.recorded", "item.exempted", "task.assigned")


class ItemActs:
    """The acts that feed items, by unit and item; posts by unit."""

    def __init__(self, facts: Facts) -> None:
        self.by_item: dict[tuple[str, str, str], list[StoredAct]] = defaultdict(list)
        for kind in FED_BY:
            for act in facts.by_type.get(kind, ()):
                self.by_item[(act.fields["unit"], act.fields["item"], kind)].append(act)
        self.posts: dict[str, list[StoredAct]] = defaultdict(list)
        for act in facts.by_type.get("post.published", ()):
            self.posts[act.fields["unit"]].append(act)

    def of(self, unit: str, item: str, kind: str) -> list[StoredAct]:
        return self.by_item.get((unit, item, kind), [])


def score_items(sc: Scorer) -> None:
    feeds = ItemActs(sc.facts)
    for span, judged, book in sc.period_books():
        items = [c for c in book.model.clauses if isinstance(c, Item)]
        for s in sc.scores.values():
            if items and s.unit.registered_on <= judged:
                cls = s.unit.class_on(judged)
                for item in items:
                    if item.classes is None or cls in item.classes:
                        _score_item(sc, s, item, book, span, feeds)


def _score_item(sc: Scorer, s: UnitScore, item: Item, book: Rulebook, span: Period, feeds: ItemActs) -> None:
    unit, judged = s.unit.unit, min(span.end, sc.as_of)
    exemptions = [a.id for a in feeds.of(unit, item.id, "item.exempted") if a.occurred_on <= judged]
    entries: list[Entry] = []
    if exemptions:
        cls = s.unit.class_on(judged)
        if cls in item.exemptible:
            detail = "does not apply to this unit (不列入考核): left out of its base"
            s.add(item, book, span.label, detail, ZERO, exemptions)
            return
        entries.append(
            (f"exemption recorded, but class {cls!r} cannot be exempted from this item", ZERO, exemptions)
        )
    s.applied.add(item.id)
    if item.in_base:
        s.base += item.weight or ZERO
    if item.basis == "deduction" and item.weight:
        entries.append(("the item's weight (基础分)", item.weight, []))
    for act in _within(feeds.of(unit, item.id, "violation.recorded"), span):
        entries.append(_find(act, item.per_violation, -1, "violation recorded"))
    for act in _within(feeds.of(unit, item.id, "merit.recorded"), span):
        entries.append(_find(act, item.per_merit, 1, "merit recorded"))
    for act in feeds.of(unit, item.id, "task.assigned"):
        if span.contains(dt.date.fromisoformat(act.fields["due_on"])):
            entries.append(task_credit(act, sc.facts.completion_of.get(act.fields["task"]), sc.as_of))
    if item.weekly_posts:
        entries += _weekly_posts(item, s, span, judged, feeds.posts.get(unit, []))
    raw = sum((points for _, points, _ in entries), ZERO)
    if item.weight is not None and raw > item.weight:
        entries.append((f"capped at the item's {fmt(item.weight)} (不超过该项分值)", item.weight - raw, []))
    elif raw < item.floor and item.basis == "deduction":
        taken = (item.weight or ZERO) - item.floor
        entries.append((f"deductions stop at {fmt(taken)} (扣完为止)", item.floor - raw, []))
    elif raw < item.floor:
        entries.append((f"the item comes to {fmt(raw)}, floored at {fmt(item.floor)}", item.floor - raw, []))
    for detail, points, events in entries:
        s.add(item, book, span.label, detail, points, events)


def _within(acts: Iterable[StoredAct], span: Period) -> list[StoredAct]:
    return [a for a in acts if span.contains(a.occurred_on)]


def _find(act: StoredAct, fixed: Decimal | None, sign: int, default: str) -> Entry:
    """One violation or merit: the rulebook's amount per find, or else the points the act gives."""
    detail = act.fields.get("reason") or default
    given = act.fields.get("points")
    if fixed is not None:
        if given is not None and Decimal(str(given)) != abs(fixed):
            detail += f" (the act's {given} is not used: the rulebook sets {fmt(fixed)} a find)"
        return detail, fixed, [act.id]
    if given is None:
        return f"{detail}: no points given, and the rulebook sets none", ZERO, [act.id]
    return detail, sign * Decimal(str(given)), [act.id]


def _weekly_posts(
    item: Item, s: UnitScore, span: Period, judged: dt.date, posts: list[StoredAct]
) -> list[Entry]:
    """Per week short of its class's quota, the missing posts' points. The weeks are the whole weeks
    (Monday to Sunday) within the period, owed from the first Monday on or after registration and judged
    once their Sunday has passed by the as-of date."""
    entries: list[Entry] = []
    judged_weeks = met = 0
    for monday in whole_weeks(span):
        sunday = monday + dt.timedelta(days=6)
        rule = item.weekly_posts.get(s.unit.class_on(sunday) or "")
        if rule is None or monday < s.unit.registered_on or sunday > judged:
            continue
        judged_weeks += 1
        week = [p.id for p in posts if monday <= p.occurred_on <= sunday]
        missing = rule.quota - len(week)
        if missing <= 0:
            met += 1
            continue
        year, number, _ = monday.isocalendar()
        detail = f"{year}-W{number:02d} ({monday:%m-%d} to {sunday:%m-%d}): {len(week)} of {rule.quota} posts"
        entries.append((detail, rule.per_missing * missing, week))
    if judged_weeks:
        entries.append((f"{judged_weeks} weeks judged, {met} with every post owed", ZERO, []))
    return entries


def whole_weeks(span: Period) -> list[dt.date]:
    """The Mondays of the weeks that lie wholly within the period."""
    monday = span.start + dt.timedelta(days=-span.start.weekday() % 7)
    weeks = []
    while monday + dt.timedelta(days=6) <= span.end:
        weeks.append(monday)
        monday += dt.timedelta(days=7)
    return weeks


def bound_periods(sc: Scorer) -> None:
    """Per cadence period: groups of items within their bounds, the period's total within its bounds,
    then the veto, in that order."""
    feeds: ItemActs | None = None
    for span, judged, book in sc.period_books():
        groups = [c for c in book.model.clauses if isinstance(c, Group)]
        bounds = [c for c in book.model.clauses if isinstance(c, Bounds)]
        vetoes = [c for c in book.model.clauses if isinstance(c, Veto)]
        if not (groups or bounds or vetoes):
            continue
        feeds = feeds or ItemActs(sc.facts)
        for s in sc.scores.values():
            if s.unit.registered_on > judged:
                continue
            for group in groups:
                members = [
                    li.points
                    for li in s.in_period(span.label)
                    if isinstance(li.clause, Item) and li.clause.group == group.group
                ]
                if members:
                    value = sum(members, ZERO)
                    _bound(s, group, book, span, value, group.cap, group.floor, f"the {group.group} items")
            for bound in bounds:
                value = s.period_total(span.label)
                _bound(s, bound, book, span, value, bound.cap, bound.floor, "the period's total")
            for veto in vetoes:
                acts = _within(feeds.of(s.unit.unit, veto.id, "violation.recorded"), span)
                if acts:
                    reasons = "; ".join(a.fields.get("reason", "violation recorded") for a in acts)
                    detail = f"一票否决 (veto): {reasons}"
                    s.add(veto, book, span.label, detail, -s.period_total(span.label), [a.id for a in acts])


def _bound(
    s: UnitScore,
    clause: ClauseBase,
    book: Rulebook,
    span: Period,
    value: Decimal,
    cap: Decimal | None,
    floor: Decimal | None,
    what: str,
) -> None:
    if cap is not None and value > cap:
        s.add(clause, book, span.label, f"{what} come to {fmt(value)}, capped at {fmt(cap)}", cap - value, [])
    elif floor is not None and value < floor:
        detail = f"{what} come to {fmt(value)}, floored at {fmt(floor)}"
        s.add(clause, book, span.label, detail, floor - value, [])
