"""The scoring context the clauses share: the facts of a period, the rulebook versions that judge it, and
each unit's score so far, with the look-ups every clause asks for (kept, as they are asked per act)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from ledger.acts import StoredAct
from ledger.periods import Period
from ledger.rulebooks import ClauseBase, Rulebook, Selection
from projections.facts import Facts, Unit
from projections.lines import UnitScore


class ScoringContext:
    def __init__(
        self, facts: Facts, selection: Selection, period: Period, as_of: dt.date, only: str | None = None
    ) -> None:
        self.facts = facts
        self.selection = selection
        self.period = period
        self.as_of = as_of
        self.cadence = selection.latest.model.cadence
        self.judged_on = min(period.end, as_of)
        self.periods = [p for p in period.split(self.cadence) if p.start <= as_of]
        self._filed: dict[tuple[str, dt.date, dt.date], list[StoredAct]] = {}
        self._books: dict[dt.date, Rulebook | None] = {}
        self._clauses: dict[tuple[int, tuple[type[ClauseBase], ...]], tuple[ClauseBase, ...]] = {}
        self._labels: dict[dt.date, str] = {}
        self.scores = {
            slug: UnitScore(unit, unit.class_on(self.judged_on))
            for slug, unit in facts.units.items()
            if unit.registered_on <= self.judged_on and only in (None, slug)
        }

    # Asked once per act of a year (hundreds of thousands of times), for a few hundred distinct days and
    # a handful of clause kinds: each answer is kept.

    def book_on(self, day: dt.date) -> Rulebook | None:
        if day in self._books:
            return self._books[day]
        self._books[day] = self.selection.for_day(day)
        return self._books[day]

    def clauses(self, book: Rulebook, *kinds: type[ClauseBase]) -> Iterator[ClauseBase]:
        key = (id(book), kinds)
        found = self._clauses.get(key)
        if found is None:
            found = self._clauses[key] = tuple(c for c in book.model.clauses if isinstance(c, kinds))
        return iter(found)

    def period_books(self) -> Iterator[tuple[Period, dt.date, Rulebook]]:
        """Each cadence period with the day it is judged on and the version in effect that day."""
        for span in self.periods:
            judged = min(span.end, self.as_of)
            book = self.book_on(judged)
            if book is not None:
                yield span, judged, book

    def cadence_label(self, day: dt.date) -> str:
        label = self._labels.get(day)
        if label is None:
            label = self._labels[day] = next(p.label for p in self.periods if p.contains(day))
        return label

    def acts(self, kind: str) -> Iterator[tuple[StoredAct, Rulebook]]:
        """This period's acts of a kind, each with the version that scores it."""
        for act in self.facts.by_type.get(kind, ()):
            if self.period.contains(act.occurred_on):
                book = self.book_on(act.occurred_on)
                if book is not None:
                    yield act, book

    def filed(self, unit: str, span: Period) -> list[StoredAct]:
        """The unit's filings in a span, up to the as-of date (asked for again by quota runs: kept)."""
        key = (unit, span.start, span.end)
        found = self._filed.get(key)
        if found is None:
            start, end = span.start, min(span.end, self.as_of)
            found = [a for a in self.facts.filings.get(unit, ()) if start <= a.occurred_on <= end]
            self._filed[key] = found
        return found

    def quota_status(
        self, book: Rulebook, unit: Unit, span: Period
    ) -> tuple[bool, int, int, list[StoredAct]] | None:
        """(met, filed, quota, filings) for a unit in a cadence period, None if its class has no quota."""
        cls = unit.class_on(min(span.end, self.as_of))
        unit_class = book.model.classes.get(cls or "")
        if unit_class is None or unit_class.quota is None:
            return None
        filings = self.filed(unit.unit, span)
        return len(filings) >= unit_class.quota, len(filings), unit_class.quota, filings
