"""Instants and days named in a query: known-at and recorded-from/-to times, as-of and occurred-from/-to
dates. Each is parsed within the range the ledger can represent, or refused naming the parameter and
the value.

An instant is valid when it can be written both in UTC (as the ledger stores and compares times) and in
China time (as it shows them), each within the years 1 to 9999: from 0001-01-01T00:00:00Z to
9999-12-31T15:59:59.999999Z (9999-12-31 23:59:59.999999, China time). Every bare date of those years is
within it. A date is one of the ledger's own days (`ledger.acts.FIRST_DATE` to `LAST_DATE`), as acts are.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from ledger.acts import FIRST_DATE, LAST_DATE, parse_date
from ledger.errors import LedgerError

CHINA = ZoneInfo("Asia/Shanghai")
EARLIEST = "0001-01-01T00:00:00.000000Z"
LATEST = "9999-12-31T15:59:59.999999Z"
LABELS = {  # what a reader calls each parameter, beside its name
    "known_at": "已知时间 known_at",
    "recorded_from": "记录时间起 recorded_from",
    "recorded_to": "记录时间止 recorded_to",
    "as_of": "截止日期 as_of",
    "occurred_from": "发生日期起 occurred_from",
    "occurred_to": "发生日期止 occurred_to",
}


def label(name: str) -> str:
    return LABELS.get(name, name)


def parse_instant(text: str, name: str = "known_at") -> str:
    """A time as the ledger's UTC form (`YYYY-MM-DDTHH:MM:SS.ffffffZ`). A bare date (in any ISO form)
    means the end of that day, China time; a time without an offset is China time."""
    text = text.strip()
    try:
        moment = _moment(text)
    except ValueError:
        raise LedgerError(
            f"{label(name)} 不是 ISO 日期或时间（如 2019-10-05 或 2019-10-05T18:00:00+08:00）：{text!r} "
            "(not an ISO date or timestamp)"
        ) from None
    try:
        utc = moment.astimezone(dt.UTC)
        utc.astimezone(CHINA)  # shown in China time, so that form must exist too
    except OverflowError:
        raise LedgerError(
            f"{label(name)} 超出可表示的范围（公元1年至9999年，UTC {EARLIEST} 至 {LATEST}）：{text!r} "
            "(out of range)"
        ) from None
    return utc.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _moment(text: str) -> dt.datetime:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=CHINA)
    return dt.datetime.combine(day, dt.time.max, tzinfo=CHINA)


def parse_day(text: str, name: str) -> dt.date:
    """A date of the ledger's range (YYYY-MM-DD)."""
    try:
        return parse_date(text)
    except ValueError:
        raise LedgerError(
            f"{label(name)} 应为 {FIRST_DATE} 至 {LAST_DATE} 之间的日期 YYYY-MM-DD：{text!r} "
            "(not a date of the ledger's range)"
        ) from None


def in_china(instant: str, *, seconds: bool = False) -> str:
    """A stored UTC instant (…Z) as read in China, to the minute (`2019-10-16 10:30`) or the second; a
    text that is no instant as it is."""
    try:
        moment = dt.datetime.fromisoformat(instant.replace("Z", "+00:00"))
    except ValueError:
        return instant
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
