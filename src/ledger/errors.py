"""The ledger's own errors: each names what is wrong and where."""

from __future__ import annotations

from dataclasses import dataclass


class LedgerError(Exception):
    """Base class of every error the ledger reports to its users."""


@dataclass
class ActError(LedgerError):
    """One act is wrong: `where` is its line in a file (or its 1-based place in a batch).

    `depends_on` is an earlier line, itself bad, that would have defined the unit, report, task or act this
    one names as unknown: the fault may be that line's alone."""

    where: int
    field: str | None
    message: str
    depends_on: int | None = None

    def __str__(self) -> str:
        place = f"第 {self.where} 行"
        said = f"{place}，字段 {self.field}：{self.message}" if self.field else f"{place}：{self.message}"
        if self.depends_on is None:
            return said
        return said + depending(f"第 {self.depends_on} 行", f"line {self.depends_on}")


def depending(place: str, label: str) -> str:
    """The note on an error that may be an earlier bad line's alone."""
    return f"（它定义在{place}，而那一行本身有误 / defined on {label}, itself bad）"


class BatchRejected(LedgerError):
    """A batch (or file) held bad acts; none of it was stored.

    `errors` may be the first of more: `total` counts them all (a file of many bad lines is not held)."""

    def __init__(self, errors: list[ActError], *, conflict: bool = False, total: int | None = None) -> None:
        self.errors = errors
        self.conflict = conflict  # True when the only faults are ids reused with other content
        self.total = max(total or 0, len(errors))
        super().__init__(self.summary())

    def summary(self, limit: int = 20) -> str:
        shown = "\n".join(f"  {e}" for e in self.errors[:limit])
        head = f"{self.total} 处错误，未存入任何行为（{self.total} bad act(s); nothing was stored）："
        return f"{head}\n{shown}{unlisted(self.total - limit)}"


def unlisted(more: int) -> str:
    """The line after a list of errors cut short, counting those not listed."""
    return f"\n  ……另有 {more} 处错误未列出 (... and {more} more)" if more > 0 else ""


class NoLedger(LedgerError):
    """There is no ledger at a database URL, and the caller asked not to make one (reading commands).

    `why` says what is there instead, in Chinese and English; `instead` may name a ledger nearby that the
    URL was perhaps meant to name."""

    def __init__(self, url: str, why: tuple[str, str], instead: str | None = None) -> None:
        self.url, self.why, self.instead = url, why, instead
        super().__init__(f"没有账本：{url} {why[0]}（no ledger at {url}: {why[1]}）")


class RulebookError(LedgerError):
    """A rulebook file is invalid: the message names the file and the key."""


class NotFound(LedgerError):
    """A named rulebook, unit or period does not exist."""


class StoreUnavailable(LedgerError):
    """The database cannot be reached; the request may be retried safely."""
