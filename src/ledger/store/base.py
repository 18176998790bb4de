"""The act store: an append-only log of acts on the `eventsourcing` library's recorders.

Each act is one stored event: originator id `uuid5(act id)`, version 1, topic the act type, state the act
as JSON. Its notification id is its position. Writers are serialised by a lock on one head row, which
holds the last position and recorded time, so positions are assigned in commit order without gaps and
`recorded_at` never goes backwards along them. A batch is checked against the ledger index inside the
same transaction that stores it: all of it is stored, or none.
"""

from __future__ import annotations

import abc
import datetime as dt
import functools
import hashlib
import sys
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import orjson
from eventsourcing.persistence import ApplicationRecorder, PersistenceError

from ledger.acts import Act, StoredAct
from ledger.errors import ActError, BatchRejected, LedgerError, StoreUnavailable
from ledger.heap import paused_collection
from ledger.index import LedgerIndex, conflicting

PART = 2000  # acts checked and encoded at a time within a batch
LARGE = 10_000  # acts from which a batch's inserts are sent on while its next part is checked
NAMESPACE = uuid.UUID("6f1c1d3e-4a7b-5c2d-9e8f-0a1b2c3d4e5f")
READ_BATCH = 5000


def originator_id(act_id: str) -> str:
    """`uuid5(NAMESPACE, act_id)` as 32 hex digits, computed without building UUID objects (hot path)."""
    digest = bytearray(hashlib.sha1(NAMESPACE.bytes + act_id.encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    return digest.hex()


GENESIS = "0" * 64
TOKENS = (
    "CREATE TABLE IF NOT EXISTS {table} (hash TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
    "role TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT)"
)  # bearer tokens' hashes (tokens are not acts), made with the store's tables


def link(previous: str, position: int, body: dict[str, Any]) -> str:
    """The hash chain: each act's hash covers its content, position, recorded time and the previous hash."""
    content = orjson.dumps({**body, "position": position}, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(previous.encode() + b"\n" + content).hexdigest()


def encode(act: Act, recorded_at: bytes, position: int, previous: str) -> tuple[bytes, str]:
    """The stored state of an act at a position, and its chain hash.

    `recorded_at` is the time as JSON (quoted). The state is the sorted JSON of the act with its position
    and recorded time (the bytes `link` hashes), then the hash. It is spliced from the act's canonical
    content, already made to check the act, rather than serialised again: the sorted keys are fields,
    id, occurred_on, position, recorded_at, type, and the content is
    `{"fields":…,"occurred_on":"YYYY-MM-DD","type":…}`, so the id goes in before its date and the
    position and time after it. `tests/test_chain.py` holds the two
    ways to the same bytes.
    """
    content = act.content()
    cut = len(content) - len(act.type) - _TAIL  # where ',"occurred_on":' starts
    body = b"".join(
        (
            content[:cut],
            b',"id":',
            orjson.dumps(act.id),
            content[cut : cut + _DATE],
            b',"position":',
            str(position).encode(),
            b',"recorded_at":',
            recorded_at,
            content[cut + _DATE :],
        )
    )
    chain = hashlib.sha256(previous.encode() + b"\n" + body).hexdigest()
    return body[:-1] + b',"chain":"' + chain.encode() + b'"}', chain


_DATE = len(',"occurred_on":"YYYY-MM-DD"')
_TAIL = _DATE + len(',"type":""}')  # the content's bytes after its fields, less the type's own
CHAINED = 64 + len('"}')  # a stored state's bytes after its type's tail: the chain hash and its close


def type_tails(types: Sequence[str]) -> list[tuple[int, list[bytes]]]:
    """What a stored state of each type holds just before its last `CHAINED` bytes, grouped by length.

    A state ends `,"type":"T","chain":"<hash>"}` (see `encode`; `verify` checks every state is in that
    form), so a read by type selects on these bytes, which the chain covers, and not on the topic column.
    """
    tails: dict[int, list[bytes]] = {}
    for kind in dict.fromkeys(types):
        tail = b',"type":' + orjson.dumps(kind) + b',"chain":"'
        tails.setdefault(len(tail), []).append(tail)
    return sorted(tails.items())


@functools.lru_cache(maxsize=65_536)
def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def decode(position: int, state: bytes, *, chain: bool = True) -> StoredAct:
    """A stored act from its row. Replays of a large year hold many acts: dates are shared, repeated
    strings interned, and the chain hash, which scoring does not need, can be left out."""
    d = orjson.loads(state)
    return _stored(
        StoredAct,
        (
            position,
            d["id"],
            sys.intern(d["type"]),
            _day(d["occurred_on"]),
            sys.intern(d["recorded_at"]),
            d["fields"],
            d.get("chain", "") if chain else "",
        ),
    )


_stored = tuple.__new__  # a named tuple made without its keyword-taking constructor (hot path)


def by_line(error: ActError) -> int:
    return error.where


def printable(url: str) -> str:
    """A database URL as it may be printed: its password, if any, masked."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)).geturl()


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


class Receipt(NamedTuple):
    """What the ledger answers for each appended act."""

    id: str
    position: int
    recorded_at: str
    status: str  # "new" or "duplicate"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "position": self.position,
            "recorded_at": self.recorded_at,
            "status": self.status,
        }


class Part(NamedTuple):
    """Acts of a batch to check and store together, with what else their stretch of a file held: the lines
    that are not acts (`faults`, each named already) and what those lines would have defined (`claims`,
    (kind, name) -> line; see `LedgerIndex.claim`), so that an act naming one is told why it is unknown."""

    acts: Sequence[tuple[int, Act]]
    faults: Sequence[ActError] = ()
    claims: Mapping[tuple[str, str], int] | None = None


KEPT_ERRORS = 10_000  # errors a rejected batch keeps (the first, by line); the rest are counted


Row = tuple[int, str, str, bytes]  # position, originator id (hex), topic, state
StoredRow = tuple[int, str, int, str | None, bytes]  # position, originator id (hex), version, topic, state


class WriteTransaction(abc.ABC):
    """One locked write: the head as it stood when the lock was taken, and the means to extend it."""

    position: int
    recorded_at: str
    chain: str

    @abc.abstractmethod
    def read_after(self, position: int) -> Iterable[tuple[int, bytes]]: ...

    @abc.abstractmethod
    def insert(self, rows: Sequence[Row]) -> None: ...

    @abc.abstractmethod
    def set_head(self, position: int, recorded_at: str, chain: str) -> None: ...


class Store(abc.ABC):
    """The ledger's store; `SQLiteStore` and `PostgresStore` implement the backend primitives."""

    url: str
    recorder: ApplicationRecorder

    def __init__(self, publications: Iterable[str], items: Mapping[str, Iterable[str]]) -> None:
        self.index = LedgerIndex(publications, items)
        # The head-row lock serialises writers across processes; this one serialises the threads sharing
        # this store, whose index is also touched after the database commit.
        self._appending = threading.Lock()

    # --- backend primitives ---

    @abc.abstractmethod
    def _write(self, large: bool = False) -> AbstractContextManager[WriteTransaction]:
        """A locked write transaction; `large` when the batch is big enough to be worth sending its
        inserts on while the next part is checked (SQLite hands them to a writer process)."""

    @abc.abstractmethod
    def _select(self, after: int, limit: int, types: Sequence[str] = ()) -> Sequence[tuple[int, bytes]]:
        """Rows after a position in order; with `types`, those whose state ends in one of `type_tails`."""

    @abc.abstractmethod
    def _rows(self, after: int, limit: int) -> Sequence[StoredRow]:
        """Rows after a position in order, with every column the acts table stores (for `verify`)."""

    mark: str  # the driver's parameter placeholder, for the side tables' SQL

    @abc.abstractmethod
    def transaction(self, *, commit: bool) -> AbstractContextManager[Any]:
        """A cursor in a transaction on the store's database (for side tables such as tokens); an
        unreachable database raises StoreUnavailable."""

    @abc.abstractmethod
    def qualify(self, table: str) -> str:
        """A side table's name as the store's SQL must write it (with its schema on PostgreSQL)."""

    @abc.abstractmethod
    def has_table(self, table: str) -> bool:
        """Whether a side table exists yet (side tables are made by their first writer)."""

    @abc.abstractmethod
    def head(self) -> tuple[int, str | None]:
        """The last position and its recorded time (0 and None for an empty ledger)."""

    @abc.abstractmethod
    def ping(self) -> None: ...

    @abc.abstractmethod
    def close(self) -> None: ...

    made = False  # whether opening this store made its ledger (there was none at its URL)

    def discard(self) -> None:
        """Close the store and, if opening it made its ledger and the ledger still holds no act, remove
        the ledger again: a refused import leaves no ledger where there was none."""
        try:
            empty = self.made and self.head()[0] == 0
        except LedgerError:  # unreachable now: leave it as it is
            empty = False
        self.close()
        if empty:
            self._remove()

    @abc.abstractmethod
    def _remove(self) -> None:
        """Remove what opening the store made (the store is closed)."""

    # --- the ledger's operations ---

    def append(
        self,
        acts: Sequence[tuple[int, Act]],
        *,
        progress: Callable[[int], None] | None = None,
        clock: Callable[[], str] = utc_now,
    ) -> list[Receipt]:
        """Store a batch of (line, act) pairs atomically; duplicates of stored acts are reported.

        Raises BatchRejected (nothing stored) when any act is bad.
        """
        receipts: list[Receipt] = []

        def take(part: Sequence[tuple[int, Act]], positions: list[int], recorded_at: str) -> None:
            for (_, act), position in zip(part, positions, strict=True):
                receipts.append(
                    Receipt(act.id, position, recorded_at, "new") if position else self._located(act.id)
                )

        parts = [Part(acts[start : start + PART]) for start in range(0, len(acts), PART)] or [Part(acts)]
        with self._appending, paused_collection():
            self._append(parts, take, progress, clock, large=len(acts) >= LARGE)
        return receipts

    def append_parts(
        self,
        parts: Iterable[Part],
        *,
        large: bool = False,
        progress: Callable[[int], None] | None = None,
        clock: Callable[[], str] = utc_now,
    ) -> tuple[int, int]:
        """Store acts arriving in parts (a file read as it goes) as one atomic batch, without holding
        them all: (new, duplicates). Every bad act of every part is named, with the parts' own faults
        (lines that are not acts), in line order; then nothing is stored. An exception raised by `parts`
        itself rolls the batch back too. `large` when at least `LARGE` acts are coming (a large batch is
        written in a pipeline)."""
        tally = [0, 0]

        def count(part: Sequence[tuple[int, Act]], positions: list[int], recorded_at: str) -> None:
            duplicates = positions.count(0)
            tally[0] += len(positions) - duplicates
            tally[1] += duplicates

        with self._appending, paused_collection():
            self._append(parts, count, progress, clock, large=large)
        return tally[0], tally[1]

    def _append(
        self,
        parts: Iterable[Part],
        take: Callable[[Sequence[tuple[int, Act]], list[int], str], None],
        progress: Callable[[int], None] | None,
        clock: Callable[[], str],
        *,
        large: bool,
    ) -> None:
        """The one write path: catch the index up, then check, encode and insert each part, telling
        `take` each act's position (0 for one stored before), all in one transaction."""
        index = self.index
        located = index.located
        try:
            with self._write(large) as tx:
                for position, state in tx.read_after(index.position):
                    index.fold(decode(position, state))
                index.begin()
                recorded_at = max(clock(), tx.recorded_at)
                stamp = orjson.dumps(recorded_at)
                position, chain = tx.position, tx.chain or GENESIS
                errors: list[ActError] = []
                total = 0
                done = 0
                for acts, faults, claims in parts:
                    if claims:
                        index.claim(claims)
                    fresh, bad = index.check(acts)
                    if faults or bad:
                        found = sorted([*faults, *bad], key=by_line) if faults and bad else [*faults, *bad]
                        errors += found[: KEPT_ERRORS - len(errors)]
                        total += len(found)
                    done += len(acts)
                    if total:  # go on checking, to name every bad act, but store nothing more
                        continue
                    rows: list[Row] = []
                    positions: list[int] = []
                    for (_, act), is_new in zip(acts, fresh, strict=True):
                        if is_new:
                            position += 1
                            located[act.id] = (position, recorded_at)
                            state, chain = encode(act, stamp, position, chain)
                            rows.append((position, originator_id(act.id), act.type, state))
                            positions.append(position)
                        else:
                            positions.append(0)
                    if rows:
                        tx.insert(rows)
                    take(acts, positions, recorded_at)
                    if progress:
                        progress(done)
                if total:
                    whole = total == len(errors)
                    raise BatchRejected(errors, conflict=whole and conflicting(errors), total=total)
                if position > tx.position:
                    tx.set_head(position, recorded_at, chain)
        except BaseException:
            index.rollback()
            raise
        index.commit(position)

    def restore(self, records: Sequence[tuple[int, Act, int, str, str]]) -> int:
        """Load an export into an empty ledger with its own positions, recorded times and hashes.

        Each record is (line, act, position, recorded_at, chain). The acts are checked as any append is,
        and each hash is recomputed: a record altered since export is refused by line. All or nothing.
        """
        with self._appending, paused_collection():
            try:
                with self._write() as tx:
                    if tx.position:
                        held = f"此账本已有 {tx.position} 条行为"
                        raise LedgerError(f"导出文件只能恢复到空账本；{held} (restore into an empty ledger)")
                    self.index.admit([(where, act) for where, act, *_ in records])
                    errors: list[ActError] = []
                    rows: list[Row] = []
                    chain, latest = GENESIS, ""
                    for expected, (where, act, position, recorded_at, given) in enumerate(records, start=1):
                        if position != expected:
                            errors.append(ActError(where, "position", f"is {position}, expected {expected}"))
                        if recorded_at < latest:
                            errors.append(ActError(where, "recorded_at", f"goes back before {latest}"))
                        state, chain = encode(act, orjson.dumps(recorded_at), expected, chain)
                        if chain != given:
                            errors.append(
                                ActError(where, "chain", "does not match the act (altered since export)")
                            )
                            chain = given
                        latest = recorded_at
                        rows.append((expected, originator_id(act.id), act.type, state))
                    if errors:
                        raise BatchRejected(errors)
                    for start in range(0, len(rows), 2000):
                        tx.insert(rows[start : start + 2000])
                    if rows:
                        tx.set_head(len(rows), latest, chain)
            except BaseException:
                self.index.rollback()
                raise
            self.index.commit(len(rows))
            for _, act, position, recorded_at, _ in records:
                self.index.located[act.id] = (position, recorded_at)
            return len(rows)

    def _located(self, act_id: str) -> Receipt:
        """The receipt of an act found stored already (by this batch or an earlier one)."""
        position, recorded_at = self.index.located[act_id]
        return Receipt(act_id, position, recorded_at, "duplicate")

    def read(
        self,
        after: int = 0,
        *,
        types: Sequence[str] = (),
        known_at: str | None = None,
        batch: int = READ_BATCH,
        chain: bool = True,
    ) -> Iterator[StoredAct]:
        """Stream stored acts in position order, from after `after`, up to those recorded by `known_at`
        (without their chain hashes when `chain` is false)."""
        cut = known_at or "~"  # "~" sorts after every timestamp
        wanted = frozenset(types)
        while True:
            rows = self._select(after, batch, types)
            for position, state in rows:
                act = decode(position, state, chain=chain)
                if act.recorded_at > cut:
                    return
                if wanted and act.type not in wanted:  # a state not in the form `verify` requires
                    continue
                yield act
            if len(rows) < batch:
                return
            after = rows[-1][0]

    def find(self, act_id: str) -> StoredAct | None:
        """The stored act of an id, or None: one indexed read, by the act's originator id."""
        try:
            found = self.recorder.select_events(uuid.UUID(originator_id(act_id)), limit=1)
        except PersistenceError as e:
            raise unavailable(e) from e
        if not found:
            return None
        state = found[0].state
        return decode(orjson.loads(state)["position"], state)

    def verify(self, anchors: Mapping[int, str] | None = None) -> tuple[int, int | None, str]:
        """Walk the hash chain and every stored column: (acts checked, first position where stored history
        was altered, removed or reordered, or None, and what was found there). `anchors` maps positions to
        the chain hashes that signed checkpoints hold there (see `ledger.store.chain`)."""
        from ledger.store.chain import check

        checked, broken, what, *_ = check(self, anchors or {})
        return checked, broken, what

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


SAID = {  # what the database's own words mean, for the one who reads them
    "readonly database": "数据库只读，无法写入",
    "read-only": "数据库只读，无法写入",
    "database is locked": "数据库正被其他进程占用",
    "database or disk is full": "数据库或磁盘已满",
    "disk I/O error": "磁盘读写出错",
    "unable to open database file": "无法打开数据库文件",
}


def unavailable(error: Exception) -> StoreUnavailable:
    """The store cannot take the request now: what the database said, in Chinese first where known."""
    said = next((chinese for words, chinese in SAID.items() if words in str(error)), "数据库无法连接")
    return StoreUnavailable(f"{said}：{error} (the store cannot be reached)")
