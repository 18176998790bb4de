"""The account of a unit's period: every act of the unit that happened in the period is either counted by
one of its lines or listed as not counted, with the reason.

Counted means named by a line (a line may count an act for no points, and says why in its detail). An
act is the unit's when it names the unit, one of the unit's reports (a combined adoption: also each unit
it credits) or one of the unit's tasks; a void is told with the act it voids. The reasons come from where
they are decided: `gather` (voided, after the as-of date, its filing voided), the clauses
(`UnitScore.pass_over`: superseded by a higher adoption, an exempt item, a class the clause does not
cover, ...) and, for the rest, what the rulebook in effect on the act's day makes of it. What a reader calls
each reason code is `ledger.terms.REASONS`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from ledger.acts import NAMES, StoredAct
from ledger.periods import Period
from ledger.rulebooks import Selection
from projections.facts import Facts
from projections.lines import Uncounted, UnitScore

CHINA = dt.timezone(dt.timedelta(hours=8))


def account(
    facts: Facts, selection: Selection, period: Period, as_of: dt.date, scores: Mapping[str, UnitScore]
) -> None:
    """Fill each unit's `not_counted` with the acts of its period that none of its lines counts."""
    for slug, s in scores.items():
        counted = {act_id for line in s.lines.values() for act_id in line.events}
        s.not_counted = [
            Uncounted(act.id, act.type, act.occurred_on.isoformat(), *why(act, facts, selection, period, s))
            for act in facts.acts_of(slug)
            if act.id not in counted and period.contains(act.occurred_on)
        ]


def why(act: StoredAct, facts: Facts, selection: Selection, period: Period, s: UnitScore) -> tuple[str, str]:
    """(reason code, the reason in words) for an act of the unit's period that no line counts."""
    return (
        _excluded(act, facts)
        or s.passed.get(act.id)
        or _record(act, selection)
        or _out_of_effect(act, selection)
        or _credited_elsewhere(act, facts, s)
        or _task_elsewhere(act, facts, period)
        or _item(act, facts, selection, period, s)
        or ("unscored", f"{_book_ref(act, selection)} 没有计入此{NAMES[act.type]}的条款")
    )


Reason = tuple[str, str] | None


def _excluded(act: StoredAct, facts: Facts) -> Reason:
    excluded = facts.excluded.get(act.id)
    if excluded is None:
        return None
    if excluded.reason == "voided":
        void = facts.voids[act.id]
        when = china_time(void.recorded_at)
        return "voided", f"作废行为 {void.id}（记录于 {when}）：{void.fields['reason']}"
    if excluded.reason == "after_as_of":
        return "after_as_of", f"发生于 {act.occurred_on}，晚于截止日 {facts.as_of}"
    return "filing_voided", f"所依据的报送 {excluded.by} 已被作废，依附其上的{NAMES[act.type]}随之不计"


def _record(act: StoredAct, selection: Selection) -> Reason:
    if act.type not in ("unit.registered", "unit.reclassified"):
        return None
    book = selection.for_day(act.occurred_on) or selection.latest
    known = book.model.classes.get(act.fields["class"])
    cls = known.name if known is not None else act.fields["class"]
    if act.type == "unit.registered":
        return "record", f"单位登记（{cls}），不计分"
    return "record", f"自 {act.occurred_on} 起按{cls}考核，不计分"


def _out_of_effect(act: StoredAct, selection: Selection) -> Reason:
    if selection.for_day(act.occurred_on) is not None:
        return None
    windows = "；".join(
        f"{b.ref} 自 {b.model.effective_from} 起"
        + (f"至 {b.model.effective_to}" if b.model.effective_to else "")
        for b in selection.versions
    )
    return "no_rulebook", f"{act.occurred_on} 不在考核办法的施行期间（{windows}）"


def _credited_elsewhere(act: StoredAct, facts: Facts, s: UnitScore) -> Reason:
    """A combined adoption, or a bonus of a report a combined adoption credits, that is not this unit's."""
    report = act.fields.get("report")
    if act.type == "report.adopted" and act.fields["form"] == "combined":
        credited = act.fields["units"]
    elif act.type in ("endorsement.received", "report.excellent") and report is not None:
        credited = facts.credited_units(report, act.occurred_on)
    else:
        return None
    if s.unit.unit in credited:
        return None
    # The credited units by name (a projected row holds the registrations of the units its reports are
    # adopted together with: `ledger.projector`); a unit not registered as of the date by its slug.
    names = [facts.units[u].name if u in facts.units else u for u in credited]
    return "credited_elsewhere", f"综合采用的信息，计入{'、'.join(names)}"


def _task_elsewhere(act: StoredAct, facts: Facts, period: Period) -> Reason:
    task = facts.tasks.get(act.fields.get("task", ""))
    if task is None or act.type not in ("task.assigned", "task.completed"):
        return None
    due = dt.date.fromisoformat(task.fields["due_on"])
    if period.contains(due):
        return None
    return "elsewhere", f"任务 {act.fields['task']} 截止于 {due}，计入截止日所在的期间"


def _item(act: StoredAct, facts: Facts, selection: Selection, period: Period, s: UnitScore) -> Reason:
    """An act of an item: the item is not in the version that judges the period, does not cover the
    unit's class, or does not apply to the unit (不列入考核)."""
    item_id = act.fields.get("item")
    if item_id is None:
        return None
    day = min(period.end, facts.as_of)
    book = selection.for_day(day)
    if book is None:
        return None
    item = next((c for c in book.model.clauses if c.id == item_id), None)
    if item is None:
        return "unscored", f"{book.ref} 没有项目 {item_id}"
    classes = getattr(item, "classes", None)
    cls = s.unit.class_on(day)
    if classes is not None and cls not in classes:
        known = book.model.classes.get(cls or "")
        return "class_not_covered", f"项目 {item_id} 不考核{known.name if known else cls}（{book.ref}）"
    if act.type != "item.exempted" and item_id not in s.applied:
        return "exempted", f"项目 {item_id} 对本单位不列入考核"
    return None


def china_time(recorded_at: str) -> str:
    """A recorded time (UTC, ISO) as a reader in China tells it: 2019-07-10 14:03:05（北京时间）."""
    moment = dt.datetime.fromisoformat(recorded_at.replace("Z", "+00:00")).astimezone(CHINA)
    return f"{moment:%Y-%m-%d %H:%M:%S}（北京时间）"


def _book_ref(act: StoredAct, selection: Selection) -> str:
    book = selection.for_day(act.occurred_on)
    return book.ref if book is not None else selection.latest.ref
