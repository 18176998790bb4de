"""The deployed store: PostgreSQL through psycopg, on eventsourcing's PostgreSQL recorder.

Several processes may write at once: the head row's lock (`UPDATE ... RETURNING`) serialises them, so the
positions they assign follow commit order. Readers never block writers.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote, urlsplit

import psycopg
from eventsourcing.persistence import InfrastructureFactory, InterfaceError, InternalError, OperationalError
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresFactory
from eventsourcing.utils import Environment
from psycopg import sql
from psycopg.rows import tuple_row

from ledger.errors import NoLedger, StoreUnavailable
from ledger.store.base import (
    CHAINED,
    TOKENS,
    Row,
    Store,
    StoredRow,
    WriteTransaction,
    printable,
    type_tails,
    unavailable,
)

# The database cannot take the request now (down, refusing connections, read-only, disk full): the client
# may retry. Programming errors are not among these.
FAULTS = (
    OperationalError,
    InterfaceError,
    InternalError,
    psycopg.OperationalError,
    psycopg.InterfaceError,
    psycopg.errors.ReadOnlySqlTransaction,
)


RETIRE_AFTER = 10.0  # seconds a replaced connection pool is kept open for the requests already waiting in it


def environment(url: str) -> dict[str, str]:
    """eventsourcing's settings for `postgresql://USER[:PASSWORD]@HOST[:PORT]/DB[?schema=S]`."""
    parts = urlsplit(url)
    query = dict(p.split("=", 1) for p in parts.query.split("&") if "=" in p)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": unquote(parts.path.lstrip("/")) or "postgres",
        "POSTGRES_HOST": parts.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(parts.port or 5432),
        "POSTGRES_USER": unquote(parts.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        "POSTGRES_SCHEMA": query.get("schema", "public"),
        "POSTGRES_CONNECT_TIMEOUT": "5",
        "POSTGRES_LOCK_TIMEOUT": "30",
        "POSTGRES_POOL_SIZE": "2",
        "POSTGRES_MAX_OVERFLOW": "8",
        "POSTGRES_PRE_PING": "y",
        # A whole file is checked inside its write transaction (under the head lock); a million acts take
        # tens of seconds between statements, past the library's 5 s default.
        "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "600",
    }


class PostgresWrite(WriteTransaction):
    def __init__(self, cursor: psycopg.Cursor[Any], schema: sql.Identifier, table: str) -> None:
        self.c = cursor
        self.events = sql.SQL("{}.{}").format(schema, sql.Identifier(table))
        self.head = sql.SQL("{}.ledger_head").format(schema)
        cursor.execute("SET LOCAL lock_timeout = '30s'")
        cursor.execute(
            sql.SQL(
                "UPDATE {} SET appends = appends + 1 WHERE id = 1 RETURNING position, recorded_at, chain"
            ).format(self.head)
        )
        row = cursor.fetchone()
        assert row is not None
        self.position, self.recorded_at = int(row["position"]), str(row["recorded_at"])
        self.chain = str(row["chain"])
        self._copying: Any = None  # the batch's COPY statement, while it is open
        self._out: Any = None

    def read_after(self, position: int) -> Iterable[tuple[int, bytes]]:
        self.c.execute(
            sql.SQL(
                "SELECT notification_id, state FROM {} WHERE notification_id > %s ORDER BY notification_id"
            ).format(self.events),
            (position,),
        )
        return [(int(r["notification_id"]), bytes(r["state"])) for r in self.c.fetchall()]

    def insert(self, rows: Sequence[Row]) -> None:
        # One COPY for the whole batch, left open between parts: the server takes in each part's rows
        # as they are sent while the next part is checked, and the statement ends at `set_head`.
        if self._copying is None:
            copy = sql.SQL(
                "COPY {} (notification_id, originator_id, originator_version, topic, state) FROM STDIN"
            ).format(self.events)
            self._copying = self.c.copy(copy)
            self._out = self._copying.__enter__()
        write = self._out.write_row
        for position, oid, topic, state in rows:
            write((position, oid, 1, topic, state))

    def finish(self, error: BaseException | None = None) -> None:
        """End the batch's COPY, if one is open: completed, or abandoned for `error`."""
        copying, self._copying = self._copying, None
        if copying is not None:
            copying.__exit__(type(error) if error else None, error, None)

    def set_head(self, position: int, recorded_at: str, chain: str) -> None:
        self.finish()
        self.c.execute(
            sql.SQL("UPDATE {} SET position = %s, recorded_at = %s, chain = %s WHERE id = 1").format(
                self.head
            ),
            (position, recorded_at, chain),
        )


