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

from ledger.acts import StoredAct
from ledger.periods import Period
from ledger.rulebooks import Bounds, ClauseBase, Group, Item, Rulebook, Veto
from projections.context import ScoringContext
from projections.facts import Facts
from projections.lines import ZERO, UnitScore, fmt
from projections.tasks import task_credit, task_deduction

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


def score_items(sc: ScoringContext) -> None:
    feeds = ItemActs(sc.facts)
    for span, judged, book in sc.period_books():
        items = [c for c in book.model.clauses if isinstance(c, Item)]
        for s in sc.scores.values():
            if items and s.unit.registered_on <= judged:
                cls = s.unit.class_on(judged)
                for item in items:
                    if item.classes is None or cls in item.classes:
                        # An item that does not apply to the class but is part of this one for it (计分
                        # 标准: a county's 数据共享交换平台 within its 互联网+政务服务) feeds this one.
                        parts = [o.id for o in items if cls is not None and o.part_of.get(cls) == item.id]
                        _score_item(sc, s, item, book, span, feeds, parts)


def _score_item(
    sc: ScoringContext,
    s: UnitScore,
    item: Item,
    book: Rulebook,
    span: Period,
    feeds: ItemActs,
    parts: list[str],
) -> None:
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
    fed: list[Entry] = []
    for source in [item.id, *parts]:
        found: list[Entry] = []
        for act in _within(feeds.of(unit, source, "violation.recorded"), span):
            found.append(_find(act, item.per_violation, -1, "violation recorded"))
        for act in _within(feeds.of(unit, source, "merit.recorded"), span):
            found.append(_find(act, item.per_merit, 1, "merit recorded"))
        for act in feeds.of(unit, source, "task.assigned"):
            if span.contains(dt.date.fromisoformat(act.fields["due_on"])):
                completion = sc.facts.completion_of.get(act.fields["task"])
                if item.basis == "deduction":
                    found.append(task_deduction(act, completion, judged, _late_amount(item)))
                else:
                    found.append(task_credit(act, completion, judged))
        if source != item.id:
            where = f" (recorded under {source}, part of this item for class {s.cls!r})"
            found = [(detail + where, points, events) for detail, points, events in found]
        fed += found
    if item.weekly_posts:
        fed += _weekly_posts(item, s, span, judged, feeds.posts.get(unit, []))
    if item.basis == "credit" and item.weight is not None:
        entries += _credit_first(item, item.weight, fed)
    else:
        entries += fed
        raw = sum((points for _, points, _ in entries), ZERO)
        if item.weight is not None and raw > item.weight:
            cap = f"capped at the item's {fmt(item.weight)} (不超过该项分值)"
            entries.append((cap, item.weight - raw, []))
        elif raw < item.floor and item.basis == "deduction":
            taken = (item.weight or ZERO) - item.floor
            entries.append((f"deductions stop at {fmt(taken)} (扣完为止)", item.floor - raw, []))
        elif raw < item.floor:
            detail = f"the item comes to {fmt(raw)}, floored at {fmt(item.floor)}"
            entries.append((detail, item.floor - raw, []))
    for detail, points, events in entries:
        s.add(item, book, span.label, detail, points, events)


def _credit_first(item: Item, weight: Decimal, fed: list[Entry]) -> list[Entry]:
    """得分制: what the item earns is capped at its weight first; what is taken off then comes off what
    was earned, and the item ends at its floor at the lowest. (Netting first would let a deduction vanish
    into credit above the weight.)"""
    earned = sum((points for _, points, _ in fed if points > 0), ZERO)
    taken = sum((points for _, points, _ in fed if points < 0), ZERO)
    entries = list(fed)
    if earned > weight:
        entries.append((f"capped at the item's {fmt(weight)} (不超过该项分值)", weight - earned, []))
    raw = min(earned, weight) + taken
    if raw < item.floor:
        entries.append((f"the item comes to {fmt(raw)}, floored at {fmt(item.floor)}", item.floor - raw, []))
    return entries


def _late_amount(item: Item) -> tuple[Decimal | None, str]:
    """What a deduction item takes off for a task done late or not done, and where the amount is set."""
    if item.late_task is not None:
        return item.late_task, "the rulebook's late_task"
    if item.per_violation is not None:
        return item.per_violation, "the item's amount a find"
    return None, "the task's own points (the rulebook sets no amount)"


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


def bound_periods(sc: ScoringContext) -> None:
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
