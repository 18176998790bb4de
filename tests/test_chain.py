"""The hash chain over stored acts, on both backends."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.acts import parse_act
from ledger.anchoring import audit, take
from ledger.errors import BatchRejected, LedgerError
from ledger.rulebooks import Catalogue
from ledger.services import Ledger
from ledger.store import open_store
from ledger.store.base import GENESIS, encode, link, originator_id
from ledger.store.checkpoints import KnownCheckpoints
from ledger.store.postgres import environment


def test_chain_links_every_act_and_verifies(ledger: Ledger) -> None:
    """Each stored act carries a hash linking it to the one before; an untouched ledger verifies."""
    ledger.append(
        [
            {"id": "u1", "type": "unit.registered", "occurred_on": "2019-01-01", "unit": "xq",
             "name": "兴庆区", "class": "county"},
            {"id": "f1", "type": "report.filed", "occurred_on": "2019-01-02", "unit": "xq",
             "report": "R1", "title": "标题"},
        ]
    )  # fmt: skip
    ledger.append([{"id": "c1", "type": "commission.missed", "occurred_on": "2019-02-01", "unit": "xq"}])
    acts = list(ledger.store.read())
    assert len({a.chain for a in acts}) == 3 and all(len(a.chain) == 64 for a in acts)
    assert ledger.store.verify() == (3, None, "哈希链完好 (the chain is intact)")


def test_empty_ledger_verifies(ledger: Ledger) -> None:
    """An empty ledger's chain is trivially intact."""
    assert ledger.store.verify() == (0, None, "哈希链完好 (the chain is intact)")


def _year(ledger: Ledger) -> None:
    acts = [{"id": "u1", "type": "unit.registered", "occurred_on": "2019-01-01", "unit": "xq",
             "name": "兴庆区", "class": "county"}]  # fmt: skip
    acts += [
        {"id": f"f{i}", "type": "report.filed", "occurred_on": "2019-01-02", "unit": "xq", "report": f"R{i}",
         "title": f"第{i}号"}
        for i in range(5)
    ]  # fmt: skip
    ledger.append(acts[:3])
    ledger.append(acts[3:])


def _raw(ledger: Ledger, *statements: str) -> None:
    """Run SQL on the store's own database, as someone with direct access to it would."""
    with ledger.store.factory.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
        for statement in statements:
            c.execute(statement)


def _table(ledger: Ledger) -> str:
    store: Any = ledger.store
    if store.url.startswith("sqlite"):
        return str(store.recorder.events_table_name)
    return f'"{environment(store.url)["POSTGRES_SCHEMA"]}".{store.recorder.events_table_name}'


def test_the_store_refuses_update_and_delete(ledger: Ledger) -> None:
    """The acts table refuses UPDATE and DELETE (a trigger), on both backends."""
    _year(ledger)
    table = _table(ledger)
    for statement in (f"UPDATE {table} SET topic = 'x'", f"DELETE FROM {table}"):
        with pytest.raises(Exception, match="append-only"):
            _raw(ledger, statement)
    assert ledger.store.verify() == (6, None, "哈希链完好 (the chain is intact)")


def test_verify_finds_a_row_changed_behind_the_trigger(ledger: Ledger) -> None:
    """With the trigger disabled by someone with database rights, a changed act is found by `verify`."""
    _year(ledger)
    table = _table(ledger)
    acts = list(ledger.store.read())
    forged = acts[3].as_json() | {"title": "篡改"}
    state = orjson.dumps(
        {"id": forged["id"], "type": forged["type"], "occurred_on": forged["occurred_on"],
         "recorded_at": forged["recorded_at"], "chain": acts[3].chain,
         "fields": {k: forged[k] for k in ("unit", "report", "title")}},
        option=orjson.OPT_SORT_KEYS,
    )  # fmt: skip
    if ledger.store.url.startswith("sqlite"):
        _raw(ledger, "DROP TRIGGER ledger_refuse_update")
        with ledger.store.factory.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
            c.execute(f"UPDATE {table} SET state = ? WHERE rowid = 4", (state,))
    else:
        with ledger.store.factory.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
            c.execute(f"ALTER TABLE {table} DISABLE TRIGGER ledger_append_only")
            c.execute(f"UPDATE {table} SET state = %s WHERE notification_id = 4", (state,))
            c.execute(f"ALTER TABLE {table} ENABLE TRIGGER ledger_append_only")
    checked, position, what = ledger.store.verify()
    assert (checked, position) == (3, 4) and "f2" in what


