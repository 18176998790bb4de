"""The embedded default: the act store in one SQLite file (WAL mode), on eventsourcing's SQLite recorder."""

from __future__ import annotations

import contextlib
import difflib
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from eventsourcing.persistence import InfrastructureFactory, InterfaceError, InternalError, OperationalError
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor, SQLiteFactory
from eventsourcing.utils import Environment

from ledger.errors import LedgerError, NoLedger, StoreUnavailable
from ledger.store import writer
from ledger.store.base import (
    CHAINED,
    TOKENS,
    Row,
    Store,
    StoredRow,
    WriteTransaction,
    type_tails,
    unavailable,
)

HEAD = (
    "CREATE TABLE IF NOT EXISTS ledger_head ("
    "id INTEGER PRIMARY KEY CHECK (id = 1), position INTEGER NOT NULL, "
    "recorded_at TEXT NOT NULL, appends INTEGER NOT NULL, chain TEXT NOT NULL)"
)


def refuse_replace(table: str) -> str:
    """A trigger refusing an insert over a stored row, whatever its conflict clause: `INSERT OR REPLACE`
    deletes the row it replaces without firing delete triggers, and an upsert's `DO UPDATE` would only
    meet the update trigger if the row conflicted on the clause it names."""
    return (
        f"CREATE TRIGGER IF NOT EXISTS ledger_refuse_replace BEFORE INSERT ON {table} "
        f"WHEN EXISTS (SELECT 1 FROM {table} WHERE rowid = NEW.rowid) "
        f"OR EXISTS (SELECT 1 FROM {table} WHERE originator_id = NEW.originator_id "
        "AND originator_version = NEW.originator_version) "
        "BEGIN SELECT RAISE(ABORT, 'the act ledger is append-only: an insert over a stored row is refused'); "
        "END"
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


class Writer:
    """The parent's end of a writer child (`ledger.store.writer`), started when first needed."""

    def __init__(self, path: str, table: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ledger.store.writer", path, table],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.inbox, self.outbox = self.process.stdin, self.process.stdout

    def cast(self, operation: str, *args: Any) -> None:
        try:
            writer.send(self.inbox, (operation, args))
        except (BrokenPipeError, OSError) as e:
            raise StoreUnavailable(f"数据库的写入进程已停止：{e} (writer stopped)") from e

    def call(self, operation: str, *args: Any) -> Any:
        self.cast(operation, *args)
        try:
            answer = writer.receive(self.outbox)
        except (EOFError, OSError) as e:
            raise StoreUnavailable(f"数据库的写入进程已停止：{e} (writer stopped)") from e
        if answer[0] == "error":
            _, kind, message = answer
            if kind == "OperationalError":  # locked, read-only, disk full: the client may retry
                raise unavailable(sqlite3.OperationalError(message))
            raise LedgerError(f"数据库拒绝了这批写入：{kind}：{message} (the database refused the batch)")
        return answer[1]

    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.inbox.close()  # the child rolls back anything begun and ends
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.outbox.close()


class PipedWrite(WriteTransaction):
    """A write transaction run by the writer child: inserts are sent on without waiting."""

    def __init__(self, child: Writer) -> None:
        self.child = child
        position, recorded_at, chain = child.call("begin")
        self.position, self.recorded_at, self.chain = int(position), str(recorded_at), str(chain)

    def read_after(self, position: int) -> Iterable[tuple[int, bytes]]:
        rows: list[tuple[int, bytes]] = self.child.call("read_after", position)
        return rows

    def insert(self, rows: Sequence[Row]) -> None:
        self.child.cast("insert", list(rows))

    def set_head(self, position: int, recorded_at: str, chain: str) -> None:
        self.child.cast("set_head", position, recorded_at, chain)


class SQLiteStore(Store):
    mark = "?"
    recorder: SQLiteApplicationRecorder

    def __init__(
        self,
        path: str,
        publications: Iterable[str],
        items: Mapping[str, Iterable[str]],
        *,
        create: bool = True,
    ) -> None:
        super().__init__(publications, items)
        self.url = f"sqlite:///{path}"
        self.path = path
        self._writer: Writer | None = None
        self._writer_lock = threading.Lock()
        if not create and path != ":memory:":
            why = _no_ledger(path)
            if why is not None:  # before anything is made: neither the file nor its directory
                raise NoLedger(self.url, why, _nearby(path))
        if path != ":memory:":
            self.made = not Path(path).exists()
            self._folders = [p for p in Path(path).absolute().parents if not p.exists()]  # deepest first
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        made = _made(path)
        env = Environment(
            "ledger",
            {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "SQLITE_DBNAME": path,
                "SQLITE_LOCK_TIMEOUT": "30",
                "CREATE_TABLE": "no" if made else "yes",
            },
        )
        try:
            factory = InfrastructureFactory.construct(env)
            assert isinstance(factory, SQLiteFactory)
            self.factory = factory
            recorder = factory.application_recorder()
            assert isinstance(recorder, SQLiteApplicationRecorder)
            self.recorder = recorder
            if made:  # opened without DDL: no write, so no race with a writer that commits meanwhile
                return
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
                c.execute(refuse_replace(recorder.events_table_name))  # made last: see `_made`
        except (OperationalError, InterfaceError, sqlite3.OperationalError, OSError) as e:
            folder = Path(path).resolve().parent
            if folder.is_dir() and not os.access(folder, os.W_OK):
                raise StoreUnavailable(f"数据库 {path} 所在的文件系统只读，无法写入：{e} (read-only)") from e
            raise unavailable(e) from e

    @contextmanager
    def _write(self, large: bool = False) -> Iterator[WriteTransaction]:
        if not large or self.path == ":memory:":
            with self.transaction(commit=True) as c:
                yield SQLiteWrite(c, self.recorder.events_table_name)
            return
        # A large batch: the writer child inserts each part while this process checks the next.
        with self._writer_lock:
            if self._writer is None or not self._writer.alive():
                self._writer = Writer(self.path, self.recorder.events_table_name)
            child = self._writer
        try:
            yield PipedWrite(child)
        except BaseException:
            if child.alive():
                with contextlib.suppress(LedgerError):
                    child.call("rollback")
            raise
        child.call("commit")

    @contextmanager
    def transaction(self, *, commit: bool) -> Iterator[Any]:
        try:
            with self.factory.datastore.transaction(commit=commit) as c:
                yield c
        except (OperationalError, InternalError, sqlite3.OperationalError) as e:
            raise unavailable(e) from e

    def qualify(self, table: str) -> str:
        return table

    def has_table(self, table: str) -> bool:
        with self.transaction(commit=False) as c:
            c.execute(
                "SELECT count(*) > 0 AS found FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
            )
            return bool(c.fetchone()["found"])

    def _select(self, after: int, limit: int, types: Sequence[str] = ()) -> Sequence[tuple[int, bytes]]:
        # The rows straight from SQL: the recorder's own select builds a UUID and a notification object
        # per row, which a replay of a year pays a million times.
        tails = type_tails(types)
        where = " OR ".join(
            f"substr(state, -{CHAINED + size}, {size}) IN ({', '.join('?' * len(group))})"
            for size, group in tails
        )
        query = (
            f"SELECT rowid, state FROM {self.recorder.events_table_name} WHERE rowid > ?"
            f"{f' AND ({where})' if where else ''} ORDER BY rowid LIMIT ?"
        )
        with self.transaction(commit=False) as c:
            c.execute(query, (after, *(tail for _, group in tails for tail in group), limit))
            return c.fetchall()  # type: ignore[no-any-return]

    def _rows(self, after: int, limit: int) -> Sequence[StoredRow]:
        query = (
            "SELECT rowid, originator_id, originator_version, topic, state "
            f"FROM {self.recorder.events_table_name} WHERE rowid > ? ORDER BY rowid LIMIT ?"
        )
        with self.transaction(commit=False) as c:
            c.execute(query, (after, limit))
            return [(int(r[0]), str(r[1]), int(r[2]), r[3], bytes(r[4])) for r in c.fetchall()]

    def head(self) -> tuple[int, str | None]:
        with self.factory.datastore.transaction(commit=False) as c:
            c.execute("SELECT position, recorded_at FROM ledger_head WHERE id = 1")
            row: Any = c.fetchone()
        return int(row[0]), (str(row[1]) or None)

    def ping(self) -> None:
        self.head()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self.factory.close()

    def _remove(self) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.path + suffix)
        for folder in self._folders:
            with contextlib.suppress(OSError):  # left where something else was put in it meanwhile
                folder.rmdir()


def _made(path: str) -> bool:
    """Whether the ledger's tables and triggers were made in this file already (the trigger refusing
    inserts over stored rows is made last: a file made before it existed is brought up to date)."""
    if path == ":memory:" or not Path(path).is_file():
        return False
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)) as db:
            found = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'ledger_refuse_replace'").fetchone()
    except sqlite3.Error:
        return False  # let the full opening report what is wrong
    return found is not None


