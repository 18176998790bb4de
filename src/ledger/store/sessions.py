"""Web sessions beside the act store, in the same database: one row per signed-in browser, keyed by the
sha256 of its session id (the id itself is only ever in the browser's cookie).

The table is made by the first sign-in, as the score tables are by their first writer, so a ledger made
before sessions existed gets it too. Reading pages needs no write: a session's last use is written down
at most every few minutes, off the request, and a database that takes no writes (a read replica) still
resolves the sessions made on its primary. Signing in does write, so it needs a writable database.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ledger.errors import LedgerError
from ledger.sessions import Lifetimes, Session, new_session_id, parse_stamp, session_hash, stamp
from ledger.store.base import Store
from ledger.store.scores import SET_UP_LOCK
from ledger.tokens import Principal, token_hash

TABLE = (
    "CREATE TABLE IF NOT EXISTS {sessions} (id_hash TEXT PRIMARY KEY, token_hash TEXT NOT NULL, "
    "name TEXT NOT NULL, role TEXT NOT NULL, created_at TEXT NOT NULL, seen_at TEXT NOT NULL, "
    "expires_at TEXT NOT NULL)"
)
INDEX = "CREATE INDEX IF NOT EXISTS ledger_sessions_token ON {sessions} (token_hash)"
LIVE = (
    "SELECT s.name, s.role, s.created_at, s.seen_at, s.expires_at FROM {sessions} s "
    "JOIN {tokens} t ON t.hash = s.token_hash AND t.revoked_at IS NULL WHERE s.id_hash = ?"
)


class Sessions:
    def __init__(self, store: Store, lifetimes: Lifetimes | None = None) -> None:
        self.store = store
        self.lifetimes = lifetimes or Lifetimes()
        self.names = {"sessions": store.qualify("ledger_sessions"), "tokens": store.qualify("ledger_tokens")}
        self._made = False
        self._refresher_lock = threading.Lock()
        self._refresher: ThreadPoolExecutor | None = None

    def _sql(self, statement: str) -> str:
        return statement.format(**self.names).replace("?", self.store.mark)

    def exists(self) -> bool:
        """Whether the table exists yet: once it does, for good (it is never dropped)."""
        if not self._made:
            self._made = self.store.has_table("ledger_sessions")
        return self._made

    def begin(self, token: str, principal: Principal, now: dt.datetime | None = None) -> str:
        """Sign in: a new session of a token's principal, whose id is returned (to go in the cookie only).
        Sessions already ended are cleared away at the same time."""
        now = now or dt.datetime.now(dt.UTC)
        session_id = new_session_id()
        with self.store.transaction(commit=True) as c:
            if not self._made:
                self._create(c)
            c.execute(
                self._sql("DELETE FROM {sessions} WHERE expires_at <= ? OR seen_at <= ?"),
                (stamp(now), stamp(now - self.lifetimes.idle)),
            )
            c.execute(
                self._sql("INSERT INTO {sessions} VALUES (?, ?, ?, ?, ?, ?, ?)"),
                (
                    session_hash(session_id),
                    token_hash(token),
                    principal.name,
                    principal.role,
                    stamp(now),
                    stamp(now),
                    stamp(self.lifetimes.ends_at(now)),
                ),
            )
        self._made = True
        return session_id

    def _create(self, c: Any) -> None:
        if self.store.url.startswith(("postgresql://", "postgres://")):
            c.execute("SELECT pg_advisory_xact_lock(%s)", (SET_UP_LOCK,))
        c.execute(self._sql(TABLE))
        c.execute(self._sql(INDEX))

    def resolve(self, session_id: str, now: dt.datetime | None = None) -> Principal | None:
        """The principal of a live session, or None: unknown, ended (idle, past its lifetime, signed out)
        or of a revoked token. An ended session's row is cleared away."""
        if not session_id or not self.exists():
            return None
        now = now or dt.datetime.now(dt.UTC)
        wanted = session_hash(session_id)
        with self.store.transaction(commit=False) as c:
            c.execute(self._sql(LIVE), (wanted,))
            row = c.fetchone()
        if row is None:
            return None
        session = Session(
            Principal(row["name"], row["role"]),
            parse_stamp(row["created_at"]),
            parse_stamp(row["seen_at"]),
            parse_stamp(row["expires_at"]),
        )
        if self.lifetimes.ended(session, now):
            self._later(self._end, wanted)
            return None
        if self.lifetimes.refresh_due(session, now):
            self._later(self._seen, wanted, now)
        return session.principal

    def end(self, session_id: str) -> None:
        """Sign out: the session's row goes, so its cookie no longer opens any page."""
        if session_id and self.exists():
            self._end(session_hash(session_id))

    def _end(self, wanted: str) -> None:
        with self.store.transaction(commit=True) as c:
            c.execute(self._sql("DELETE FROM {sessions} WHERE id_hash = ?"), (wanted,))

    def _seen(self, wanted: str, now: dt.datetime) -> None:
        with self.store.transaction(commit=True) as c:
            c.execute(
                self._sql("UPDATE {sessions} SET seen_at = ? WHERE id_hash = ? AND seen_at < ?"),
                (stamp(now), wanted, stamp(now)),
            )

    def _later(self, write: Any, *args: Any) -> None:
        """A write the page need not wait for (on SQLite a long import holds the write lock for as long
        as it runs), and may do without (a read replica refuses it): done in a thread of its own."""

        def attempt() -> None:
            with contextlib.suppress(LedgerError):  # checked again at the session's next use
                write(*args)

        with self._refresher_lock:
            if self._refresher is None:
                self._refresher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger-sessions")
            self._refresher.submit(attempt)

    def end_token(self, c: Any, name: str) -> None:
        """In the transaction that revokes a token: end every session of that token (the table exists:
        see `exists`, asked before the transaction began)."""
        c.execute(
            self._sql(
                "DELETE FROM {sessions} WHERE token_hash IN (SELECT hash FROM {tokens} WHERE name = ?)"
            ),
            (name,),
        )

    def close(self) -> None:
        """Let the pending writes finish (each waits at most as long as the store's lock timeout)."""
        with self._refresher_lock:
            refresher, self._refresher = self._refresher, None
        if refresher is not None:
            refresher.shutdown(wait=True)
