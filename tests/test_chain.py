"""The hash chain over stored acts, on both backends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from ledger.acts import parse_act
from ledger.errors import BatchRejected, LedgerError
from ledger.rulebooks import Catalogue
from ledger.services import Ledger
from ledger.store import open_store
from ledger.store.base import GENESIS, encode, link
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
    assert ledger.store.verify() == (3, None, "the chain is intact")


def test_empty_ledger_verifies(ledger: Ledger) -> None:
    """An empty ledger's chain is trivially intact."""
    assert ledger.store.verify() == (0, None, "the chain is intact")


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
    assert ledger.store.verify() == (6, None, "the chain is intact")


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
        with pytest.raises(BatchRejected, match="field 'chain'"):
            target.restore(altered)
        assert target.store.head() == (0, None)
        assert target.restore(exported) == 6
        assert list(target.export()) == exported
        assert target.store.verify() == (6, None, "the chain is intact")
        with pytest.raises(LedgerError, match="empty ledger"):
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
