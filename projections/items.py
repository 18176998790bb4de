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

from ledger import terms
from ledger.acts import StoredAct
from ledger.periods import Period
from ledger.rulebooks import Bounds, ClauseBase, Group, Item, Rulebook, Veto
from projections.context import ScoringContext
from projections.facts import Facts
from projections.lines import ZERO, UnitScore, class_name, fmt
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
            detail = "不列入考核：不计入本单位基准分"
            s.add(item, book, span.label, detail, ZERO, exemptions)
            return
        entries.append(
            (f"已登记不列入考核，但{class_name(book, cls)}不能免考本项目", ZERO, exemptions)
        )
    s.applied.add(item.id)
    if item.in_base:
        s.base += item.weight or ZERO
    if item.basis == "deduction" and item.weight:
        entries.append(("基础分", item.weight, []))
    fed: list[Entry] = []
    for source in [item.id, *parts]:
        found: list[Entry] = []
        for act in _within(feeds.of(unit, source, "violation.recorded"), span):
            found.append(_find(act, item.per_violation, -1, terms.act_name("violation.recorded")))
        for act in _within(feeds.of(unit, source, "merit.recorded"), span):
            found.append(_find(act, item.per_merit, 1, terms.act_name("merit.recorded")))
        for act in feeds.of(unit, source, "task.assigned"):
            if span.contains(dt.date.fromisoformat(act.fields["due_on"])):
                completion = sc.facts.completion_of.get(act.fields["task"])
                if item.basis == "deduction":
                    found.append(task_deduction(act, completion, judged, _late_amount(item)))
                else:
                    found.append(task_credit(act, completion, judged))
        if source != item.id:
            where = f"（记于项目 {source}，{class_name(book, s.cls)}并入本项目计分）"
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
            cap = f"计分不超过该项分值{fmt(item.weight)}分"
            entries.append((cap, item.weight - raw, []))
        elif raw < item.floor and item.basis == "deduction":
            taken = (item.weight or ZERO) - item.floor
            entries.append((f"扣完为止：至多扣{fmt(taken)}分", item.floor - raw, []))
        elif raw < item.floor:
            detail = f"本项合计{fmt(raw)}分，不低于下限{fmt(item.floor)}分"
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
        entries.append((f"计分不超过该项分值{fmt(weight)}分", weight - earned, []))
    raw = min(earned, weight) + taken
    if raw < item.floor:
        entries.append((f"本项合计{fmt(raw)}分，不低于下限{fmt(item.floor)}分", item.floor - raw, []))
    return entries


def _late_amount(item: Item) -> tuple[Decimal | None, str]:
    """What a deduction item takes off for a task done late or not done, and where the amount is set."""
    if item.late_task is not None:
        return item.late_task, "考核办法规定的逾期扣分"
    if item.per_violation is not None:
        return item.per_violation, "本项目每次扣分"
    return None, "按任务自身分值（考核办法未规定扣分）"


def _within(acts: Iterable[StoredAct], span: Period) -> list[StoredAct]:
    return [a for a in acts if span.contains(a.occurred_on)]


def _find(act: StoredAct, fixed: Decimal | None, sign: int, default: str) -> Entry:
    """One violation or merit: the rulebook's amount per find, or else the points the act gives."""
    detail = act.fields.get("reason") or default
    given = act.fields.get("points")
    if fixed is not None:
        if given is not None and Decimal(str(given)) != abs(fixed):
            detail += f"（记录所填{given}分不采用：考核办法规定每次{fmt(fixed)}分）"
        return detail, fixed, [act.id]
    if given is None:
        return f"{detail}：未填分值，考核办法亦未规定分值", ZERO, [act.id]
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
        dates = f"{monday:%m-%d}至{sunday:%m-%d}"
        detail = f"{year}年第{number:02d}周（{dates}）：发布{len(week)}条，应发{rule.quota}条"
        entries.append((detail, rule.per_missing * missing, week))
    if judged_weeks:
        entries.append((f"共考核{judged_weeks}周，其中{met}周按要求发布", ZERO, []))
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
                    _bound(s, group, book, span, value, group.cap, group.floor, "本组项目")
            for bound in bounds:
                value = s.period_total(span.label)
                _bound(s, bound, book, span, value, bound.cap, bound.floor, "本期总分")
            for veto in vetoes:
                acts = _within(feeds.of(s.unit.unit, veto.id, "violation.recorded"), span)
                if acts:
                    found = terms.act_name("violation.recorded")
                    reasons = "；".join(a.fields.get("reason", found) for a in acts)
                    detail = f"一票否决：{reasons}"
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
        s.add(clause, book, span.label, f"{what}合计{fmt(value)}分，按上限{fmt(cap)}分计", cap - value, [])
    elif floor is not None and value < floor:
        detail = f"{what}合计{fmt(value)}分，按下限{fmt(floor)}分计"
        s.add(clause, book, span.label, detail, floor - value, [])
