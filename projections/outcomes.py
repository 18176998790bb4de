"""What a period's score leads to, by the rulebook version in effect at its end: the total converted to
a weight (折算), eligibility flags, the grade (考核等次), and what the unit is ranked on, if it is ranked."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from ledger.rulebooks import Conversion, Eligibility, Rulebook
from projections.context import ScoringContext
from projections.lines import ZERO, UnitScore

PLACES = Decimal("0.0001")
ROUNDED = 20  # a value of this many digits before the point keeps its own (28 in all), not four decimals


def outcomes(sc: ScoringContext) -> None:
    book = sc.book_on(sc.judged_on)
    if book is None:
        return
    ranking(book, sc.scores.values())
    for clause in book.model.clauses:
        for s in sc.scores.values():
            if isinstance(clause, Conversion):
                base = clause.base or s.base
                weight = clause.weight_for(s.cls)
                if base > 0 and weight is not None:
                    converted = s.total * weight / base
                    if converted.adjusted() < ROUNDED:  # else more digits than a Decimal holds
                        converted = converted.quantize(PLACES, rounding=ROUND_HALF_UP)
                    s.metrics[clause.metric] = converted
            elif isinstance(clause, Eligibility):
                s.flags[clause.flag] = s.flags.get(clause.flag, True) and eligible(clause, s)
    grades = book.model.grades
    if grades is None:
        return
    for s in sc.scores.values():
        value = s.total if grades.of == "total" else s.metrics.get(grades.of)
        s.grade = None if value is None else grades.grade(value)


def ranking(book: Rulebook, scores: Iterable[UnitScore]) -> None:
    """A unit of a class assessed apart (the class's `not_ranked`) is scored but not ranked; under
    `[ranking] by = "share_of_base"` the others are ranked on their total over their own base."""
    by = book.model.ranking.by if book.model.ranking else "total"
    for s in scores:
        unit_class = book.model.classes.get(s.cls or "")
        if unit_class is not None and unit_class.not_ranked:
            s.not_ranked = unit_class.not_ranked
        elif by == "share_of_base":
            if s.base > 0:
                s.ranked_on = s.total / s.base
            else:
                s.not_ranked = "无适用的考核项目，没有基准分，不参加排名"


def rank_order(s: UnitScore) -> tuple[bool, Decimal, str]:
    """Ranked units first, highest first (ties by slug), then the units not ranked, by slug."""
    key = s.rank_key
    return key is None, -key if key is not None else ZERO, s.unit.unit


def eligible(clause: Eligibility, s: UnitScore) -> bool:
    if clause.item is not None and clause.below is not None:
        if clause.item not in s.applied:
            return True  # the item does not apply to the unit: nothing to fall short of
        score = sum((li.points for li in s.lines.values() if li.clause.id == clause.item), ZERO)
        return score >= clause.below
    return not any(li.clause.id in clause.clauses and li.events and li.points for li in s.lines.values())
