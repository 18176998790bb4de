"""Assessment periods (2019, 2019-H1, 2019-Q3, 2019-07), their cadence parts, and how the ledger uses them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from itertools import pairwise
from typing import Any

import pytest

from ledger.errors import LedgerError
from ledger.periods import Period, parse_period
from ledger.services import Ledger
from ledger.terms import CADENCES

D = dt.date


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2019", D(2019, 1, 1), D(2019, 12, 31)),
        ("2019-H1", D(2019, 1, 1), D(2019, 6, 30)),
        ("2019-H2", D(2019, 7, 1), D(2019, 12, 31)),
        ("2019-Q1", D(2019, 1, 1), D(2019, 3, 31)),
        ("2019-Q3", D(2019, 7, 1), D(2019, 9, 30)),
        ("2019-Q4", D(2019, 10, 1), D(2019, 12, 31)),
        ("2019-07", D(2019, 7, 1), D(2019, 7, 31)),
        ("2019-12", D(2019, 12, 1), D(2019, 12, 31)),
        ("2020-02", D(2020, 2, 1), D(2020, 2, 29)),
        ("2019-02", D(2019, 2, 1), D(2019, 2, 28)),
    ],
)
def test_each_period_form_covers_its_days(text: str, start: dt.date, end: dt.date) -> None:
    """A year, half, quarter or month runs from its first to its last day inclusive, labelled as written."""
    period = parse_period(text)
    assert (period.start, period.end, period.label) == (start, end, text)
    assert period.contains(start) and period.contains(end)
    assert not period.contains(start - dt.timedelta(days=1)) and not period.contains(
        end + dt.timedelta(days=1)
    )


def test_surrounding_spaces_are_ignored() -> None:
    """A period written with spaces around it is the same period."""
    assert parse_period(" 2019-Q2 ") == parse_period("2019-Q2")


@pytest.mark.parametrize(
    "text",
    [
        "2019-Q5",
        "2019-Q0",
        "2019-H3",
        "2019-13",
        "2019-00",
        "19",
        "2019Q1",
        "2019-7",
        "Q3-2019",
        "",
        "2019-q3",
    ],
)
def test_anything_else_is_refused_with_the_forms_it_could_take(text: str) -> None:
    """An unknown period form is a LedgerError naming the accepted forms (or the missing month)."""
    with pytest.raises(LedgerError, match=r"YYYY-Q1…Q4 或 YYYY-MM|不存在"):
        parse_period(text)


@pytest.mark.parametrize("text", ["0000", "1948", "1948-Q4", "2100", "9999-12"])
def test_years_outside_the_ledgers_dates_are_refused(text: str) -> None:
    """A period must lie in the years acts may bear (1949 to 2099); year 0 is refused, not a crash."""
    with pytest.raises(LedgerError, match=r"期间 period 超出账本的年份（1949 至 2099）"):
        parse_period(text)
    assert parse_period("1949").start == dt.date(1949, 1, 1) and parse_period("2099-Q4").end == dt.date(
        2099, 12, 31
    )


@pytest.mark.parametrize(
    ("text", "cadence", "labels"),
    [
        ("2019", "quarter", ["2019-Q1", "2019-Q2", "2019-Q3", "2019-Q4"]),
        ("2019", "half", ["2019-H1", "2019-H2"]),
        ("2019", "year", ["2019"]),
        ("2019-H2", "quarter", ["2019-Q3", "2019-Q4"]),
        ("2019-H2", "month", ["2019-07", "2019-08", "2019-09", "2019-10", "2019-11", "2019-12"]),
        ("2019-Q3", "month", ["2019-07", "2019-08", "2019-09"]),
        ("2019-Q3", "quarter", ["2019-Q3"]),
        ("2019-07", "month", ["2019-07"]),
    ],
)
def test_a_period_splits_into_its_cadence_periods(text: str, cadence: str, labels: list[str]) -> None:
    """A period is a whole number of cadence periods, which tile it without gaps."""
    parts = parse_period(text).split(cadence)
    assert [p.label for p in parts] == labels
    assert parts[0].start == parse_period(text).start and parts[-1].end == parse_period(text).end
    assert all(a.end + dt.timedelta(days=1) == b.start for a, b in pairwise(parts))


@pytest.mark.parametrize(
    ("text", "cadence"), [("2019-07", "quarter"), ("2019-Q2", "half"), ("2019-H2", "year")]
)
def test_a_period_shorter_than_the_cadence_cannot_be_split(text: str, cadence: str) -> None:
    """A month cannot be scored under a quarterly rulebook (nor a quarter under a half-yearly one)."""
    with pytest.raises(LedgerError, match=f"短于考核办法的计分周期（{CADENCES[cadence]}）"):
        parse_period(text).split(cadence)


@pytest.mark.parametrize(
    ("text", "cadence", "before"),
    [("2019-Q1", "quarter", "2018-Q4"), ("2019-Q3", "quarter", "2019-Q2"), ("2019-01", "month", "2018-12"),
     ("2019-H1", "half", "2018-H2"), ("2019", "year", "2018"), ("2019-10", "month", "2019-09")],
)  # fmt: skip
def test_the_previous_cadence_period_crosses_the_year_boundary(text: str, cadence: str, before: str) -> None:
    """The period before 2019-Q1 is 2018-Q4, before January is the previous December, and so on."""
    assert parse_period(text).previous(cadence) == parse_period(before)


def test_periods_order_by_their_days() -> None:
    """Periods compare by start, then end: a quarter sorts after the quarter before it."""
    quarters = [parse_period(f"2019-Q{q}") for q in (3, 1, 4, 2)]
    assert [p.label for p in sorted(quarters)] == ["2019-Q1", "2019-Q2", "2019-Q3", "2019-Q4"]
    assert isinstance(quarters[0], Period)


# --- periods as the ledger scores them ------------------------------------------------------------------


def test_a_month_cannot_be_scored_under_a_quarterly_rulebook(sqlite_ledger: Ledger) -> None:
    """银川's rulebook is quarterly (每季度), so a month is refused while a half and a quarter are scored."""
    with pytest.raises(LedgerError, match="请按季度或更长的期间计分"):
        sqlite_ledger.score("yinchuan-2018", "2019-07")
    assert sqlite_ledger.score("yinchuan-2018", "2019-H2")["period"] == "2019-H2"
    assert sqlite_ledger.score("district-info", "2019-07")["period"] == "2019-07"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"period": "2019-Q9"}, "期间 period 应为 YYYY.*'2019-Q9'"),
        ({"period": "2019", "as_of": "2019-13-01"}, "截止日期 as_of"),
        ({"period": "2019", "as_of": "yesterday"}, "截止日期 as_of .*'yesterday'"),
        ({"period": "2019", "known_at": "soon"}, "已知时间 known_at 不是 ISO 日期或时间.*'soon'"),
    ],
)
def test_bad_periods_and_dates_are_refused_by_name(
    sqlite_ledger: Ledger, kwargs: dict[str, Any], message: str
) -> None:
    """A malformed period, as-of date or known-at time is a LedgerError that says which it is."""
    with pytest.raises(LedgerError, match=message):
        sqlite_ledger.score("district-info", **kwargs)


def test_as_of_defaults_to_the_periods_last_day(sqlite_ledger: Ledger) -> None:
    """Without as_of a period is scored as it stood on its last day."""
    assert sqlite_ledger.score("yinchuan-2018", "2019-Q3")["as_of"] == "2019-09-30"
    assert sqlite_ledger.score("district-info", "2020-02")["as_of"] == "2020-02-29"


def test_a_period_not_begun_on_the_as_of_day_scores_nothing(
    sqlite_ledger: Ledger, act: Callable[..., Any]
) -> None:
    """Scored as of a day before it starts, a period holds no lines, and units registered later are absent."""
    sqlite_ledger.append(
        [
            act("unit.registered", "2019-01-01", unit="hg", name="银川海关", **{"class": "vertical"}),
            act("unit.registered", "2019-06-01", unit="kfq", name="银川经济技术开发区", **{"class": "zone"}),
        ]
    )
    doc = sqlite_ledger.score("yinchuan-2018", "2019-Q3", as_of="2019-05-01")
    assert [(u["unit"], u["total"], u["lines"]) for u in doc["units"]] == [("hg", 0, [])]
