"""Projected scores beside the act store, in the same database (side tables, like the tokens').

Three tables, made by the projection worker (a query-side process, perhaps on a read replica, never
needs DDL; without the tables its queries are replayed):

- `ledger_projections`: per projected rulebook, the position and known-at its rows were made at, and
  the rulebook versions (id, version, sha256) they were made with;
- `ledger_scores`: per rulebook, standard period and unit, the figure the unit is ranked on (in the
  `total` column: its total, or its total's share of its base where the rulebook ranks so, as Decimal
  text; empty for a unit not ranked) and the unit's JSON as `ledger score` gives it, without the rank
  (ranks depend on every unit and are drawn from those figures when a query is answered);
- `ledger_score_periods`: per rulebook and period, the main rulebook and the rulebooks used.

A worker writes its rows and advances the tracked position in one transaction, with a compare-and-set on
the position it started from: an act's effect is written exactly once, whichever of several workers
wins, and a worker killed at any point leaves the rows and the position that go together.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
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
    # The totals of a period, for the ranks, without reading past each unit's (large) document.
    "CREATE INDEX IF NOT EXISTS ledger_scores_totals ON {scores} (rulebook, period, unit, total)",
)
# A unit's answer: the tracking row, the period's rulebooks, every total (as "unit total,unit total...":
# slugs and Decimal texts hold neither spaces nor commas) and the unit's document, in one row.
ONE_UNIT = (
    "SELECT p.position, p.known_at, p.selection, s.main, s.used, "
    "(SELECT {aggregate}(t.unit || ' ' || t.total, ',') FROM {scores} t "
    "WHERE t.rulebook = p.rulebook AND t.period = s.period) AS totals, "
    "(SELECT d.document FROM {scores} d "
    "WHERE d.rulebook = p.rulebook AND d.period = s.period AND d.unit = ?) AS document "
    "FROM {projections} p LEFT JOIN {periods} s ON s.rulebook = p.rulebook AND s.period = ? "
    "WHERE p.rulebook = ?"
)
EVERY_UNIT = (
    "SELECT p.position, p.known_at, p.selection, s.main, s.used, t.unit, t.total, t.document "
    "FROM {projections} p JOIN {periods} s ON s.rulebook = p.rulebook AND s.period = ? "
    "JOIN {scores} t ON t.rulebook = p.rulebook AND t.period = s.period WHERE p.rulebook = ?"
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
    totals: dict[str, Decimal | None]  # the figures units are ranked on; None: not ranked
    documents: dict[str, str]  # the units' JSON, only of the units asked for


# What a stored row holds and means. Rows made under another format are made anew by the next worker and
# never read meanwhile, like rows made with other rulebook versions. 2: documents list the acts not counted,
# ranks are drawn from rank figures, every unit's rows reach the ledger's last year.
ROWS_FORMAT = 2


def selection_key(identities: list[dict[str, Any]]) -> str:
    """The rulebook versions (id, version, sha256) rows are made with, and the rows' format, as stored in
    the tracking row."""
    return orjson.dumps([{"rows": ROWS_FORMAT}, *identities], option=orjson.OPT_SORT_KEYS).decode()


class ScoreTables:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.postgres = store.url.startswith(("postgresql://", "postgres://"))
        self.names = {
            "projections": store.qualify("ledger_projections"),
            "scores": store.qualify("ledger_scores"),
            "periods": store.qualify("ledger_score_periods"),
            "aggregate": "string_agg" if self.postgres else "group_concat",
        }
        self._ready = False
        self._looked_at = -1.0e9

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
        """Whether the tables exist: once they do, for good (they are never dropped); until then, looked
        up at most once a second (a service without a worker asks at every score query)."""
        if not self._ready and time.monotonic() - self._looked_at > 1.0:
            self._looked_at = time.monotonic()
            self._ready = self.store.has_table("ledger_score_periods")
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
        """A period's rows with its tracking row, read in one statement (so in one snapshot, on either
        backend, and in one round trip); with a unit named, its document alone beside every total (the
        ranks need the totals, not the other documents). None when the rulebook or period is not
        projected."""
        if not self.ready():
            return None
        with self.store.transaction(commit=False) as c:
            if unit is None:
                c.execute(self._sql(EVERY_UNIT), (period, rulebook))
                rows = c.fetchall()
                first = rows[0] if rows else None
                totals = {str(r["unit"]): _figure(r["total"]) for r in rows}
                documents = {str(r["unit"]): str(r["document"]) for r in rows}
            else:
                c.execute(self._sql(ONE_UNIT), (unit, period, rulebook))
                first = c.fetchone()
                totals = _totals(first["totals"]) if first and first["totals"] else {}
                found = first and first["document"] is not None
                documents = {unit: str(first["document"])} if found else {}
        if first is None or first["main"] is None or not first["position"]:
            return None
        tracked = Tracked(rulebook, int(first["position"]), str(first["known_at"]), str(first["selection"]))
        used = orjson.loads(first["used"])
        return PeriodRows(tracked, orjson.loads(first["main"]), list(used.values()), totals, documents)


def _totals(text: str) -> dict[str, Decimal | None]:
    slugs_and_totals = (pair.split(" ") for pair in text.split(","))
    return {slug: _figure(total) for slug, total in slugs_and_totals}


def _figure(text: str) -> Decimal | None:
    return Decimal(text) if text else None  # "": a unit not ranked


def _text(value: Any) -> str:
    return orjson.dumps(value).decode()  # keys in their order: answers keep the replay's key order
