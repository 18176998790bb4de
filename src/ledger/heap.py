"""Pausing Python's cyclic garbage collector while a large batch is stored or a year is replayed.

Both make millions of small objects that live on (the ledger index, the acts of a replay), none of them
in reference cycles. The collector, triggered by allocations, walks all of them again and again: on a
million-act import that was a third of the time. Memory held by acyclic objects is freed by reference
counting whether or not the collector runs, so pausing it for the length of the work frees nothing later
than it would be freed anyway; cycles made meanwhile are collected when it resumes.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0  # threads inside `paused_collection` now
_was_enabled = False


@contextmanager
def paused_collection() -> Iterator[None]:
    """No cyclic collection until the last thread inside this leaves it (safe across threads)."""
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()
