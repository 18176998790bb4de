"""The act store's contract, run alike on SQLite and PostgreSQL: append-only, ordered, idempotent, atomic."""

from __future__ import annotations

import contextlib
import sys
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import orjson
import pytest

from ledger import services
from ledger.acts import Act, parse_act
from ledger.errors import BatchRejected
from ledger.rulebooks import Catalogue
from ledger.services import Ledger
from ledger.store import Receipt, Store, base, open_store
from ledger.store.base import utc_now
from ledger.store.sqlite import SQLiteStore

Raw = dict[str, Any]
MAY_1, MAY_2, MAY_3 = (f"2019-05-0{d}T08:00:00.000000Z" for d in (1, 2, 3))


def make(kind: str, day: str, **fields: Any) -> Raw:
    return {"type": kind, "occurred_on": day, **fields}


def unit(act_id: str, slug: str, name: str = "区") -> Raw:
    return make("unit.registered", "2019-01-02", id=act_id, unit=slug, name=name, **{"class": "county"})


def missed(slug: str, act_id: str | None = None) -> Raw:
    return make("commission.missed", "2019-05-01", unit=slug, **({"id": act_id} if act_id else {}))


SEED = [
    unit("u1", "xingqing", "兴庆区"),
    unit("u2", "jinfeng", "金凤区"),
    make("report.filed", "2019-03-01", id="f1", unit="xingqing", report="R1", title="兴庆区“放管服”改革"),
    make("report.adopted", "2019-03-05", id="a1", report="R1", publication="yinchuan-zwxx", form="item"),
    make("event.voided", "2019-03-06", id="v1", target="a1", reason="误录，予以撤销"),
]
GOOD = make("report.filed", "2019-04-01", id="g1", unit="jinfeng", report="R2", title="金凤区")
ADOPT = make("report.adopted", "2019-03-07", report="R1", publication="yinchuan-zwxx", form="item")
VOID = make("event.voided", "2019-04-01", reason="撤销")


def numbered(raws: list[Raw]) -> list[tuple[int, Act]]:
    return [(i, parse_act(r, i)) for i, r in enumerate(raws, start=1)]


def ids(acts: Iterable[Any]) -> list[str]:
    return [a["id"] if isinstance(a, dict) else a.id for a in acts]


def snapshot(store: Store) -> Any:
    return store.head(), list(store.read())


def clocked(store: Store, raws: list[Raw], now: str) -> list[Receipt]:
    return store.append(numbered(raws), clock=lambda: now)


@pytest.fixture
def seeded(ledger: Ledger) -> Ledger:
    ledger.append(SEED)
    return ledger


@pytest.fixture
def reopen(database_url: str, catalogue: Catalogue) -> Iterator[Callable[[], Store]]:
    """Open further stores on the same database, as other processes would."""
    opened: list[Store] = []

    def another() -> Store:
        opened.append(open_store(database_url, catalogue.publications(), catalogue.items()))
        return opened[-1]

    yield another
    for s in opened:
        s.close()


def test_appended_acts_read_back_exactly(ledger: Ledger, store: Store) -> None:
    """Stored acts keep id, type, date and fields exactly, Chinese text intact; a missing id gets a UUID."""
    receipts = ledger.append([*SEED, missed("jinfeng")])
    stored = list(store.read())
    assert [r.status for r in receipts] == ["new"] * 6
    for raw, act in zip([*SEED, {**missed("jinfeng"), "id": receipts[5].id}], stored, strict=True):
        assert make(act.type, act.occurred_on.isoformat(), id=act.id, **act.fields) == raw
    assert stored[2].fields["title"] == "兴庆区“放管服”改革"
    assert stored[5].id == str(uuid.UUID(stored[5].id))
    assert [(a.position, a.recorded_at) for a in stored] == [(r.position, r.recorded_at) for r in receipts]


def test_positions_are_contiguous_in_commit_order(seeded: Ledger, store: Store) -> None:
    """Positions run 1..n without gaps across batches, in commit order rather than date order."""
    seeded.append([missed("jinfeng", "m1")])
    seeded.append([{**missed("jinfeng", "m2"), "occurred_on": "2019-02-01"}])
    seeded.append([])
    ids = ["u1", "u2", "f1", "a1", "v1", "m1", "m2"]
    assert [(a.position, a.id) for a in store.read()] == list(enumerate(ids, start=1))


