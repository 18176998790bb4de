"""Known-at and recorded-from/-to instants and as-of and occurred-from/-to dates at the edges of what can be
written: each a valid instant or day, or a LedgerError naming the parameter and the value."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.errors import LedgerError
from ledger.instants import EARLIEST, LATEST, parse_day, parse_instant
from ledger.services import Ledger

# The values: each made an OverflowError escape the parser, a 500 for any reader.
OVERFLOWING = [
    "0001-01-01T00:00:00",  # China time, before year 1 in UTC
    "9999-12-31T23:59:59-23:59",  # after year 9999 in UTC
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59Z",  # a UTC instant of year 9999 that China time cannot write
    "9999-12-31T16:00:00Z",
]


def offsets() -> st.SearchStrategy[str]:
    """Every UTC offset from -23:59 to +23:59, Z, and none."""
    minutes = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(
        lambda m: f"{'-' if m < 0 else '+'}{abs(m) // 60:02d}:{abs(m) % 60:02d}"
    )
    return st.one_of(st.just(""), st.just("Z"), minutes)


def boundary_instants() -> st.SearchStrategy[str]:
    """Times of the first and last days of years 1 and 9999 (and a few between), any offset, with and
    without fractional seconds, and bare dates."""
    days = st.sampled_from(
        ["0001-01-01", "0001-01-02", "0001-12-31", "9999-01-01", "9999-12-30", "9999-12-31", "2019-10-05"]
    )
    times = st.tuples(st.integers(0, 23), st.integers(0, 59), st.integers(0, 59)).map(
        lambda t: f"T{t[0]:02d}:{t[1]:02d}:{t[2]:02d}"
    )
    micros = st.integers(0, 999_999).map(lambda f: f".{f:06d}")
    fractions = st.one_of(st.just(""), micros, st.just(".9999999"))
    stamped = st.tuples(days, times, fractions, offsets()).map("".join)
    return st.one_of(days, stamped)


@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=boundary_instants(), name=st.sampled_from(["known_at", "recorded_from", "recorded_to"]))
def test_any_boundary_instant_is_valid_or_refused_by_name(text: str, name: str) -> None:
    """Whatever its year and offset, an instant parses into the ledger's range or is a LedgerError that
    names the parameter and the value; nothing else escapes."""
    try:
        utc = parse_instant(text, name)
    except LedgerError as e:
        assert name in str(e) and repr(text) in str(e)
        return
    assert EARLIEST <= utc <= LATEST and utc.endswith("Z") and len(utc) == len(EARLIEST)
    assert parse_instant(utc, name) == utc  # the ledger's own form reads back as itself


@pytest.mark.parametrize("text", OVERFLOWING)
def test_instants_outside_the_representable_range_are_refused_by_name(text: str) -> None:
    """An instant before year 1 or after year 9999, in UTC or in China time, is refused naming it."""
    with pytest.raises(LedgerError, match=r"记录时间止 recorded_to 超出可表示的范围") as raised:
        parse_instant(text, "recorded_to")
    assert repr(text) in str(raised.value)


def test_the_range_is_inclusive_to_the_microsecond() -> None:
    """The first and last instants are valid, and a microsecond beyond either is refused; every bare date of
    years 1 and 9999 is valid (the end of that day, China time)."""
    assert parse_instant(EARLIEST) == EARLIEST
    assert parse_instant(LATEST) == LATEST
    assert parse_instant("9999-12-31T23:59:59.999999+08:00") == LATEST
    assert parse_instant("9999-12-31") == LATEST
    assert parse_instant("0001-01-01").startswith("0001-01-01T15:54:")  # Shanghai's local mean time then
    for beyond in ("0001-01-01T07:59:59.999999+08:00", "9999-12-31T16:00:00.000000Z"):
        with pytest.raises(LedgerError, match="超出可表示的范围"):
            parse_instant(beyond)


def test_a_bare_date_in_any_iso_form_is_the_end_of_that_day() -> None:
    """A bare date written YYYYMMDD or as an ISO week day means the end of that day, as YYYY-MM-DD does."""
    end = parse_instant("2019-10-05")
    assert end == "2019-10-05T15:59:59.999999Z"
    assert parse_instant("20191005") == end
    assert parse_instant("2019-W40-6") == end


@pytest.mark.parametrize(
    ("name", "text"),
    [("as_of", "0001-01-01"), ("occurred_from", "9999-12-31"), ("occurred_to", "10000-01-01"),
     ("as_of", "2019-02-29"), ("occurred_to", "２０１９-10-05")],
)  # fmt: skip
def test_days_outside_the_ledgers_range_are_refused_by_name(name: str, text: str) -> None:
    """A date outside 1949-10-01..2099-12-31, or not a date, is refused naming the parameter and value."""
    with pytest.raises(LedgerError, match=f"{name} 应为 1949-10-01 至 2099-12-31 之间的日期.*{text}"):
        parse_day(text, name)


def test_reads_cut_at_the_first_and_last_instants(ledger: Ledger, act: Callable[..., Any]) -> None:
    """On each backend, reading as known at the first instant finds nothing and at the last finds every act,
    for events, units and scores alike; nothing beyond them reaches a store query."""
    ledger.append([act("unit.registered", "2019-01-01", unit="xq", name="兴庆区", **{"class": "county"})])
    ledger.append([act("report.filed", "2019-02-01", unit="xq", report="R1", title="信息")])
    assert list(ledger.events(known_at=EARLIEST)) == []
    assert list(ledger.events(recorded_from=LATEST)) == []
    assert len(list(ledger.events(known_at="9999-12-31", recorded_from="0001-01-01"))) == 2
    assert ledger.units(known_at="0001-01-01") == {}
    assert list(ledger.units(known_at="9999-12-31T23:59:59.999999+08:00")) == ["xq"]
    assert ledger.score("yinchuan-2018", "2019", known_at=EARLIEST)["units"] == []
    assert ledger.score("yinchuan-2018", "2019", known_at=LATEST)["known_at"] == LATEST
    for text in OVERFLOWING:
        with pytest.raises(LedgerError, match="known_at"):
            ledger.score("yinchuan-2018", "2019", known_at=text)
        with pytest.raises(LedgerError, match="recorded_from"):
            next(ledger.events(recorded_from=text))


def test_a_known_at_day_is_the_same_instant_everywhere() -> None:
    """A bare date and its end of day in China time and in UTC are one instant."""
    assert parse_instant("2019-10-05") == parse_instant("2019-10-05T23:59:59.999999+08:00")
    assert parse_instant(" 2019-10-05T15:59:59.999999Z ") == parse_instant("2019-10-05")
    assert dt.datetime.fromisoformat(parse_instant("2019-10-05")).tzinfo == dt.UTC