class PostgresStore(Store):
    mark = "%s"
    recorder: PostgresApplicationRecorder

    def __init__(
        self,
        url: str,
        publications: Iterable[str],
        items: Mapping[str, Iterable[str]],
        *,
        create: bool = True,
    ) -> None:
        super().__init__(publications, items)
        self.url = url
        env = environment(url)
        self.env = env
        self.schema = sql.Identifier(env["POSTGRES_SCHEMA"])
        self._faulted = False  # a request failed to reach the database: the next one checks it first
        self._recovery = threading.Lock()
        self._holding = 0  # transactions holding one of the pool's connections now
        self._counting = threading.Lock()
        try:
            if _ready(env):  # made before: open without DDL (a read replica takes none)
                self._open(env, create=False)
            elif not create:
                where = f'schema "{env["POSTGRES_SCHEMA"]}" of database "{env["POSTGRES_DBNAME"]}"'
                raise NoLedger(printable(url), ("中没有账本的表", f"no ledger tables in {where}"))
            else:
                with _setting_up(env) as schema_made:
                    if _ready(env):  # made by another process meanwhile
                        self._open(env, create=False)
                    else:
                        self._set_up(env)
                        self.made, self._schema_made = True, schema_made
        except FAULTS as e:
            raise unavailable(e) from e

    def _open(self, env: dict[str, str], *, create: bool) -> PostgresApplicationRecorder:
        factory = InfrastructureFactory.construct(
            Environment("ledger", {**env, "CREATE_TABLE": "yes" if create else "no"})
        )
        assert isinstance(factory, PostgresFactory)
        self.factory = factory
        recorder = factory.application_recorder()
        assert isinstance(recorder, PostgresApplicationRecorder)
        self.recorder = recorder
        return recorder

    def _set_up(self, env: dict[str, str]) -> None:
        """Create the tables, head row and triggers (once; other processes wait on the set-up lock)."""
        recorder = self._open(env, create=True)
        with self.factory.datastore.transaction(commit=True) as c:
            c.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {}.ledger_head ("
                    "id integer PRIMARY KEY CHECK (id = 1), position bigint NOT NULL, "
                    "recorded_at text NOT NULL, appends bigint NOT NULL, chain text NOT NULL)"
                ).format(self.schema)
            )
            c.execute(
                sql.SQL("INSERT INTO {}.ledger_head VALUES (1, 0, '', 0, '') ON CONFLICT DO NOTHING").format(
                    self.schema
                )
            )
            self._refuse_changes(c, recorder.events_table_name)
            c.execute(TOKENS.format(table=self.qualify("ledger_tokens")))

    def _refuse_changes(self, c: Any, table: str) -> None:
        """A trigger makes the acts table append-only: UPDATE, DELETE and TRUNCATE raise."""
        events = sql.SQL("{}.{}").format(self.schema, sql.Identifier(table))
        function = sql.SQL("{}.ledger_refuse_change").format(self.schema)
        c.execute(
            sql.SQL(
                "CREATE OR REPLACE FUNCTION {}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "RAISE EXCEPTION 'the act ledger is append-only: % is refused', TG_OP; END $$"
            ).format(function)
        )
        c.execute(
            sql.SQL(
                "CREATE OR REPLACE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON {} "
                "FOR EACH ROW EXECUTE FUNCTION {}()"
            ).format(events, function)
        )
        c.execute(
            sql.SQL(
                "CREATE OR REPLACE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON {} "
                "FOR EACH STATEMENT EXECUTE FUNCTION {}()"
            ).format(events, function)
        )

    @contextmanager
    def _write(self, large: bool = False) -> Iterator[WriteTransaction]:
        with self.transaction(commit=True) as c:
            write = PostgresWrite(c, self.schema, self.recorder.events_table_name)
            try:
                yield write
            except BaseException as e:
                with contextlib.suppress(Exception):  # the transaction is rolled back in any case
                    write.finish(e)
                raise
            write.finish()

    @contextmanager
    def transaction(self, *, commit: bool) -> Iterator[Any]:
        if self._faulted:
            self._recover()
        try:
            with self.factory.datastore.transaction(commit=commit) as c, self._held():
                yield c
        except FAULTS as e:
            self._faulted = True
            raise unavailable(e) from e

    @contextmanager
    def _held(self) -> Iterator[None]:
        with self._counting:
            self._holding += 1
        try:
            yield
        finally:
            with self._counting:
                self._holding -= 1

    def _recover(self) -> None:
        """The first request after a fault asks the database itself, on a connection of its own: while
        the database is still unreachable the request fails at once (as do requests that come while it
        asks) instead of waiting in the pool's queue; once it answers, a pool left without any
        connection (none idle, none in use: not one merely busy) is replaced by a fresh one. The pool
        would otherwise reconnect on its own schedule, with pauses that double on each failure (1, 2, 4,
        8, 16 s), and go on failing requests for seconds after the database is back."""
        if not self._recovery.acquire(blocking=False):
            raise StoreUnavailable("数据库无法连接：正在检查是否恢复 (the store cannot be reached)")
        try:
            if not self._faulted:
                return  # another thread has recovered meanwhile
            try:
                connect(self.env).close()
            except psycopg.Error as e:
                raise unavailable(e) from e
            datastore = self.factory.datastore
            old = datastore.pool
            if old.get_stats().get("pool_available", 0) == 0 and self._holding == 0:  # it has none at all
                fresh = InfrastructureFactory.construct(
                    Environment("ledger", {**self.env, "CREATE_TABLE": "no"})
                )
                assert isinstance(fresh, PostgresFactory)
                datastore.pool = fresh.datastore.pool
                # Closed once no request can still be waiting in it (they wait 5 s at most); connections
                # in use are closed when their transactions return them.
                closing = threading.Timer(RETIRE_AFTER, old.close)
                closing.daemon = True
                closing.start()
            self._faulted = False
        finally:
            self._recovery.release()

    def qualify(self, table: str) -> str:
        return f'"{environment(self.url)["POSTGRES_SCHEMA"]}".{table}'

    def has_table(self, table: str) -> bool:
        with self.transaction(commit=False) as c:
            c.execute("SELECT to_regclass(%s) IS NOT NULL AS found", (self.qualify(table),))
            return bool(c.fetchone()["found"])

    def _select(self, after: int, limit: int, types: Sequence[str] = ()) -> Sequence[tuple[int, bytes]]:
        # The rows straight from SQL, as tuples: the recorder's own select builds a UUID and a
        # notification object per row, which a replay of a year pays a million times. Positions are
        # given in commit order under the head lock, so no later position is visible before an earlier.
        events = sql.SQL("{}.{}").format(self.schema, sql.Identifier(self.recorder.events_table_name))
        tails = type_tails(types)
        where = sql.SQL(" OR ").join(
            sql.SQL("substring(state from length(state) - {} for {}) = ANY(%s)").format(
                sql.Literal(CHAINED - 1 + size), sql.Literal(size)
            )
            for size, _ in tails
        )
        query = sql.SQL(
            "SELECT notification_id, state FROM {} WHERE notification_id > %s{} "
            "ORDER BY notification_id LIMIT %s"
        ).format(events, sql.SQL(" AND ({})").format(where) if tails else sql.SQL(""))
        params = (after, *(group for _, group in tails), limit)
        with self.transaction(commit=False) as c:
            c.row_factory = tuple_row
            c.execute(query, params)
            return c.fetchall()  # type: ignore[no-any-return]

    def _rows(self, after: int, limit: int) -> Sequence[StoredRow]:
        events = sql.SQL("{}.{}").format(self.schema, sql.Identifier(self.recorder.events_table_name))
        query = sql.SQL(
            "SELECT notification_id, originator_id, originator_version, topic, state FROM {} "
            "WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
        ).format(events)
        with self.transaction(commit=False) as c:
            c.row_factory = tuple_row
            c.execute(query, (after, limit))
            return [
                (int(r[0]), getattr(r[1], "hex", str(r[1])), int(r[2]), r[3], bytes(r[4]))
                for r in c.fetchall()
            ]

    def head(self) -> tuple[int, str | None]:
        with self.transaction(commit=False) as c:
            c.execute(
                sql.SQL("SELECT position, recorded_at FROM {}.ledger_head WHERE id = 1").format(self.schema)
            )
            row = c.fetchone()
        assert row is not None
        return int(row["position"]), (str(row["recorded_at"]) or None)

    def ping(self) -> None:
        self.head()

    def close(self) -> None:
        self.factory.close()

    def _remove(self) -> None:
        """Drop the schema this store made, or, in a schema that was there before, the ledger's tables
        and the function of its triggers."""
        with connect(self.env) as conn:
            if self._schema_made:
                conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(self.schema))
                return
            tables = (self.recorder.events_table_name, "ledger_head", "ledger_tokens")
            for table in tables:
                conn.execute(sql.SQL("DROP TABLE IF EXISTS {}.{}").format(self.schema, sql.Identifier(table)))
            conn.execute(sql.SQL("DROP FUNCTION IF EXISTS {}.ledger_refuse_change()").format(self.schema))


