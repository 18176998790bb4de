"""What a period's score leads to, by the rulebook version in effect at its end: the total converted to
a weight (折算), eligibility flags, and the grade (考核等次)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from ledger.rulebooks import Conversion, Eligibility
from projections.lines import ZERO, UnitScore

if TYPE_CHECKING:
    from projections.scoring import Scorer

PLACES = Decimal("0.0001")


def outcomes(sc: Scorer) -> None:
    book = sc.book_on(sc.judged_on)
    if book is None:
        return
    for clause in book.model.clauses:
        for s in sc.scores.values():
            if isinstance(clause, Conversion):
                base = clause.base or s.base
                weight = clause.weight_for(s.cls)
                if base > 0 and weight is not None:
                    converted = s.total * weight / base
                    s.metrics[clause.metric] = converted.quantize(PLACES, rounding=ROUND_HALF_UP)
            elif isinstance(clause, Eligibility):
                s.flags[clause.flag] = s.flags.get(clause.flag, True) and eligible(clause, s)
    grades = book.model.grades
    if grades is None:
        return
    for s in sc.scores.values():
        value = s.total if grades.of == "total" else s.metrics.get(grades.of)
        s.grade = None if value is None else grades.grade(value)


def eligible(clause: Eligibility, s: UnitScore) -> bool:
    if clause.item is not None and clause.below is not None:
        if clause.item not in s.applied:
            return True  # the item does not apply to the unit: nothing to fall short of
        score = sum((li.points for li in s.lines.values() if li.clause.id == clause.item), ZERO)
        return score >= clause.below
    return not any(li.clause.id in clause.clauses and li.events and li.points for li in s.lines.values())
