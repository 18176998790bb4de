"""The projection worker: keeps the projected score tables of some rulebooks up to date with the store.

It runs as a process of its own (`ledger project`) or as a thread of `ledger serve --project`. Each step
folds the acts stored since the last one into the projector and, for every rulebook it projects, writes
the rows of the units those acts touch and moves the rulebook's tracked position, in one transaction with
a compare-and-set on the position the rows were at. So each act's effect is written exactly once, however
many workers run and wherever one is killed: a worker whose compare-and-set fails discards its rows and
takes the tracking row as it finds it.

A worker that starts (or takes over a rulebook) reads the tracked position and re-folds the stored acts
up to it without rescoring them, then carries on from there. Rows made with other versions of a rulebook
(another sha256 in the tracking row) are made anew from every act. Where several workers run, a lease
(`ledger.store.leadership`) lets one of them project each rulebook and the others wait, holding nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ledger.errors import LedgerError
from ledger.heap import paused_collection
from ledger.projector import Backlog, Projector
from ledger.rulebooks import Catalogue
from ledger.store.base import Store
from ledger.store.leadership import Leases
from ledger.store.scores import ScoreTables, Tracked, selection_key

log = logging.getLogger("ledger.projection")


@dataclass
class Step:
    """What one step of the worker did."""

    folded: int = 0  # acts read from the store and folded
    rescored: dict[str, int] = field(default_factory=dict)  # units rescored, per rulebook
    positions: dict[str, Tracked] = field(default_factory=dict)  # rulebooks projected here, as written
    elsewhere: list[str] = field(default_factory=list)  # rulebooks another worker holds the lease of
    lost: list[str] = field(default_factory=list)  # rulebooks whose compare-and-set another worker won


class ProjectionWorker:
    def __init__(
        self, store: Store, catalogue: Catalogue, rulebooks: Sequence[str], *, exclusive: bool = True
    ) -> None:
        self.store = store
        self.catalogue = catalogue
        self.rulebooks = list(dict.fromkeys(rulebooks))
        self.keys = {
            name: selection_key([b.identity() for b in catalogue.select(name).versions])
            for name in self.rulebooks
        }
        self.tables = ScoreTables(store)
        self.leases = Leases(store) if exclusive else None
        self.projector: Projector | None = None
        self.tracked: dict[str, Tracked] = {}  # each projected rulebook's tracking row, as last seen
        self.backlogs: dict[str, Backlog] = {}
        self._created = False

    def step(self) -> Step:
        """Catch up once: fold the acts stored since the last step, write what they change."""
        if not self._created:
            self.tables.create()
            self._created = True
        held = [name for name in self.rulebooks if self.leases is None or self.leases.hold(name)]
        for name in set(self.backlogs) - set(held):  # a lease lost: start over if it comes back
            del self.backlogs[name], self.tracked[name]
        done = Step(elsewhere=[name for name in self.rulebooks if name not in held])
        if not held:
            self.projector = None  # the acts are folded by the worker holding the leases, not here
            return done
        if self.projector is None:
            self.projector = Projector(self.store, self.catalogue, self.rulebooks)
        for name in held:
            if name not in self.backlogs:
                self._take(name, self.projector)
        with paused_collection():  # a first step folds and scores a whole ledger
            done.folded = self.projector.catch_up({name: self.backlogs[name] for name in held})
            for name in held:
                rescored = self._write(name, self.projector)
                if rescored is None:
                    done.lost.append(name)
                done.rescored[name] = rescored or 0
                done.positions[name] = self.tracked[name]
        return done

    def _take(self, name: str, projector: Projector) -> None:
        """Start projecting a rulebook from its tracked position (from scratch if its rows were made with
        other versions); acts this worker has folded already past that position are all rescored."""
        tracked = self.tables.track(name, self.keys[name])
        self.tracked[name] = tracked
        since = tracked.position if tracked.selection == self.keys[name] else 0
        self.backlogs[name] = projector.backlog(since)
        log.info("projecting %s from position %d", name, since)

    def _write(self, name: str, projector: Projector) -> int | None:
        """Store the rows of the backlog's units and move the tracking row; how many units were rescored.
        On a lost compare-and-set (None) nothing is written and the tracking row is taken as found."""
        backlog, start, key = self.backlogs[name], self.tracked[name], self.keys[name]
        if backlog.since >= projector.position and start.selection == key:
            return 0  # nothing folded past the rows (or another worker is ahead of this one)
        rows = projector.rescore(name, backlog.touched)
        if self.tables.commit(start, projector.position, projector.known_at, key, rows):
            self.tracked[name] = Tracked(name, projector.position, projector.known_at, key)
            self.backlogs[name] = Backlog(projector.position)
            return len(backlog.touched)
        found = self.tables.tracked(name)
        assert found is not None  # tracking rows are never deleted
        log.info("%s was moved to position %d by another worker", name, found.position)
        self.tracked[name] = found
        if found.selection != key:  # made with other versions meanwhile: make them anew
            self.backlogs[name] = projector.backlog(0)
        elif found.position >= projector.position:
            self.backlogs[name] = Backlog(found.position)
        else:
            # The rows include the acts up to found.position; the units of the acts after it are among
            # those noted since this worker's own start, so the backlog (a superset) stays.
            backlog.since = found.position
        return None

    def run(
        self,
        stopping: threading.Event,
        wake: threading.Event | None = None,
        interval: float = 0.5,
        report: Callable[[Step], None] | None = None,
    ) -> None:
        """Step until `stopping` is set: every `interval` seconds, or sooner when `wake` is set; a store
        that cannot be reached pauses it for longer."""
        wake = wake or threading.Event()
        while not stopping.is_set():
            pause = interval
            try:
                done = self.step()
                if report is not None:
                    report(done)
            except LedgerError as e:
                log.warning("projection paused: %s", e)
                pause = max(interval, 5.0)
            wake.wait(pause)
            wake.clear()

    def close(self) -> None:
        if self.leases is not None:
            self.leases.release()
        self.projector = None