def connect(env: dict[str, str]) -> psycopg.Connection[Any]:
    """A plain autocommit connection with the ledger's settings (set-up, leases)."""
    return psycopg.connect(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"],
        connect_timeout=5,
        autocommit=True,
    )


def _ready(env: dict[str, str]) -> bool:
    """Whether the ledger's tables were made already (the tokens table is made last)."""
    with connect(env) as conn:
        row = conn.execute(
            "SELECT to_regclass(%s) IS NOT NULL", (f'"{env["POSTGRES_SCHEMA"]}".ledger_tokens',)
        )
        found = row.fetchone()
    return bool(found and found[0])


SET_UP_LOCK = 74_231_017  # pg_advisory_lock key: one process at a time creates the tables


@contextmanager
def _setting_up(env: dict[str, str]) -> Iterator[bool]:
    """Hold a session advisory lock while the schema is made, so that workers starting together on a new
    database do not race each other's CREATE statements; yields whether the schema was made here."""
    with connect(env) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (SET_UP_LOCK,))
        try:
            schema = env["POSTGRES_SCHEMA"]
            found = conn.execute("SELECT to_regnamespace(%s) IS NOT NULL", (f'"{schema}"',)).fetchone()
            made = not (found and found[0])
            if made:
                conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
            yield made
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (SET_UP_LOCK,))
