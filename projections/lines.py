"""The records a score is made of: explained lines, and per unit its lines, metrics, flags and grade."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ledger.rulebooks import ClauseBase, Rulebook
from projections.facts import Unit

ZERO = Decimal(0)


@dataclass
class Line:
    clause: ClauseBase
    book: Rulebook
    period: str
    detail: str
    points: Decimal = ZERO
    events: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Uncounted:
    """An act of the unit's period that no line counts, and why."""

    act: str
    type: str
    occurred_on: str
    reason: str  # a code: voided, after_as_of, filing_voided, superseded, exempted, ...
    detail: str  # the reason in words


@dataclass
class UnitScore:
    unit: Unit
    cls: str | None
    lines: dict[tuple[str, str, str], Line] = field(default_factory=dict)
    metrics: dict[str, Decimal] = field(default_factory=dict)
    flags: dict[str, bool] = field(default_factory=dict)
    criticisms: int = 0
    credited_adoptions: int = 0
    base: Decimal = ZERO  # the weights of the items that applied to the unit (its base, 基准分)
    applied: set[str] = field(default_factory=set)  # ids of the items that applied
    grade: str | None = None
    # Acts a clause looked at and left out, with why (reason code, words): see `projections.accounting`.
    passed: dict[str, tuple[str, str]] = field(default_factory=dict)
    not_counted: list[Uncounted] = field(default_factory=list)  # made by `projections.accounting`
    ranked_on: Decimal | None = None  # what the unit is ranked on, where it is not its total
    not_ranked: str | None = None  # why the unit is not ranked with the others

    @property
    def rank_key(self) -> Decimal | None:
        """The figure ranks are drawn from (highest first); None for a unit not ranked."""
        if self.not_ranked is not None:
            return None
        return self.total if self.ranked_on is None else self.ranked_on

    @property
    def total(self) -> Decimal:
        return sum((line.points for line in self.lines.values()), ZERO)

    def add(
        self,
        clause: ClauseBase,
        book: Rulebook,
        period: str,
        detail: str,
        points: Decimal,
        events: list[str],
    ) -> None:
        key = (period, clause.id, detail)
        line = self.lines.get(key)
        if line is None:
            line = self.lines[key] = Line(clause, book, period, detail)
        line.points += points
        line.events += events

    def pass_over(self, act_id: str, reason: str, detail: str) -> None:
        """A clause looked at this act and did not count it: say why (the first reason given stands)."""
        self.passed.setdefault(act_id, (reason, detail))

    def in_period(self, label: str) -> list[Line]:
        return [line for line in self.lines.values() if line.period == label]

    def period_total(self, label: str) -> Decimal:
        return sum((line.points for line in self.in_period(label)), ZERO)


def fmt(value: Decimal) -> str:
    """Points as text: 0.5, 20, -0.1 (no exponent, no trailing zeros)."""
    return format(value.normalize(), "f")


def class_name(book: Rulebook, cls: str | None) -> str:
    """A unit class as the rulebook names it (县(市)区); a class it does not define as it is."""
    known = book.model.classes.get(cls or "")
    return known.name if known is not None else (cls or "未定类别")