def test_export_restores_the_same_chain_and_refuses_alterations(
    ledger: Ledger, catalogue: Catalogue, tmp_path: Path
) -> None:
    """An export loaded into an empty ledger reproduces every position, recorded time and hash; an
    altered export, or a non-empty target, is refused and stores nothing."""
    _year(ledger)
    exported = list(ledger.export())
    copy = f"sqlite:///{tmp_path / 'copy.db'}"
    target = Ledger(open_store(copy, catalogue.publications(), catalogue.items()), catalogue)
    try:
        altered = [line.replace("第3号".encode(), "第9号".encode()) for line in exported]
        with pytest.raises(BatchRejected, match="字段 chain"):
            target.restore(altered)
        assert target.store.head() == (0, None)
        assert target.restore(exported) == 6
        assert list(target.export()) == exported
        assert target.store.verify() == (6, None, "哈希链完好 (the chain is intact)")
        with pytest.raises(LedgerError, match="只能恢复到空账本"):
            target.restore(exported)
        again = {"id": "f0", "type": "report.filed", "occurred_on": "2019-01-02", "unit": "xq",
                 "report": "R0", "title": "第0号"}  # fmt: skip
        receipt = target.append([again])
        assert receipt[0].status == "duplicate" and receipt[0].position == 2
    finally:
        target.close()


@pytest.mark.parametrize(
    "act_id",
    ["plain", 'with "quotes" and \\ backslash', "兴庆区-报送-1", "tab\u00e9\u2603", "e\U0001f600"],
)
def test_the_stored_state_is_the_sorted_json_the_chain_hashes(act_id: str) -> None:
    """The state spliced from an act's canonical content is byte for byte the sorted JSON of the act with
    its position and recorded time (what `verify` hashes), for any id and fields."""
    raw = {"id": act_id, "type": "task.assigned", "occurred_on": "2019-03-01", "unit": "xq",
           "task": "T\"1", "item": "网站", "title": "标题 \\ “引号”", "points": 1.25,
           "due_on": "2019-03-31", "required": 3}  # fmt: skip
    act = parse_act(raw, 1)
    recorded_at = "2019-03-01T00:00:00.000001Z"
    state, chain = encode(act, orjson.dumps(recorded_at), 42, GENESIS)
    body = {"id": act.id, "type": act.type, "occurred_on": "2019-03-01", "recorded_at": recorded_at,
            "fields": act.fields}  # fmt: skip
    expected = orjson.dumps({**body, "position": 42}, option=orjson.OPT_SORT_KEYS)
    assert state == expected[:-1] + b',"chain":"' + chain.encode() + b'"}'
    assert chain == link(GENESIS, 42, body)
    assert orjson.loads(state)["id"] == act_id


# --- attacks by someone who can write to the database -----------------------------------------------


def _position_column(ledger: Ledger) -> str:
    return "rowid" if ledger.store.url.startswith("sqlite") else "notification_id"


