"""The particulars an issued 通报 carries beside its figures (GB/T 9704-2012
《党政机关公文格式》): the 文号 or 期号, the 主送 and 抄送 lines and the 印发 date, as the office gives
them (`ledger bulletin --number --to --cc --issued-on`, or the bulletin page), checked before anything
is made.

They are part of the bulletin's request and so of its manifest: `verify` makes the same document again.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ledger.characters import Refused, check_text
from ledger.errors import LedgerError

DEFAULT_TO = "各有关单位"  # 主送 when none is given
LIMITS = {"number": 60, "to": 300, "cc": 300}
OPTIONS = {
    "number": "--number（文号/期号）",
    "to": "--to（主送）",
    "cc": "--cc（抄送）",
    "issued_on": "--issued-on（印发日期）",
}
CHINESE_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


@dataclass(frozen=True)
class Particulars:
    """文号/期号, 主送, 抄送 and 印发日期 as given ("" or None: the default)."""

    number: str | None = None
    to: str | None = None
    cc: str | None = None
    issued_on: str | None = None

    def __post_init__(self) -> None:
        for name, limit in LIMITS.items():
            value = getattr(self, name)
            if value is None:
                continue
            object.__setattr__(self, name, value.strip() or None)
            _check_line(name, value.strip(), limit)
        if self.issued_on:
            object.__setattr__(self, "issued_on", issue_date(self.issued_on).isoformat())

    @property
    def issued(self) -> dt.date | None:
        return dt.date.fromisoformat(self.issued_on) if self.issued_on else None

    def as_json(self) -> dict[str, str | None]:
        return {"number": self.number, "to": self.to, "cc": self.cc, "issued_on": self.issued_on}


def _check_line(name: str, value: str, limit: int) -> None:
    option = OPTIONS[name]
    if len(value) > limit:
        raise LedgerError(f"{option} 过长：{len(value)} 个字符，至多 {limit} 个")
    if "\n" in value or "\r" in value:
        raise LedgerError(f"{option} 应为一行文字，不能换行")
    try:
        check_text(value)
    except Refused as e:
        raise LedgerError(f"{option}：{e}") from None


def issue_date(text: str) -> dt.date:
    """A 印发 date written 2019-10-08 or 2019年10月8日."""
    value = text.strip()
    found = CHINESE_DATE.fullmatch(value)
    try:
        if found:
            return dt.date(*map(int, found.groups()))
        return dt.date.fromisoformat(value)
    except ValueError:
        raise LedgerError(
            f"{OPTIONS['issued_on']}：{text[:40]!r} 不是日期（应写作 2019-10-08 或 2019年10月8日）"
        ) from None
