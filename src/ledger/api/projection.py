"""The service's score projection: a thread folding new acts as they are stored, and the read path that
answers score queries from it when it can (no as-of or known-at given, a projected rulebook, caught up)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from ledger.errors import LedgerError
from ledger.periods import parse_period
from ledger.projector import Projector
from ledger.services import Ledger

log = logging.getLogger("ledger.projection")
CATCH_UP_WAIT = 2.0  # seconds a query waits for the projection to reach the acts stored before it


class Projection:
    def __init__(self, ledger: Ledger, projector: Projector | None) -> None:
        self.ledger = ledger
        self.projector = projector
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    @classmethod
    def start(cls, ledger: Ledger, rulebooks: Sequence[str]) -> Projection:
        projector = Projector(ledger.store, ledger.catalogue, rulebooks) if rulebooks else None
        projection = cls(ledger, projector)
        if projector is not None:
            projection.thread = threading.Thread(target=projection._run, name="projection", daemon=True)
            projection.thread.start()
        return projection

    def _run(self) -> None:
        assert self.projector is not None
        while not self.stopping.is_set():
            try:
                self.projector.catch_up()
            except LedgerError as e:  # the store is away: try again shortly
                log.warning("projection paused: %s", e)
            self.wake.wait(0.5)
            self.wake.clear()

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()
        if self.thread is not None:
            self.thread.join(timeout=10)

    def scores(self, rulebook: str, period: str, unit: str | None, fresh: bool) -> dict[str, Any] | None:
        """The projected answer, or None when the query must be replayed. The answer is as known at the
        projection's position, which its `known_at` states; with `fresh`, the projection first catches
        up with every act stored before the query (read-your-writes)."""
        projector = self.projector
        if projector is None or rulebook not in projector.selections:
            return None
        if not fresh and not projector.position:
            return None  # not built yet
        try:
            label = parse_period(period).label
        except LedgerError:
            return None
        if fresh:
            head, _ = self.ledger.store.head()
            deadline = time.monotonic() + CATCH_UP_WAIT
            while projector.position < head:
                if time.monotonic() > deadline:
                    return None
                self.wake.set()
                time.sleep(0.005)
        document = projector.document(rulebook, label, unit)
        if document is None or (unit is not None and not document["units"]):
            return None
        return document
