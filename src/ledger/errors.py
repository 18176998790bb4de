"""The ledger's own errors: each names what is wrong and where."""

from __future__ import annotations

from dataclasses import dataclass


class LedgerError(Exception):
    """Base class of every error the ledger reports to its users."""


@dataclass
class ActError(LedgerError):
    """One act is wrong: `where` is its line in a file (or its 1-based place in a batch)."""

    where: int
    field: str | None
    message: str

    def __str__(self) -> str:
        place = f"line {self.where}"
        return f"{place}, field '{self.field}': {self.message}" if self.field else f"{place}: {self.message}"


class BatchRejected(LedgerError):
    """A batch (or file) held bad acts; none of it was stored."""

    def __init__(self, errors: list[ActError], *, conflict: bool = False) -> None:
        self.errors = errors
        self.conflict = conflict  # True when the only faults are ids reused with other content
        super().__init__(self.summary())

    def summary(self, limit: int = 20) -> str:
        shown = "\n".join(f"  {e}" for e in self.errors[:limit])
        more = len(self.errors) - limit
        tail = f"\n  ... and {more} more" if more > 0 else ""
        return f"{len(self.errors)} bad act(s); nothing was stored:\n{shown}{tail}"


class RulebookError(LedgerError):
    """A rulebook file is invalid: the message names the file and the key."""


class NotFound(LedgerError):
    """A named rulebook, unit or period does not exist."""


class StoreUnavailable(LedgerError):
    """The database cannot be reached; the request may be retried safely."""
