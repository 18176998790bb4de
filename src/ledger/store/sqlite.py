"""The embedded default: the act store in one SQLite file (WAL mode), on eventsourcing's SQLite recorder."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from eventsourcing.persistence import InfrastructureFactory, InterfaceError, InternalError, OperationalError
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteFactory
from eventsourcing.utils import Environment

from ledger.errors import StoreUnavailable
from ledger.store.base import TOKENS, Row, Store, WriteTransaction, unavailable

HEAD = (
    "CREATE TABLE IF NOT EXISTS ledger_head ("
    "id INTEGER PRIMARY KEY CHECK (id = 1), position INTEGER NOT NULL, "
    "recorded_at TEXT NOT NULL, appends INTEGER NOT NULL, chain TEXT NOT NULL)"
)


class SQLiteWrite(WriteTransaction):
    def __init__(self, cursor: SQLiteCursor, table: str) -> None:
        self.c = cursor
        self.table = table
        # A write first: it takes SQLite's write lock (waiting out other writers) before any read.
        cursor.execute(
            "UPDATE ledger_head SET appends = appends + 1 WHERE id = 1 RETURNING position, recorded_at, chain"
        )
        row = cursor.fetchone()
        self.position, self.recorded_at, self.chain = int(row[0]), str(row[1]), str(row[2])

    def read_after(self, position: int) -> Iterable[tuple[int, bytes]]:
        self.c.execute(f"SELECT rowid, state FROM {self.table} WHERE rowid > ? ORDER BY rowid", (position,))
        return [(int(r[0]), bytes(r[1])) for r in self.c.fetchall()]

    def insert(self, rows: Sequence[Row]) -> None:
        self.c.executemany(
            f"INSERT INTO {self.table} (rowid, originator_id, originator_version, topic, state) "
            "VALUES (?, ?, 1, ?, ?)",
            rows,
        )

    def set_head(self, position: int, recorded_at: str, chain: str) -> None:
        self.c.execute(
            "UPDATE ledger_head SET position = ?, recorded_at = ?, chain = ? WHERE id = 1",
            (position, recorded_at, chain),
        )


class SQLiteStore(Store):
    mark = "?"

    def __init__(self, path: str, publications: Iterable[str]) -> None:
        super().__init__(publications)
        self.url = f"sqlite:///{path}"
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        env = Environment(
            "ledger",
            {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": path,
                "SQLITE_LOCK_TIMEOUT": "30",
            },
        )
        try:
            factory = InfrastructureFactory.construct(env)
            assert isinstance(factory, SQLiteFactory)
            self.factory = factory
            recorder = factory.application_recorder()
            assert isinstance(recorder, SQLiteApplicationRecorder)
            self.recorder = recorder
            with factory.datastore.transaction(commit=True) as c:
                c.execute(HEAD)
                c.execute("INSERT OR IGNORE INTO ledger_head VALUES (1, 0, '', 0, '')")
                c.execute(TOKENS.format(table="ledger_tokens"))
                for operation in ("UPDATE", "DELETE"):
                    c.execute(
                        f"CREATE TRIGGER IF NOT EXISTS ledger_refuse_{operation.lower()} "
                        f"BEFORE {operation} ON {recorder.events_table_name} "
                        "BEGIN SELECT RAISE(ABORT, "
                        f"'the act ledger is append-only: {operation} is refused'); END"
                    )
        except (OperationalError, InterfaceError, sqlite3.OperationalError, OSError) as e:
            folder = Path(path).resolve().parent
            if folder.is_dir() and not os.access(folder, os.W_OK):
                raise StoreUnavailable(f"the database {path} is on a read-only file system: {e}") from e
            raise unavailable(e) from e

    @contextmanager
    def _write(self) -> Iterator[WriteTransaction]:
        with self.transaction(commit=True) as c:
            yield SQLiteWrite(c, self.recorder.events_table_name)

    @contextmanager
    def transaction(self, *, commit: bool) -> Iterator[Any]:
        try:
            with self.factory.datastore.transaction(commit=commit) as c:
                yield c
        except (OperationalError, InternalError, sqlite3.OperationalError) as e:
            raise unavailable(e) from e

    def qualify(self, table: str) -> str:
        return table

    def _select(self, after: int, limit: int, types: Sequence[str] = ()) -> Sequence[tuple[int, bytes]]:
        # The rows straight from SQL: the recorder's own select builds a UUID and a notification object
        # per row, which a replay of a year pays a million times.
        where = f" AND topic IN ({', '.join('?' * len(types))})" if types else ""
        query = (
            f"SELECT rowid, state FROM {self.recorder.events_table_name} WHERE rowid > ?{where} "
            "ORDER BY rowid LIMIT ?"
        )
        with self.transaction(commit=False) as c:
            c.execute(query, (after, *types, limit))
            return c.fetchall()  # type: ignore[no-any-return]

    def head(self) -> tuple[int, str | None]:
        with self.factory.datastore.transaction(commit=False) as c:
            c.execute("SELECT position, recorded_at FROM ledger_head WHERE id = 1")
            row: Any = c.fetchone()
        return int(row[0]), (str(row[1]) or None)

    def ping(self) -> None:
        self.head()

    def close(self) -> None:
        self.factory.close()