def test_recorded_at_never_goes_backwards_even_when_the_clock_does(store: Store) -> None:
    """A clock that runs backwards cannot make a later act's recorded_at earlier than a stored one."""
    first = clocked(store, SEED[:2], MAY_2)
    behind = clocked(store, SEED[2:3], MAY_1)
    ahead = clocked(store, SEED[3:], MAY_3)
    assert [r.recorded_at for r in first + behind + ahead] == [MAY_2] * 3 + [MAY_3] * 2
    assert [a.recorded_at for a in store.read()] == [MAY_2] * 3 + [MAY_3] * 2
    assert store.head() == (5, MAY_3)


def test_the_server_clock_records_utc_times(ledger: Ledger) -> None:
    """Without a clock given, recorded_at is the current UTC time to the microsecond, ending in Z."""
    before = utc_now()
    (receipt,) = ledger.append(SEED[:1])
    assert receipt.recorded_at.endswith("Z") and len(receipt.recorded_at) == len(before)
    assert before <= receipt.recorded_at <= utc_now()


def test_head_and_read_after_types_and_known_at(store: Store) -> None:
    """head() names the last act; read() resumes after a position, filters types, stops at known-at, pages."""
    assert store.head() == (0, None)
    clocked(store, SEED[:3], MAY_1)
    clocked(store, SEED[3:], MAY_3)
    assert [a.position for a in store.read(after=3)] == [4, 5]
    assert list(store.read(after=5)) == []
    assert store.head() == (5, MAY_3)
    assert ids(store.read(types=["event.voided", "unit.registered"], batch=1)) == ["u1", "u2", "v1"]
    assert ids(store.read(known_at=MAY_1)) == ["u1", "u2", "f1"]
    assert ids(store.read(known_at=MAY_2, types=["report.filed", "report.adopted"])) == ["f1"]
    assert ids(store.read(known_at="2019-04-30T00:00:00.000000Z")) == []
    assert ids(store.read(batch=2)) == ["u1", "u2", "f1", "a1", "v1"]


def test_find_reads_one_act_by_its_id(seeded: Ledger, store: Store) -> None:
    """find() answers the stored act of an id, as read() gives it, and None for an id never stored."""
    assert store.find("a1") == next(a for a in store.read() if a.id == "a1")
    assert store.find("nowhere") is None


def test_an_identical_repeat_is_a_duplicate_with_the_original_receipt(seeded: Ledger, store: Store) -> None:
    """Re-sending stored acts stores nothing and answers their original positions and times."""
    before = snapshot(store)
    receipts = seeded.append([SEED[3], SEED[0]])
    stored = {a.id: a for a in before[1]}
    assert [(r.status, r.position, r.recorded_at) for r in receipts] == [
        ("duplicate", stored[i].position, stored[i].recorded_at) for i in ("a1", "u1")
    ]
    assert snapshot(store) == before
    twice = seeded.append([missed("jinfeng", "m1"), missed("jinfeng", "m1")])
    assert [(r.status, r.position) for r in twice] == [("new", 6), ("duplicate", 6)]
    assert twice[0].recorded_at == twice[1].recorded_at == store.head()[1]


def test_an_id_reused_with_other_content_rejects_the_whole_batch(seeded: Ledger, store: Store) -> None:
    """The same id with different content is a conflict, and no act of that batch is stored."""
    before = snapshot(store)
    with pytest.raises(BatchRejected) as caught:
        seeded.append([missed("jinfeng", "m1"), {**SEED[2], "title": "另一标题"}])
    assert caught.value.conflict
    assert "第 2 行，字段 id" in str(caught.value)
    assert snapshot(store) == before


def test_importing_the_same_file_twice_changes_nothing(ledger: Ledger, store: Store) -> None:
    """A second import of the same file reports every act as a duplicate and stores nothing."""
    lines = [orjson.dumps(r) + b"\n" for r in SEED]
    assert ledger.import_lines(lines).new == 5
    before = snapshot(store)
    again = ledger.import_lines(lines)
    assert (again.new, again.duplicates) == (0, 5)
    assert snapshot(store) == before


def filings(count: int, start: int = 0) -> list[bytes]:
    made = (make("report.filed", "2019-04-02", id=f"p{k}", unit="jinfeng", report=f"P{k}", title="t") for k in
            range(start, start + count))  # fmt: skip
    return [orjson.dumps(r) for r in made]


