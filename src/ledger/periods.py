"""Assessment periods: a year (2019), a half (2019-H1), a quarter (2019-Q3) or a month (2019-07)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ledger.acts import FIRST_DATE, LAST_DATE
from ledger.errors import LedgerError
from ledger.terms import CADENCES as CADENCE_NAMES

CADENCES = ("month", "quarter", "half", "year")
_MONTHS = {"month": 1, "quarter": 3, "half": 6, "year": 12}
_FORM = re.compile(r"(?P<year>\d{4})(?:-(?:H(?P<half>[12])|Q(?P<quarter>[1-4])|(?P<month>\d{2})))?")


@dataclass(frozen=True, order=True, slots=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive
    label: str

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def split(self, cadence: str) -> list[Period]:
        """The cadence periods this period is made of; it must be a whole number of them."""
        step = _MONTHS[cadence]
        if self.months < step or (self.start.month - 1) % step:
            name = CADENCE_NAMES[cadence]
            raise LedgerError(
                f"期间 {self.label} 短于考核办法的计分周期（{name}）：请按{name[1:]}或更长的期间计分 "
                f"(period {self.label} is shorter than the rulebook's cadence ({cadence}))"
            )
        return [_period(self.start.year, m, cadence) for m in range(self.start.month, 13, step)][
            : self.months // step
        ]

    def previous(self, cadence: str) -> Period:
        """The cadence period before this one (this one must be a cadence period)."""
        step = _MONTHS[cadence]
        month = self.start.month - step
        year = self.start.year
        if month < 1:
            month += 12
            year -= 1
        return _period(year, month, cadence)


def parse_period(text: str) -> Period:
    match = _FORM.fullmatch(text.strip())
    if not match:
        raise LedgerError(
            f"期间 period 应为 YYYY、YYYY-H1/H2、YYYY-Q1…Q4 或 YYYY-MM（如 2019-Q3）：{text!r} "
            "(not a period)"
        )
    year = int(match["year"])
    if not FIRST_DATE.year <= year <= LAST_DATE.year:
        raise LedgerError(
            f"期间 period 超出账本的年份（{FIRST_DATE.year} 至 {LAST_DATE.year}）：{text!r} "
            f"(outside the ledger's years ({FIRST_DATE.year} to {LAST_DATE.year}))"
        )
    if match["half"]:
        return _period(year, 6 * int(match["half"]) - 5, "half")
    if match["quarter"]:
        return _period(year, 3 * int(match["quarter"]) - 2, "quarter")
    if match["month"]:
        month = int(match["month"])
        if not 1 <= month <= 12:
            raise LedgerError(f"期间 period 中的月份 {month:02d} 不存在：{text!r} (no month {month:02d})")
        return _period(year, month, "month")
    return _period(year, 1, "year")


def _period(year: int, month: int, cadence: str) -> Period:
    step = _MONTHS[cadence]
    start = dt.date(year, month, 1)
    last = month + step - 1
    end = dt.date(year, 12, 31) if last == 12 else dt.date(year, last + 1, 1) - dt.timedelta(days=1)
    label = {
        "year": f"{year}",
        "half": f"{year}-H{(month + 5) // 6}",
        "quarter": f"{year}-Q{(month + 2) // 3}",
        "month": f"{year}-{month:02d}",
    }[cadence]
    return Period(start, end, label)
