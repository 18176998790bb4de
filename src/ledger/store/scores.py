"""Projected scores beside the act store, in the same database (side tables, like the tokens').

Three tables, made by the projection worker (a query-side process, perhaps on a read replica, never
needs DDL; without the tables its queries are replayed):

- `ledger_projections`: per projected rulebook, the position and known-at its rows were made at, and
  the rulebook versions (id, version, sha256) they were made with;
- `ledger_scores`: per rulebook, standard period and unit, the total (a Decimal as text) and the unit's
  JSON as `ledger score` gives it, without the rank (ranks depend on every unit and are drawn from the
  totals when a query is answered);
- `ledger_score_periods`: per rulebook and period, the main rulebook and the rulebooks used.

A worker writes its rows and advances the tracked position in one transaction, with a compare-and-set on
the position it started from: an act's effect is written exactly once, whichever of several workers
wins, and a worker killed at any point leaves the rows and the position that go together.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson

from ledger.store.base import Store, utc_now

TABLES = (
    "CREATE TABLE IF NOT EXISTS {projections} (rulebook TEXT PRIMARY KEY, position BIGINT NOT NULL, "
    "known_at TEXT NOT NULL, selection TEXT NOT NULL, updated_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS {scores} (rulebook TEXT NOT NULL, period TEXT NOT NULL, unit TEXT NOT NULL, "
    "total TEXT NOT NULL, document TEXT NOT NULL, PRIMARY KEY (rulebook, period, unit))",
    "CREATE TABLE IF NOT EXISTS {periods} (rulebook TEXT NOT NULL, period TEXT NOT NULL, "
    "main TEXT NOT NULL, used TEXT NOT NULL, PRIMARY KEY (rulebook, period))",
)
SET_UP_LOCK = 74_231_018  # pg_advisory_xact_lock key: concurrent CREATE TABLE IF NOT EXISTS can collide


@dataclass(frozen=True)
class Tracked:
    """A projected rulebook's tracking row: its rows include exactly the acts up to `position`."""

    rulebook: str
    position: int
    known_at: str
    selection: str  # the rulebook versions, as `selection_key` writes them


@dataclass
class Rows:
    """What a catch-up changes in one rulebook's tables."""

    scores: dict[tuple[str, str], tuple[str, str] | None]  # (period, unit) -> (total, document) or dropped
    periods: dict[str, tuple[dict[str, Any], dict[str, dict[str, Any]]]]  # period -> main, used by ref


@dataclass(frozen=True)
class PeriodRows:
    """One rulebook's rows for one period, read in one snapshot with the tracking row."""

    tracked: Tracked
    main: dict[str, Any]
    used: list[dict[str, Any]]
    totals: dict[str, Decimal]
    documents: dict[str, str]  # the units' JSON, only of the units asked for


def selection_key(identities: list[dict[str, Any]]) -> str:
    """The rulebook versions (id, version, sha256) rows are made with, as stored in the tracking row."""
    return orjson.dumps(identities, option=orjson.OPT_SORT_KEYS).decode()


