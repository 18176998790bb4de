"""A worker's start: the ledger opened once its store can be reached.

A worker that starts (or is restarted by uvicorn's supervisor) while the database is down waits for it
instead of failing: a failed start of a restarted worker makes the supervisor stop the whole service.
SIGTERM and SIGINT end the wait (the start then fails, as it was asked to stop).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from fastapi.concurrency import run_in_threadpool

from ledger.errors import StoreUnavailable
from ledger.services import Ledger, Settings

log = logging.getLogger("ledger.api")
PAUSE = 1.0  # seconds between attempts
TOLD_EVERY = 10  # attempts between two log lines while waiting


async def open_ledger(settings: Settings) -> Ledger:
    stopping = threading.Event()
    attempt = 0
    with _stopped_by_signals(stopping.set):
        while True:
            try:
                return await run_in_threadpool(Ledger.open, settings)
            except StoreUnavailable as e:
                if stopping.is_set():
                    raise
                if attempt % TOLD_EVERY == 0:
                    log.warning("等待数据库 waiting for the store: %s", e)
                attempt += 1
            for _ in range(10):
                if stopping.is_set():
                    break
                await asyncio.sleep(PAUSE / 10)


@contextmanager
def _stopped_by_signals(stop: Callable[[], None]) -> Iterator[None]:
    """Call `stop` on SIGTERM or SIGINT, besides the handlers in place (uvicorn's), while in the block."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach the main thread only (an application run in a test client's thread)
        return
    previous: dict[int, Any] = {}

    def handler(signum: int, frame: FrameType | None) -> None:
        stop()
        chained = previous.get(signum)
        if callable(chained):
            chained(signum, frame)

    for signum in (signal.SIGTERM, signal.SIGINT):
        previous[signum] = signal.signal(signum, handler)
    try:
        yield
    finally:
        for number, chained in previous.items():
            signal.signal(number, chained)
