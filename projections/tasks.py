"""Task credit (任务计分): the standard points for a task done on time and in full; a share of them for a
task done late or short; nothing for a task not done."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from ledger.acts import StoredAct
from projections.lines import ZERO, fmt

CENT = Decimal("0.01")


def task_credit(
    assignment: StoredAct, completion: StoredAct | None, as_of: dt.date
) -> tuple[str, Decimal, list[str]]:
    """(detail, points, act ids) for one task, judged on what is known by `as_of`.

    The share is the amount done over the amount required (at most 1), times, for a late completion, the
    days allowed over the days taken, both counted from the day of assignment inclusive.
    """
    f = assignment.fields
    points = Decimal(str(f["points"]))
    due = dt.date.fromisoformat(f["due_on"])
    name = f"task {f['task']} 《{f['title']}》 ({fmt(points)}, due {due})"
    if completion is None:
        state = "not completed by the due date: 0" if as_of > due else "not yet due"
        return f"{name}: {state}", ZERO, [assignment.id]
    share = Decimal(1)
    parts: list[str] = []
    required = f.get("required")
    if required is not None:
        amount = Decimal(str(completion.fields["amount"]))
        share = min(Decimal(1), amount / Decimal(str(required)))
        parts.append(f"{fmt(amount)} of {fmt(Decimal(str(required)))} done")
    done = completion.occurred_on
    if done <= due:
        parts.append(f"completed on time ({done})")
    else:
        allowed = (due - assignment.occurred_on).days + 1
        taken = (done - assignment.occurred_on).days + 1
        share *= Decimal(allowed) / Decimal(taken)
        parts.append(f"completed late ({done}): {allowed} days allowed, {taken} taken")
    earned = (points * share).quantize(CENT, rounding=ROUND_HALF_UP)
    return f"{name}: {', '.join(parts)}", earned, [assignment.id, completion.id]