class ScoreTables:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.postgres = store.url.startswith(("postgresql://", "postgres://"))
        self.names = {
            "projections": store.qualify("ledger_projections"),
            "scores": store.qualify("ledger_scores"),
            "periods": store.qualify("ledger_score_periods"),
        }
        self._ready = False

    def _sql(self, statement: str) -> str:
        return statement.format(**self.names).replace("?", self.store.mark)

    # --- the worker's side -------------------------------------------------------------------

    def create(self) -> None:
        """Make the tables if they are missing (the worker does; it writes to the primary)."""
        with self.store.transaction(commit=True) as c:
            if self.postgres:
                c.execute("SELECT pg_advisory_xact_lock(%s)", (SET_UP_LOCK,))
            for statement in TABLES:
                c.execute(self._sql(statement))
        self._ready = True

    def track(self, rulebook: str, selection: str) -> Tracked:
        """The rulebook's tracking row, made at position 0 if it has none."""
        with self.store.transaction(commit=True) as c:
            c.execute(
                self._sql(
                    "INSERT INTO {projections} (rulebook, position, known_at, selection, updated_at) "
                    "VALUES (?, 0, '', ?, ?) ON CONFLICT (rulebook) DO NOTHING"
                ),
                (rulebook, selection, utc_now()),
            )
        found = self.tracked(rulebook)
        assert found is not None
        return found

    def commit(self, start: Tracked, position: int, known_at: str, selection: str, rows: Rows) -> bool:
        """Write a catch-up's rows and move the tracking row from `start` to `position`, in one
        transaction; False (nothing written) when the tracking row is no longer `start` because another
        worker moved it. With another selection than `start`'s, the rulebook's rows are made anew."""
        rebuild = selection != start.selection
        with self.store.transaction(commit=True) as c:
            # First the compare-and-set: it also takes the row's write lock, so that what follows reads
            # and writes as the only writer of this rulebook.
            c.execute(
                self._sql(
                    "UPDATE {projections} SET position = ?, known_at = ?, selection = ?, updated_at = ? "
                    "WHERE rulebook = ? AND position = ? AND selection = ? RETURNING position"
                ),
                (position, known_at, selection, utc_now(), start.rulebook, start.position, start.selection),
            )
            if c.fetchone() is None:
                return False
            if rebuild:
                for table in ("scores", "periods"):
                    c.execute(self._sql(f"DELETE FROM {{{table}}} WHERE rulebook = ?"), (start.rulebook,))
            self._write_periods(c, start.rulebook, rows.periods, merge=not rebuild)
            dropped = [(start.rulebook, p, u) for (p, u), row in rows.scores.items() if row is None]
            kept = [(start.rulebook, p, u, *row) for (p, u), row in rows.scores.items() if row is not None]
            if dropped:
                c.executemany(
                    self._sql("DELETE FROM {scores} WHERE rulebook = ? AND period = ? AND unit = ?"), dropped
                )
            if kept:
                c.executemany(
                    self._sql(
                        "INSERT INTO {scores} (rulebook, period, unit, total, document) "
                        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (rulebook, period, unit) "
                        "DO UPDATE SET total = excluded.total, document = excluded.document"
                    ),
                    kept,
                )
        return True

    def _write_periods(
        self,
        c: Any,
        rulebook: str,
        periods: Mapping[str, tuple[dict[str, Any], dict[str, dict[str, Any]]]],
        *,
        merge: bool,
    ) -> None:
        """The rulebooks a period was scored with only grow, as units are rescored one by one."""
        for period, (main, used) in periods.items():
            merged = dict(used)
            if merge:
                c.execute(
                    self._sql("SELECT used FROM {periods} WHERE rulebook = ? AND period = ?"),
                    (rulebook, period),
                )
                row = c.fetchone()
                if row is not None:
                    merged = {**orjson.loads(row["used"]), **used}
            c.execute(
                self._sql(
                    "INSERT INTO {periods} (rulebook, period, main, used) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (rulebook, period) DO UPDATE SET main = excluded.main, used = excluded.used"
                ),
                (rulebook, period, _text(main), _text(merged)),
            )

    # --- both sides --------------------------------------------------------------------------

    def ready(self) -> bool:
        """Whether the tables exist (checked until they do; they are never dropped)."""
        if not self._ready:
            with self.store.transaction(commit=False) as c:
                if self.postgres:
                    c.execute("SELECT to_regclass(%s) IS NOT NULL AS found", (self.names["periods"],))
                else:
                    c.execute(
                        "SELECT count(*) > 0 AS found FROM sqlite_master WHERE type = 'table' AND name = ?",
                        ("ledger_score_periods",),
                    )
                self._ready = bool(c.fetchone()["found"])
        return self._ready

    def tracked(self, rulebook: str) -> Tracked | None:
        with self.store.transaction(commit=False) as c:
            return self._tracked(c, rulebook)

    def _tracked(self, c: Any, rulebook: str) -> Tracked | None:
        c.execute(
            self._sql("SELECT position, known_at, selection FROM {projections} WHERE rulebook = ?"),
            (rulebook,),
        )
        row = c.fetchone()
        if row is None:
            return None
        return Tracked(rulebook, int(row["position"]), str(row["known_at"]), str(row["selection"]))

    def all_tracked(self) -> list[Tracked]:
        if not self.ready():
            return []
        with self.store.transaction(commit=False) as c:
            c.execute(self._sql("SELECT rulebook, position, known_at, selection FROM {projections}"))
            return [
                Tracked(str(r["rulebook"]), int(r["position"]), str(r["known_at"]), str(r["selection"]))
                for r in c.fetchall()
            ]

    # --- the query side ----------------------------------------------------------------------

    def period(self, rulebook: str, period: str, unit: str | None) -> PeriodRows | None:
        """A period's rows and its tracking row, read in one snapshot; a unit's document alone when a
        unit is named (every total is read for the ranks, but no other document). None when the rulebook
        or the period is not projected."""
        if not self.ready():
            return None
        with self._snapshot() as c:
            tracked = self._tracked(c, rulebook)
            if tracked is None or not tracked.position:
                return None
            c.execute(
                self._sql("SELECT main, used FROM {periods} WHERE rulebook = ? AND period = ?"),
                (rulebook, period),
            )
            books = c.fetchone()
            if books is None:
                return None
            if unit is None:
                c.execute(
                    self._sql("SELECT unit, total, document FROM {scores} WHERE rulebook = ? AND period = ?"),
                    (rulebook, period),
                )
            else:
                c.execute(
                    self._sql(
                        "SELECT unit, total, CASE WHEN unit = ? THEN document END AS document "
                        "FROM {scores} WHERE rulebook = ? AND period = ?"
                    ),
                    (unit, rulebook, period),
                )
            rows = c.fetchall()
        used = orjson.loads(books["used"])
        return PeriodRows(
            tracked=tracked,
            main=orjson.loads(books["main"]),
            used=list(used.values()),
            totals={str(r["unit"]): Decimal(r["total"]) for r in rows},
            documents={str(r["unit"]): str(r["document"]) for r in rows if r["document"] is not None},
        )

    @contextmanager
    def _snapshot(self) -> Iterator[Any]:
        """A read transaction whose statements all see the same committed state (SQLite's read
        transactions do; PostgreSQL's default isolation gives each statement its own snapshot)."""
        with self.store.transaction(commit=False) as c:
            if self.postgres:
                c.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield c


def _text(value: Any) -> str:
    return orjson.dumps(value).decode()  # keys in their order: answers keep the replay's key order
