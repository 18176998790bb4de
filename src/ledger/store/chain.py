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
INTACT = "哈希链完好 (the chain is intact)"


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
                return broken(expected, f"缺少位置 {expected} 的行为（下一条存于位置 {position}）")
            found = _row_fault(previous, position, oid, version, topic, state, latest)
            if isinstance(found, str):
                return broken(position, found)
            chain, recorded_at = found
            if position in anchors and anchors[position] != chain:
                since = f"；与位置 {agreed} 的检查点相符" if agreed else ""
                return broken(
                    position,
                    f"位置 {position} 的链哈希为 {chain[:12]}…，该处检查点记为 {anchors[position][:12]}…："
                    f"位置 {position} 及以前的历史已被改写（在位置 {agreed + 1}–{position} 之间{since}）",
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
            f"存储中有 {checked} 条行为，检查点却在位置 {min(beyond)}："
            f"位置 {checked + 1}–{min(beyond)} 的行为已被删除",
        )
    if upto is not None:
        if checked < upto:
            return broken(checked + 1, f"存储中有 {checked} 条行为，不是 {upto} 条")
        return ChainCheck(checked, None, INTACT, previous, latest or None)
    position, recorded_at, chain = _head(store)
    if position != checked:
        return broken(checked + 1, f"链头记为 {position} 条行为，链中有 {checked} 条")
    if checked and (chain != previous or recorded_at != latest):
        return broken(checked, f"链头的链哈希或记录时间与位置 {checked} 的不符")
    return ChainCheck(checked, None, INTACT, previous, latest or None)


def _row_fault(
    previous: str, position: int, oid: str, version: int, topic: str | None, state: bytes, latest: str
) -> str | tuple[str, str]:
    """What is wrong with a row, or its recomputed chain hash and recorded time."""
    try:
        d: Any = orjson.loads(state)
    except orjson.JSONDecodeError:
        return f"位置 {position} 的内容不是 JSON"
    if not isinstance(d, dict) or not d.keys() >= KEYS - {"position"}:
        return f"位置 {position} 的内容缺少行为的字段"
    body = {k: d[k] for k in ("id", "type", "occurred_on", "recorded_at", "fields")}
    content = orjson.dumps({**body, "position": position}, option=orjson.OPT_SORT_KEYS)
    chain = hashlib.sha256(previous.encode() + b"\n" + content).hexdigest()
    if d["chain"] != chain:
        return f"行为 {d['id']!r} 与其哈希不符"
    if d.get("position") != position:
        return f"行为 {d['id']!r} 记为位置 {d.get('position')}，其行却在位置 {position}"
    if state != content[:-1] + b',"chain":"' + chain.encode() + b'"}':
        return f"位置 {position} 的行为 {d['id']!r} 不是按账本写入的格式存储"
    if topic != d["type"]:
        return f"位置 {position} 的行为 {d['id']!r} 的类型列为 {topic!r}，内容中的类型为 {d['type']!r}"
    if oid != originator_id(str(d["id"])) or version != 1:
        return f"位置 {position} 的行为 {d['id']!r} 的来源编号或版本与其编号不符"
    if d["recorded_at"] < latest:
        return f"位置 {position} 的行为 {d['id']!r} 的记录时间早于前一条行为"
    return chain, str(d["recorded_at"])


def _head(store: Store) -> tuple[int, str, str]:
    """The head row: last position, its recorded time and its chain hash."""
    with store.transaction(commit=False) as c:
        c.execute(f"SELECT position, recorded_at, chain FROM {store.qualify('ledger_head')} WHERE id = 1")
        row = c.fetchone()
    values = tuple(row.values()) if isinstance(row, dict) else tuple(row)
    return int(values[0]), str(values[1]), str(values[2])
