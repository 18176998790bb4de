"""Which of several projection workers projects a rulebook: at most one at a time holds its lease.

The compare-and-set on the tracking row keeps the tables right without any lease (a worker that loses it
discards its work); the lease only spares the others the work of folding and scoring the same acts. On
PostgreSQL it is a session advisory lock per rulebook (held on a connection of its own, released by the
server when the holder's connection ends, however it ends); on SQLite, whose writers share one machine,
an exclusive `flock` on a file beside the database (released by the kernel when the holder exits).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from typing import IO, Any

from ledger.store.base import Store

log = logging.getLogger("ledger.projection")


class Leases:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.held: set[str] = set()
        self._connection: Any = None
        self._files: dict[str, IO[bytes]] = {}

    def hold(self, rulebook: str) -> bool:
        """Take the rulebook's lease if it is free; True while this worker holds it."""
        try:
            if self.store.url.startswith("sqlite:///"):
                taken = self._flock(rulebook)
            else:
                taken = self._advisory(rulebook)
        except OSError as e:  # a lock file that cannot be made (read-only folder): rely on the CAS alone
            log.warning("no lease for %s (%s); relying on the compare-and-set alone", rulebook, e)
            taken = True
        if taken:
            self.held.add(rulebook)
        return taken

    def _flock(self, rulebook: str) -> bool:
        if rulebook in self._files:
            return True
        import fcntl

        path = f"{self.store.url.removeprefix('sqlite:///')}.projection-{rulebook}.lock"
        file = open(path, "ab")  # noqa: SIM115  (kept open while the lease is held)
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.close()
            return False
        self._files[rulebook] = file
        return True

    def _advisory(self, rulebook: str) -> bool:
        import psycopg

        from ledger.store.postgres import connect, environment

        env = environment(self.store.url)
        key = int.from_bytes(
            hashlib.sha256(f"ledger.projection:{env['POSTGRES_SCHEMA']}:{rulebook}".encode()).digest()[:8],
            "big",
            signed=True,
        )
        try:
            if self._connection is None or self._connection.closed:
                self.held.clear()  # a lost connection lost its locks with it
                self._connection = connect(env)
            if rulebook in self.held:
                self._connection.execute("SELECT 1")  # still connected, so still held
                return True
            row = self._connection.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
            return bool(row and row[0])
        except psycopg.Error as e:
            log.warning("the lease for %s is unknown (%s); trying again later", rulebook, e)
            self.release()
            return False

    def release(self) -> None:
        self.held.clear()
        for file in self._files.values():
            file.close()
        self._files.clear()
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.close()
            self._connection = None
