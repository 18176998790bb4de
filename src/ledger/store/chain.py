"""Checking the stored acts against their hash chain, column by column, and against signed checkpoints.

A row is what it claims only if every column a read depends on agrees with the hashed state: its position
(the row's and the state's), its originator id (`originator_id` of the act id) and version (1), its topic
(the act type), and the state's bytes (exactly what `encode` makes, so that a read by type can select on
them). Recorded times never go back along positions, since reads cut at the first act past a time. The
head row must name the last position, its recorded time and its chain hash.

The chain alone proves nothing against someone who can write to the database: they can recompute every
later hash. A checkpoint is an anchor held outside it: the chain hash the ledger had at a position, signed
(see `ledger.checkpoints`). `check` takes them as `anchors`, position to hash, and reports the first
checkpoint the recomputed chain disagrees with, or one beyond the acts the store still holds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, NamedTuple

import orjson

from ledger.store.base import GENESIS, READ_BATCH, Store, originator_id

KEYS = frozenset(("id", "type", "occurred_on", "recorded_at", "fields", "position", "chain"))


class ChainCheck(NamedTuple):
    """What a walk of the chain found."""

    checked: int  # acts found sound, from position 1
    broken: int | None  # the first position found altered, removed or reordered; None when sound
    what: str
    chain: str  # the recomputed chain hash at the last sound position (GENESIS when none)
    recorded_at: str | None  # that act's recorded time


def check(store: Store, anchors: Mapping[int, str], upto: int | None = None) -> ChainCheck:
    """Walk the stored rows from position 1 (up to `upto` when given, else all and the head row)."""
    previous, checked, latest, agreed = GENESIS, 0, "", 0
    after = 0

    def broken(position: int, what: str) -> ChainCheck:
        return ChainCheck(checked, position, what, previous, latest or None)

    while True:
        rows = store._rows(after, READ_BATCH)
        for position, oid, version, topic, state in rows:
            expected = checked + 1
            if upto is not None and position > upto:
                rows = []
                break
            if position != expected:
                return broken(expected, f"position {expected} is missing (next stored is {position})")
            found = _row_fault(previous, position, oid, version, topic, state, latest)
            if isinstance(found, str):
                return broken(position, found)
            chain, recorded_at = found
            if position in anchors and anchors[position] != chain:
                since = f"; it agrees with the checkpoint at position {agreed}" if agreed else ""
                return broken(
                    position,
                    f"the chain at position {position} is {chain[:12]}…, the checkpoint there holds "
                    f"{anchors[position][:12]}…: history at or before position {position} was rewritten "
                    f"(in positions {agreed + 1}–{position}{since})",
                )
            if position in anchors:
                agreed = position
            previous, latest, checked = chain, recorded_at, position
        if len(rows) < READ_BATCH:
            break
        after = rows[-1][0]
    beyond = [p for p in anchors if p > checked and (upto is None or p <= upto)]
    if beyond:
        return broken(
            checked + 1,
            f"the store holds {checked} acts, a checkpoint is at position {min(beyond)}: "
            f"positions {checked + 1}–{min(beyond)} were removed",
        )
    if upto is not None:
        if checked < upto:
            return broken(checked + 1, f"the store holds {checked} acts, not {upto}")
        return ChainCheck(checked, None, "the chain is intact", previous, latest or None)
    position, recorded_at, chain = _head(store)
    if position != checked:
        return broken(checked + 1, f"the head says {position} acts, the chain holds {checked}")
    if checked and (chain != previous or recorded_at != latest):
        return broken(checked, f"the head row's chain hash or recorded time is not position {checked}'s")
    return ChainCheck(checked, None, "the chain is intact", previous, latest or None)


def _row_fault(
    previous: str, position: int, oid: str, version: int, topic: str | None, state: bytes, latest: str
) -> str | tuple[str, str]:
    """What is wrong with a row, or its recomputed chain hash and recorded time."""
    try:
        d: Any = orjson.loads(state)
    except orjson.JSONDecodeError:
        return f"the state at position {position} is not JSON"
    if not isinstance(d, dict) or not d.keys() >= KEYS - {"position"}:
        return f"the state at position {position} does not hold an act's keys"
    body = {k: d[k] for k in ("id", "type", "occurred_on", "recorded_at", "fields")}
    content = orjson.dumps({**body, "position": position}, option=orjson.OPT_SORT_KEYS)
    chain = hashlib.sha256(previous.encode() + b"\n" + content).hexdigest()
    if d["chain"] != chain:
        return f"act {d['id']!r} does not match its hash"
    if d.get("position") != position:
        return f"act {d['id']!r} says position {d.get('position')}, its row is at {position}"
    if state != content[:-1] + b',"chain":"' + chain.encode() + b'"}':
        return f"act {d['id']!r} at position {position} is not stored in the form the ledger writes"
    if topic != d["type"]:
        return f"act {d['id']!r} at position {position} has topic {topic!r}, its state type {d['type']!r}"
    if oid != originator_id(str(d["id"])) or version != 1:
        return f"act {d['id']!r} at position {position} has another originator id or version than its id's"
    if d["recorded_at"] < latest:
        return f"act {d['id']!r} at position {position} was recorded before the act ahead of it"
    return chain, str(d["recorded_at"])


def _head(store: Store) -> tuple[int, str, str]:
    """The head row: last position, its recorded time and its chain hash."""
    with store.transaction(commit=False) as c:
        c.execute(f"SELECT position, recorded_at, chain FROM {store.qualify('ledger_head')} WHERE id = 1")
        row = c.fetchone()
    values = tuple(row.values()) if isinstance(row, dict) else tuple(row)
    return int(values[0]), str(values[1]), str(values[2])