@contextmanager
def _behind_the_triggers(ledger: Ledger) -> Iterator[Callable[..., list[Any]]]:
    """A connection of its own to the store's database with the append-only triggers out of the way, as an
    attacker with write access has it: SQLite's triggers dropped; on PostgreSQL a superuser in
    `session_replication_role = replica`, which fires no ordinary trigger."""
    store: Any = ledger.store
    if store.url.startswith("sqlite"):
        db = sqlite3.connect(store.path, isolation_level=None)
        for name in ("update", "delete", "replace"):
            db.execute(f"DROP TRIGGER IF EXISTS ledger_refuse_{name}")
        try:
            yield lambda q, p=(): db.execute(q, p).fetchall()
        finally:
            db.close()
        return
    with psycopg.connect(store.url.split("?", 1)[0], autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")

        def run(q: str, p: Sequence[Any] = ()) -> list[Any]:
            cursor = conn.execute(q.replace("?", "%s"), p)  # type: ignore[call-overload]
            return cursor.fetchall() if cursor.description else []

        yield run


def _head_table(ledger: Ledger) -> str:
    return ledger.store.qualify("ledger_head")


def _forget_checkpoints(ledger: Ledger, sql: Callable[..., list[Any]]) -> None:
    """What the full attacker does too: delete the checkpoints the ledger keeps in its own database."""
    if KnownCheckpoints(ledger.store).all():
        sql(f"DELETE FROM {ledger.store.qualify('ledger_checkpoints')}")


def _rewrite_from(ledger: Ledger, position: int, title: str, *, forget: bool = True) -> None:
    """The full rewrite: alter the act at `position`, recompute every later chain hash with the store's own
    `encode`, move the head row's hash to match and (unless `forget` is false) delete the checkpoints the
    database keeps."""
    acts = list(ledger.store.read())
    table, where = _table(ledger), _position_column(ledger)
    previous = acts[position - 2].chain if position > 1 else GENESIS
    with _behind_the_triggers(ledger) as sql:
        for stored in acts[position - 1 :]:
            raw = {k: v for k, v in stored.as_json().items() if k not in ("position", "recorded_at")}
            if stored.position == position:
                raw["title"] = title
            state, previous = encode(parse_act(raw, 1), orjson.dumps(stored.recorded_at), stored.position,
                                     previous)  # fmt: skip
            sql(f"UPDATE {table} SET state = ? WHERE {where} = ?", (state, stored.position))
        sql(f"UPDATE {_head_table(ledger)} SET chain = ? WHERE id = 1", (previous,))
        if forget:
            _forget_checkpoints(ledger, sql)


def test_sqlite_refuses_insert_or_replace_and_upserts_over_stored_rows(sqlite_ledger: Ledger) -> None:
    """On SQLite, INSERT OR REPLACE, REPLACE and INSERT ... ON CONFLICT DO UPDATE over a stored row are
    refused as UPDATE and DELETE are, and the row is left as it was."""
    _year(sqlite_ledger)
    table = _table(sqlite_ledger)
    before = list(sqlite_ledger.store.read())
    oid = originator_id("u1")
    columns = f"{table} (rowid, originator_id, originator_version, topic, state)"
    for statement, params in (
        (f"INSERT OR REPLACE INTO {columns} VALUES (1, ?, 1, 'unit.registered', x'00')", ("other",)),
        (f"INSERT OR REPLACE INTO {columns} VALUES (99, ?, 1, 'x', x'00')", (oid,)),
        (f"REPLACE INTO {table} (originator_id, originator_version, topic, state) VALUES (?, 1, 'x', x'00')",
         (oid,)),
        (f"INSERT INTO {columns} VALUES (1, 'n', 1, 'x', x'00') ON CONFLICT DO UPDATE SET topic = 'x'", ()),
        (f"INSERT INTO {table} (originator_id, originator_version, topic, state) VALUES (?, 1, 'x', x'00') "
         "ON CONFLICT (originator_id, originator_version) DO UPDATE SET topic = 'x'", (oid,)),
    ):  # fmt: skip
        with (
            pytest.raises(sqlite3.IntegrityError, match="append-only"),
            sqlite3.connect(sqlite_ledger.store.path) as db,  # type: ignore[attr-defined]
        ):
            db.execute(statement, params)
    assert list(sqlite_ledger.store.read()) == before
    assert sqlite_ledger.store.verify() == (6, None, "哈希链完好 (the chain is intact)")


def test_a_sqlite_file_made_before_the_replace_trigger_gets_it_when_opened(
    sqlite_url: str, catalogue: Catalogue
) -> None:
    """A ledger file made before inserts over stored rows were refused is brought up to date on opening."""
    with open_store(sqlite_url, catalogue.publications(), catalogue.items()) as store:
        path = store.path  # type: ignore[attr-defined]
    with sqlite3.connect(path) as db:
        db.execute("DROP TRIGGER ledger_refuse_replace")
    with open_store(sqlite_url, catalogue.publications(), catalogue.items()), sqlite3.connect(path) as db:
        assert db.execute("SELECT 1 FROM sqlite_master WHERE name = 'ledger_refuse_replace'").fetchone()


@pytest.mark.postgres
def test_postgres_refuses_an_upsert_over_a_stored_row(postgres_url: str, catalogue: Catalogue) -> None:
    """On PostgreSQL, INSERT ... ON CONFLICT DO UPDATE over a stored row meets the update trigger."""
    with open_store(postgres_url, catalogue.publications(), catalogue.items()) as store:
        ledger = Ledger(store, catalogue)
        _year(ledger)
        before = list(store.read())
        statement = (
            f"INSERT INTO {_table(ledger)} (originator_id, originator_version, topic, state) "
            "VALUES (%s, 1, 'x', '\\x00') ON CONFLICT (originator_id, originator_version) "
            "DO UPDATE SET topic = 'x'"
        )
        with pytest.raises(Exception, match="append-only: UPDATE is refused"):
            _raw_with(ledger, statement, (originator_id("u1"),))
        assert list(store.read()) == before
        assert store.verify() == (6, None, "哈希链完好 (the chain is intact)")


def _raw_with(ledger: Ledger, statement: str, params: Sequence[Any]) -> None:
    with ledger.store.factory.datastore.transaction(commit=True) as c:  # type: ignore[attr-defined]
        c.execute(statement, params)


def test_a_changed_topic_is_named_by_verify_and_does_not_change_typed_reads(ledger: Ledger) -> None:
    """An act's topic column changed behind the triggers: reads by type still find it by its hashed
    state, an act given another act's topic is not read as that type, and verify names the position."""
    _year(ledger)
    table, where = _table(ledger), _position_column(ledger)
    with _behind_the_triggers(ledger) as sql:
        sql(f"UPDATE {table} SET topic = 'commission.missed' WHERE {where} = 1")
        sql(f"UPDATE {table} SET topic = 'unit.registered' WHERE {where} = 2")
    units = [a.id for a in ledger.store.read(types=["unit.registered"])]
    assert units == ["u1"]
    assert [a.id for a in ledger.store.read(types=["commission.missed"])] == []
    assert "xq" in ledger.units()
    checked, position, what = ledger.store.verify()
    assert (checked, position) == (0, 1) and "类型列为 'commission.missed'" in what


def test_a_moved_originator_id_is_named_by_verify(ledger: Ledger) -> None:
    """An act's originator id changed behind the triggers is named by verify at its position."""
    _year(ledger)
    with _behind_the_triggers(ledger) as sql:
        sql(f"UPDATE {_table(ledger)} SET originator_id = ? WHERE {_position_column(ledger)} = 3",
            (originator_id("elsewhere"),))  # fmt: skip
    assert ledger.store.verify()[:2] == (2, 3)


def test_a_full_rewrite_passes_plain_verify_but_not_a_checkpoint_made_before_it(ledger: Ledger) -> None:
    """A rewrite that recomputes every later hash and the head passes the chain alone (it proves nothing
    against someone who can write to the database); a checkpoint signed before it names where history
    diverges, a forged checkpoint is refused, and history truncated below a checkpoint is found."""
    _year(ledger)  # positions 1-3, then 4-6
    key = Ed25519PrivateKey.generate()
    at_three = take(ledger.store, key, upto=3)
    at_six = take(ledger.store, key)
    assert (at_three.position, at_six.position) == (3, 6)
    given = [("cp3.json", at_three), ("cp6.json", at_six)]
    assert audit(ledger.store, given, [key.public_key()]).ok

    _rewrite_from(ledger, 4, "篡改")
    # The chain alone is fooled: every hash and the head were recomputed.
    assert ledger.store.verify() == (6, None, "哈希链完好 (the chain is intact)")
    assert next(a for a in ledger.store.read() if a.position == 4).fields["title"] == "篡改"

    found = audit(ledger.store, given, [key.public_key()])
    assert not found.ok and found.found.broken == 6 and found.contradicted == ["cp6.json"]
    assert "位置 4–6" in found.found.what
    assert "与位置 3 的检查点相符" in found.found.what

    forged = replace(at_six, chain=list(ledger.store.read())[-1].chain)  # the rewritten head, old signature
    refused = audit(ledger.store, [("forged.json", forged)], [key.public_key()])
    assert refused.refused and refused.refused[0][0] == "forged.json" and "签名无效" in refused.refused[0][1]
    other = take(ledger.store, Ed25519PrivateKey.generate())
    assert "不是所给公钥" in audit(ledger.store, [("x.json", other)], [key.public_key()]).refused[0][1]

    with _behind_the_triggers(ledger) as sql:
        _forget_checkpoints(ledger, sql)
        sql(f"DELETE FROM {_table(ledger)} WHERE {_position_column(ledger)} > 2")
        sql(f"UPDATE {_head_table(ledger)} SET position = 2, chain = ? WHERE id = 1",
            (list(ledger.store.read())[1].chain,))  # fmt: skip
    truncated = audit(ledger.store, given[:1], [key.public_key()])
    assert truncated.found.broken == 3 and "位置 3–3 的行为已被删除" in truncated.found.what
    assert truncated.contradicted == ["cp3.json"]


def test_verify_checks_the_checkpoints_the_ledger_keeps(ledger: Ledger) -> None:
    """Every checkpoint signed is also kept in the database: a full rewrite that leaves them is caught by
    verify without any file given; one whose row is edited is refused by its signature; an attacker who
    deletes them is caught only by the copies kept outside."""
    _year(ledger)
    key = Ed25519PrivateKey.generate()
    made = take(ledger.store, key, upto=5)
    assert [c.signature for _, c in KnownCheckpoints(ledger.store).all()] == [made.signature]
    take(ledger.store, key, upto=5)  # signed again: kept once more (another signature time)
    assert audit(ledger.store, [], [key.public_key()]).ok
    _rewrite_from(ledger, 4, "篡改", forget=False)
    found = audit(ledger.store, [], [key.public_key()])
    assert not found.ok and found.found.broken == 5
    assert found.contradicted and all(where == "数据库中位置 5 的检查点" for where in found.contradicted)
    with _behind_the_triggers(ledger) as sql:  # forge the kept rows to the rewritten chain
        sql(f"UPDATE {ledger.store.qualify('ledger_checkpoints')} SET document = replace(document, ?, ?)",
            (made.chain, list(ledger.store.read())[4].chain))  # fmt: skip
    forged = audit(ledger.store, [], [key.public_key()])
    assert forged.refused and all("签名无效" in why for _, why in forged.refused)
    with _behind_the_triggers(ledger) as sql:
        _forget_checkpoints(ledger, sql)
    assert audit(ledger.store, [], [key.public_key()]).ok  # the database alone proves nothing
    assert not audit(ledger.store, [("cp5.json", made)], [key.public_key()]).ok