def _no_ledger(path: str) -> tuple[str, str] | None:
    """Why the file at `path` holds no ledger (in Chinese and English), or None when it holds one."""
    where = Path(path)
    full = where.resolve()
    if where.is_dir():
        return "是一个目录，不是数据库文件", f"{full} is a directory"
    if not where.exists():
        return "不存在", f"{full} does not exist"
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)) as db:
            found = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'ledger_head'").fetchone()
    except sqlite3.DatabaseError as e:
        if "not a database" in str(e):
            return "不是 SQLite 数据库文件", f"{full} is not an SQLite database"
        return None  # let the full opening report what is wrong
    if found is None:
        return "不是账本（文件里没有账本的表）", f"{full} holds no ledger tables"
    return None


DATABASE_SUFFIXES = (".db", ".sqlite", ".sqlite3")


def _nearby(path: str) -> str | None:
    """A ledger file beside `path` whose name is close to its name (a mistyped name), as a URL."""
    where = Path(path)
    folder = where.parent
    if not folder.is_dir():
        return None
    try:
        names = [p.name for p in folder.iterdir() if p.suffix in DATABASE_SUFFIXES and p.is_file()]
    except OSError:
        return None
    close = difflib.get_close_matches(where.name, names, n=1, cutoff=0.6)
    if not close or _no_ledger(str(folder / close[0])) is not None:
        return None
    return f"sqlite:///{where.with_name(close[0])}"
