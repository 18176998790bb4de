"""The service's projected scores: the read path that answers score queries from the projection tables
when it can (no as-of or known-at given, a projected rulebook made with this catalogue's versions), and,
for `ledger serve --project`, a thread running the projection worker in this process.

The tables are kept by whichever worker holds a rulebook's lease: this process's thread, another API
process's, or a separate `ledger project` process. A service without rulebooks to project still answers
from the tables when some worker keeps them, and replays when none does (on a read replica too).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ledger.errors import LedgerError
from ledger.periods import parse_period
from ledger.projection_worker import ProjectionWorker
from ledger.projector import answer
from ledger.services import Ledger
from ledger.store.scores import ScoreTables, selection_key

log = logging.getLogger("ledger.projection")
CATCH_UP_WAIT = 2.0  # seconds a fresh query waits for the projection to reach the acts stored before it


@dataclass(frozen=True)
class Projected:
    """A score document answered from the projection, and the tracked position it includes acts up to."""

    document: dict[str, Any]
    position: int


class Projection:
    def __init__(self, ledger: Ledger, worker: ProjectionWorker | None) -> None:
        self.ledger = ledger
        self.tables = ScoreTables(ledger.store)
        self.worker = worker
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None
        self._keys: dict[str, str] = {}

    @classmethod
    def start(cls, ledger: Ledger, rulebooks: Sequence[str]) -> Projection:
        """The read path, with a worker thread keeping `rulebooks` projected when any are named."""
        worker = ProjectionWorker(ledger.store, ledger.catalogue, rulebooks) if rulebooks else None
        projection = cls(ledger, worker)
        if worker is not None:
            projection.thread = threading.Thread(target=projection._run, name="projection", daemon=True)
            projection.thread.start()
        return projection

    def _run(self) -> None:
        assert self.worker is not None
        self.worker.run(self.stopping, self.wake)

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()
        if self.thread is not None:
            self.thread.join(timeout=10)
        if self.worker is not None:
            self.worker.close()

    def _key(self, rulebook: str) -> str:
        """The versions this service scores a rulebook with, as the tracking row records them."""
        if rulebook not in self._keys:
            versions = self.ledger.catalogue.select(rulebook).versions
            self._keys[rulebook] = selection_key([b.identity() for b in versions])
        return self._keys[rulebook]

    def scores(self, rulebook: str, period: str, unit: str | None, fresh: bool) -> Projected | None:
        """The projected answer, or None when the query must be replayed. The answer is as known at the
        tracked position, which its `known_at` states; with `fresh`, the tracked position must first
        reach every act stored before the query (read-your-writes), within CATCH_UP_WAIT."""
        try:
            span = parse_period(period)
            key = self._key(rulebook)
        except LedgerError:
            return None  # the replay names what is wrong
        if not self.tables.ready():
            return None
        head = self._caught_up(rulebook) if fresh else 0
        if head is None:
            return None
        rows = self.tables.period(rulebook, span.label, unit)
        if rows is None or rows.tracked.selection != key or rows.tracked.position < head:
            return None
        document = answer(rows, span, unit)
        return None if document is None else Projected(document, rows.tracked.position)

    def _caught_up(self, rulebook: str) -> int | None:
        """The head when the query came, once the rulebook's tracked position has reached it; None when
        it does not in time (or nobody projects the rulebook)."""
        head, _ = self.ledger.store.head()
        deadline = time.monotonic() + CATCH_UP_WAIT
        while True:
            tracked = self.tables.tracked(rulebook)
            if tracked is None:
                return None
            if tracked.position >= head:
                return head
            if time.monotonic() > deadline:
                return None
            self.wake.set()
            time.sleep(0.01)

    def health(self) -> dict[str, Any]:
        """The tracked positions: `projected_position` is the lowest of this service's projected rulebooks
        (of every projected rulebook for a service that projects none), beside each one's own."""
        try:
            tracked = {t.rulebook: t for t in self.tables.all_tracked()}
        except LedgerError:
            return {}
        names = self.worker.rulebooks if self.worker is not None else sorted(tracked)
        if not names:
            return {}
        found = {n: tracked.get(n) for n in names}
        return {
            "projected_position": min(t.position if t else 0 for t in found.values()),
            "projections": {
                n: {"position": t.position, "known_at": t.known_at} if t else None for n, t in found.items()
            },
        }
