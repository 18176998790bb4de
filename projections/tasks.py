"""Task credit (任务计分): the standard points for a task done on time and in full; a share of them for a
task done late or short; nothing for a task not done. On a deduction item (扣分制: 未及时报送扣1分) a task
instead takes the item's amount off when it is done late or not done, and nothing when done on time.

A task is judged on the day its period is judged (the period's end, or the as-of date if earlier): a
completion dated after that day does not count in the period, however late the as-of date (考核时间
2018年1月1日至12月31日: work done in 2019 is not 2018's)."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from ledger.acts import StoredAct
from projections.lines import ZERO, fmt

CENT = Decimal("0.01")


def task_credit(
    assignment: StoredAct, completion: StoredAct | None, judged: dt.date
) -> tuple[str, Decimal, list[str]]:
    """(detail, points, act ids) for one task, judged on `judged` (its period's end or the as-of date).

    The share is the amount done over the amount required (at most 1), times, for a late completion, the
    days allowed over the days taken, both counted from the day of assignment inclusive.
    """
    f = assignment.fields
    points = Decimal(str(f["points"]))
    due = dt.date.fromisoformat(f["due_on"])
    name = f"任务 {f['task']}《{f['title']}》（{fmt(points)}分，{due}截止）"
    if completion is not None and completion.occurred_on > judged:
        after = f"{completion.occurred_on}完成，晚于本期考核日（{judged}）：本期计0分"
        return f"{name}：{after}", ZERO, [assignment.id, completion.id]
    if completion is None:
        state = "截止日前未完成：0分" if judged > due else "尚未到期"
        return f"{name}：{state}", ZERO, [assignment.id]
    share = Decimal(1)
    parts: list[str] = []
    required = f.get("required")
    if required is not None:
        amount = Decimal(str(completion.fields["amount"]))
        share = min(Decimal(1), amount / Decimal(str(required)))
        parts.append(f"完成{fmt(amount)}，要求{fmt(Decimal(str(required)))}")
    done = completion.occurred_on
    if done <= due:
        parts.append(f"按时完成（{done}）")
    else:
        allowed = (due - assignment.occurred_on).days + 1
        taken = (done - assignment.occurred_on).days + 1
        share *= Decimal(allowed) / Decimal(taken)
        parts.append(f"逾期完成（{done}）：限期{allowed}天，实用{taken}天")
    earned = (points * share).quantize(CENT, rounding=ROUND_HALF_UP)
    return f"{name}：{'，'.join(parts)}", earned, [assignment.id, completion.id]


def task_deduction(
    assignment: StoredAct,
    completion: StoredAct | None,
    judged: dt.date,
    amount: tuple[Decimal | None, str],
) -> tuple[str, Decimal, list[str]]:
    """(detail, points, act ids) for one task of a deduction item, judged on `judged`: the amount off
    (the rulebook's, else the task's own points) when done after its due date, or not done once the due
    date has passed; 0 when done by it, or when not yet due."""
    f = assignment.fields
    due = dt.date.fromisoformat(f["due_on"])
    name = f"任务 {f['task']}《{f['title']}》（{due}截止）"
    off, source = amount
    if off is None:
        off = -Decimal(str(f["points"]))
    taken = f"{fmt(off)}分（{source}：未及时）"
    if completion is not None and completion.occurred_on > judged:
        state = f"{completion.occurred_on}完成，晚于本期考核日（{judged}）：{taken}"
        return f"{name}：{state}", off, [assignment.id, completion.id]
    if completion is None:
        if judged > due:
            return f"{name}：截止日前未完成：{taken}", off, [assignment.id]
        return f"{name}：尚未到期", ZERO, [assignment.id]
    done = completion.occurred_on
    if done <= due:
        return f"{name}：按时完成（{done}）：不扣分", ZERO, [assignment.id, completion.id]
    return f"{name}：逾期完成（{done}）：{taken}", off, [assignment.id, completion.id]
