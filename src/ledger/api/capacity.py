"""The worker's capacity for expensive work: replays (scores not answered from the projection, what-ifs
and the pages that score) take a turn, so that health checks and cheap reads never wait behind them.

`replays` turns run at once; `queue` more requests may wait up to `wait` seconds for one; past that a
request is refused at once with `Busy`, which the API answers 503 problem+json and the pages a 503 page,
both with `Retry-After`. When the last running replay ends, memory the replays freed is handed back to
the system (glibc's `malloc_trim`, where there is one), so a burst of large replays does not leave the
process at its peak size.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from ledger.api import metrics

RETRY_AFTER = 5  # seconds: what a refused request is told to wait before trying again


class Busy(Exception):
    """Every turn of this worker is taken and the queue is full (or the wait ran out)."""

    def __init__(self, running: int, waited: float) -> None:
        self.running, self.waited = running, waited
        super().__init__(
            f"服务繁忙：本进程同时进行的重算已达 {running} 个，请 {RETRY_AFTER} 秒后重试 "
            f"(busy: all {running} replay slots of this worker are taken; retry after {RETRY_AFTER} s)"
        )


class Capacity:
    def __init__(self, replays: int, queue: int, wait: float) -> None:
        self.replays, self.wait = replays, wait
        self._turns = threading.Semaphore(replays)
        self._admitted = threading.Semaphore(replays + queue)
        self._lock = threading.Lock()
        self._running = 0

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Hold one of the worker's turns for a replay (blocking the calling thread, never the loop);
        Busy when the queue is full or no turn comes within the wait."""
        if not self._admitted.acquire(blocking=False):
            metrics.BUSY.inc()
            raise Busy(self.replays, 0)
        try:
            if not self._turns.acquire(timeout=self.wait):
                metrics.BUSY.inc()
                raise Busy(self.replays, self.wait)
            with self._lock:
                self._running += 1
            try:
                yield
            finally:
                with self._lock:
                    self._running -= 1
                    last = self._running == 0
                self._turns.release()
                if last:
                    give_back_memory()
        finally:
            self._admitted.release()


def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        trim = ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to hand back this way
        return None
    if trim is not None:
        trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


_trim = _malloc_trim()


def give_back_memory() -> None:
    """Return the heap's free pages to the system, where the C library can."""
    if _trim is not None:
        _trim(0)