@pytest.fixture(params=["direct", "pipelined"])
def pipeline(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Batches written directly, or as large ones are (on SQLite, through the writer process)."""
    if request.param == "pipelined":
        monkeypatch.setattr(base, "LARGE", 3)
    return str(request.param)


def test_a_file_is_stored_in_parts_within_one_transaction(
    seeded: Ledger, store: Store, monkeypatch: pytest.MonkeyPatch, pipeline: str
) -> None:
    """A file larger than a part is stored whole, with positions and chain as one batch; progress hears
    each part; re-importing it finds every act stored."""
    monkeypatch.setattr(services, "PART", 7)
    heard: list[int] = []
    lines = [*filings(10), b"\n", orjson.dumps(missed("jinfeng")), *filings(9, 10)]
    result = seeded.import_lines(lines, progress=heard.append)
    assert (result.new, result.duplicates, result.acts) == (20, 0, 20)
    assert heard == [7, 14, 20]
    stored = list(store.read())
    assert [a.position for a in stored] == list(range(1, 26))
    assert len({a.recorded_at for a in stored[5:]}) == 1
    assert store.verify() == (25, None, "哈希链完好 (the chain is intact)")
    again = seeded.import_lines(lines)
    assert (again.new, again.duplicates) == (0, 20)


@pytest.mark.parametrize("bad_at", [3, 12, 21])
def test_a_bad_line_in_any_part_leaves_no_trace(
    seeded: Ledger, store: Store, monkeypatch: pytest.MonkeyPatch, bad_at: int, pipeline: str
) -> None:
    """A bad line in the first, a middle or the last part rejects the whole file, though earlier parts
    were already written in its transaction; the ledger and its index are as they were, so the same
    ids can be imported afterwards."""
    monkeypatch.setattr(services, "PART", 7)
    before = snapshot(store)
    good = filings(21)
    unknown_unit = orjson.dumps({**GOOD, "id": "x", "unit": "nobody"})
    for bad, field in ((b'{"type": ', None), (unknown_unit, "unit")):
        lines = [*good[: bad_at - 1], bad, *good[bad_at - 1 :]]
        with pytest.raises(BatchRejected) as caught:
            seeded.import_lines(lines)
        (error,) = caught.value.errors
        assert error.where == bad_at and error.field == field
        assert snapshot(store) == before
    assert seeded.import_lines(good).new == 21


def test_a_large_batch_is_stored_in_parts_with_its_receipts(
    seeded: Ledger, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch of many parts (large enough for the pipeline) answers each act, duplicates included."""
    monkeypatch.setattr(base, "LARGE", 3)
    monkeypatch.setattr(base, "PART", 2)
    raws = [orjson.loads(line) for line in filings(5)]
    receipts = seeded.append([*raws, raws[1], SEED[0]])
    assert [(r.id, r.position, r.status) for r in receipts] == [
        *((f"p{k}", 6 + k, "new") for k in range(5)),
        ("p1", 7, "duplicate"),
        ("u1", 1, "duplicate"),
    ]
    assert store.verify() == (10, None, "哈希链完好 (the chain is intact)")
    if isinstance(store, SQLiteStore):  # the inserts went through the writer process
        assert store._writer is not None and store._writer.alive()


def test_every_bad_line_of_every_part_is_named(seeded: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    """Checking goes on past the first bad part: each bad line is named, of whatever part."""
    monkeypatch.setattr(services, "PART", 4)
    lines = filings(12)
    lines[1] = orjson.dumps({**GOOD, "id": "x1", "unit": "nobody"})
    lines[9] = orjson.dumps({**GOOD, "id": "x2", "report": "R1"})
    with pytest.raises(BatchRejected) as caught:
        seeded.import_lines(lines)
    assert [(e.where, e.field) for e in caught.value.errors] == [(2, "unit"), (10, "report")]


BAD_LINES: list[tuple[str, bytes | Raw, str | None]] = [
    ("unknown type", {**GOOD, "id": "b", "type": "report.deleted"}, "type"),
    ("bad date", {**GOOD, "id": "b", "occurred_on": "2019-02-30"}, "occurred_on"),
    ("wrong type", {**GOOD, "id": "b", "title": 5}, "title"),
    ("empty string", {**GOOD, "id": "b", "title": ""}, "title"),
    ("missing field", {k: v for k, v in GOOD.items() if k != "title"}, "title"),
    ("control character in id", {**GOOD, "id": "b\x07"}, "id"),
    ("extra field", {**GOOD, "id": "b", "colour": "red"}, "colour"),
    ("non-object line", b"[1, 2]", None),
    ("invalid JSON line", b'{"type": "report.filed",', None),
    ("unknown unit", {**GOOD, "id": "b", "unit": "xixia"}, "unit"),
    ("unknown report", {**ADOPT, "id": "b", "report": "R9"}, "report"),
    ("adoption before its filing", {**ADOPT, "id": "b", "occurred_on": "2019-02-28"}, "occurred_on"),
    ("report filed twice", {**GOOD, "id": "b", "report": "R1"}, "report"),
    ("void of an unknown act", {**VOID, "id": "b", "target": "zz"}, "target"),
    ("void of a void", {**VOID, "id": "b", "target": "v1"}, "target"),
    ("voiding twice", {**VOID, "id": "b", "target": "a1"}, "target"),
    ("combined without units", {**ADOPT, "id": "b", "form": "combined"}, "units"),
    ("units on an item", {**ADOPT, "id": "b", "units": ["xingqing"]}, "units"),
    ("unknown unit in units", {**ADOPT, "id": "b", "form": "combined", "units": ["xixia"]}, "units"),
    ("unknown publication", {**ADOPT, "id": "b", "publication": "daily-news"}, "publication"),
    ("conflicting id", {**SEED[0], "name": "兴庆区政府"}, "id"),
    ("NFD report id", {**GOOD, "id": "b", "report": "R-e\u0301"}, "report"),
    ("zero-width space in id", {**GOOD, "id": "b\u200b"}, "id"),
    ("RTL override in title", {**GOOD, "id": "b", "title": "金凤区\u202eexe"}, "title"),
]


@pytest.mark.parametrize(("line", "field"), [c[1:] for c in BAD_LINES], ids=[c[0] for c in BAD_LINES])
def test_a_bad_line_rejects_the_file(seeded: Ledger, store: Store, line: Any, field: str | None) -> None:
    """A bad line is named by number and field, and nothing of its file is stored."""
    before = snapshot(store)
    bad = line if isinstance(line, bytes) else orjson.dumps(line)
    with pytest.raises(BatchRejected) as caught:
        seeded.import_lines(
            [orjson.dumps(GOOD), b"", bad, orjson.dumps({**GOOD, "id": "g2", "report": "R3"})]
        )
    (error,) = caught.value.errors
    assert str(error).startswith("第 3 行：" if field is None else f"第 3 行，字段 {field}：")
    assert str(error) in str(caught.value)
    assert snapshot(store) == before


def test_a_batch_builds_on_itself_and_a_rejected_batch_leaves_no_trace(seeded: Ledger) -> None:
    """Later acts may name earlier ones of their batch; after a rejection the same ids can be reused."""
    batch = [unit("u3", "xixia"), {**GOOD, "unit": "xixia"}, {**ADOPT, "id": "g2", "report": "R2"}]
    with pytest.raises(BatchRejected) as caught:  # the adoption is dated before the filing
        seeded.append(batch)
    assert [(e.where, e.field) for e in caught.value.errors] == [(3, "occurred_on")]
    receipts = seeded.append([*batch[:2], {**batch[2], "occurred_on": "2019-04-02"}])
    assert [(r.status, r.position) for r in receipts] == [("new", 6), ("new", 7), ("new", 8)]


def test_a_voided_filing_lets_the_report_be_filed_again(
    seeded: Ledger, store: Store, reopen: Callable[[], Store]
) -> None:
    """After its filing is voided, the same report id may be filed again by its own unit, also through a
    fresh store, and never by another unit (a report id is its unit's for ever)."""
    seeded.append([{**VOID, "id": "v2", "target": "f1"}])
    with pytest.raises(BatchRejected) as caught:
        reopen().append(numbered([{**GOOD, "id": "f2", "report": "R1"}]))
    assert "belongs to unit 'xingqing'" in str(caught.value)
    again = {**GOOD, "id": "f2", "report": "R1", "unit": "xingqing"}
    assert reopen().append(numbered([again]))[0].position == 7
    assert ids(store.read(types=["report.filed"])) == ["f1", "f2"]


def test_a_reopened_store_sees_everything_and_its_index_catches_up(
    seeded: Ledger, store: Store, reopen: Callable[[], Store]
) -> None:
    """A second store on the database reads every act, answers duplicates and refuses conflicts."""
    second = reopen()
    assert snapshot(second) == snapshot(store)
    (dup,) = second.append(numbered([SEED[2]]))
    assert (dup.status, dup.position, dup.recorded_at) == ("duplicate", 3, list(store.read())[2].recorded_at)
    with pytest.raises(BatchRejected) as caught:
        second.append(numbered([{**SEED[1], "class": "department"}]))
    assert caught.value.conflict
    assert second.append(numbered([GOOD]))[0].position == 6


def test_two_stores_appending_alternately_interleave(store: Store, reopen: Callable[[], Store]) -> None:
    """Two writers taking turns each see the other's acts: positions interleave and references resolve."""
    other = reopen()
    for i, (writer, raw) in enumerate(zip([store, other] * 3, [*SEED, GOOD], strict=True), start=1):
        assert writer.append(numbered([raw]))[0].position == i
    for s in (store, other):
        assert ids(s.read()) == ["u1", "u2", "f1", "a1", "v1", "g1"]
        assert s.append(numbered([SEED[4]]))[0].status == "duplicate"


def run_threads(count: int, work: Callable[[int], None]) -> None:
    """Run work(0..count-1) in threads started together; re-raise any failure in the test's thread."""
    failures: list[BaseException] = []
    start = threading.Barrier(count)

    def guarded(n: int) -> None:
        try:
            start.wait()
            work(n)
        except BaseException as e:
            failures.append(e)

    threads = [threading.Thread(target=guarded, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, failures


def test_concurrent_writers_store_every_acknowledged_act_exactly_once(
    seeded: Ledger, store: Store, reopen: Callable[[], Store]
) -> None:
    """Four threads with their own stores append overlapping batches; each act is stored once, in order."""
    receipts: list[Receipt] = []
    stores = [reopen() for _ in range(4)]

    def work(n: int) -> None:
        for b in range(25):
            shared = [missed("jinfeng", f"c{b}-{k}") for k in range(3)]
            own = make("criticism.notified", "2019-05-02", id=f"t{n}-{b}", unit="xingqing", notifier="city")
            receipts.extend(stores[n].append(numbered([*shared, own])))

    run_threads(4, work)
    stored = list(store.read())
    assert [a.position for a in stored] == list(range(1, 5 + 75 + 100 + 1))
    where = {a.id: (a.position, a.recorded_at) for a in stored}
    assert len(where) == len(stored) == 180
    assert sorted(r.id for r in receipts if r.status == "new") == sorted(where.keys() - set(ids(SEED)))
    assert all((r.position, r.recorded_at) == where[r.id] for r in receipts)
    times = [a.recorded_at for a in stored]
    assert times == sorted(times)
    assert store.head() == (180, times[-1])


def test_the_same_act_sent_concurrently_is_stored_once(
    seeded: Ledger, store: Store, reopen: Callable[[], Store]
) -> None:
    """Six writers racing to append one act: one stores it, the others are told it is a duplicate."""
    stores = [reopen() for _ in range(6)]
    receipts: list[Receipt] = []
    run_threads(6, lambda n: receipts.extend(stores[n].append(numbered([GOOD]))))
    assert sorted(r.status for r in receipts) == ["duplicate"] * 5 + ["new"]
    assert {(r.position, r.recorded_at) for r in receipts} == {store.head()}
    assert ids(store.read(after=5)) == ["g1"]


def test_threads_sharing_one_store_keep_its_index_true(seeded: Ledger, store: Store) -> None:
    """One store serving several threads (as a server does) stores each act once and forgets rejected ones."""
    receipts: list[Receipt] = []

    def work(n: int) -> None:
        for b in range(100):
            bad = [missed("xixia")] * (b % 2)  # every other batch names an unknown unit and is rejected
            with contextlib.suppress(BatchRejected):
                receipts.extend(store.append(numbered([unit(f"r{n}-{b}", f"u{n}-{b}"), *bad])))

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, to expose any unguarded shared state
    try:
        run_threads(4, work)
    finally:
        sys.setswitchinterval(switch)
    assert [a.position for a in store.read()] == list(range(1, 5 + 200 + 1))
    assert sorted(r.position for r in receipts) == list(range(6, 206))
    with pytest.raises(BatchRejected) as caught:  # the units of rejected batches must still be unknown
        store.append(numbered([missed(f"u{n}-{b}") for n in range(4) for b in range(1, 100, 2)]))
    assert len(caught.value.errors) == 200
