"""The projection worker: exactly once with several workers, restartable after SIGKILL, rebuilt when a
rulebook changes, and read by a service that does not project itself. Real processes, real databases."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
import pytest

from ledger.api.projection import Projection
from ledger.projection_worker import ProjectionWorker
from ledger.rulebooks import Catalogue
from ledger.services import Ledger
from ledger.store import open_store
from ledger.store.scores import ScoreTables
from tests.projected import ROOT, assert_tables_replay, later_acts, sample_year, stored_rows
from tests.serving import serving

RULEBOOK = "yinchuan-2018"


@contextmanager
def project(database_url: str, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A `ledger project` process, looking for new acts every 0.1 s; killed if still running at the end."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "ledger", "project", "--rulebook", RULEBOOK, "--db", database_url,
             "--interval", "0.1"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def tracked_position(ledger: Ledger) -> int:
    tables = ScoreTables(ledger.store)
    tracked = tables.tracked(RULEBOOK) if tables.ready() else None
    return tracked.position if tracked else 0


def wait_for_head(ledger: Ledger, seconds: float = 120) -> None:
    head, _ = ledger.store.head()
    deadline = time.monotonic() + seconds
    while tracked_position(ledger) < head:
        assert time.monotonic() < deadline, f"the projection did not reach position {head}"
        time.sleep(0.1)


def test_two_workers_apply_each_act_once(ledger: Ledger, database_url: str, catalogue: Catalogue) -> None:
    """Two workers without leases on one database: the one whose compare-and-set fails writes nothing
    and takes the tracking row as it finds it (ahead of it, or behind it and then caught up from there),
    and the tables stay those of a replay."""
    acts = sample_year()
    ledger.append(acts[:6000])
    with open_store(database_url, catalogue.publications(), catalogue.items()) as elsewhere:
        a = ProjectionWorker(ledger.store, catalogue, [RULEBOOK], exclusive=False)
        b = ProjectionWorker(elsewhere, catalogue, [RULEBOOK], exclusive=False)
        assert a.step().rescored[RULEBOOK] > 0
        first = b.step()  # b re-folds what the rows include already, rescoring nothing
        assert first.folded == 6000 and first.rescored[RULEBOOK] == 0
        ledger.append(acts[6000:8000])
        assert a.step().positions[RULEBOOK].position == 8000
        ledger.append(acts[8000:10000])
        # b started from 6000: it loses to a's 8000, keeps what 6000..10000 touched, then writes 8000..10000.
        lost = b.step()
        assert lost.lost == [RULEBOOK] and lost.positions[RULEBOOK].position == 8000
        assert b.step().positions[RULEBOOK].position == 10000
        assert_tables_replay(ledger, RULEBOOK)
        ledger.append(acts[10000:])
        assert b.step().positions[RULEBOOK].position == len(acts)
        # a is behind the rows now: it loses, and takes them as found.
        behind = a.step()
        assert behind.lost == [RULEBOOK] and behind.positions[RULEBOOK].position == len(acts)
        assert a.step().lost == [] and a.step().rescored[RULEBOOK] == 0
        assert_tables_replay(ledger, RULEBOOK)


def test_workers_racing_in_threads_leave_a_replay(
    ledger: Ledger, database_url: str, catalogue: Catalogue
) -> None:
    """Two workers without leases step as fast as they can while acts arrive; whichever wins each
    compare-and-set, the tables end as a replay."""
    rng = random.Random(5)
    acts = sample_year()
    ledger.append(acts[:5000])
    stop = threading.Event()
    with (
        open_store(database_url, catalogue.publications(), catalogue.items()) as one,
        open_store(database_url, catalogue.publications(), catalogue.items()) as two,
    ):
        workers = [ProjectionWorker(s, catalogue, [RULEBOOK], exclusive=False) for s in (one, two)]
        threads = [threading.Thread(target=w.run, args=(stop,), kwargs={"interval": 0.01}) for w in workers]
        for t in threads:
            t.start()
        try:
            for start in range(5000, len(acts), 1500):
                ledger.append(acts[start : start + 1500])
                time.sleep(0.3)
            for batch in range(3):
                ledger.append(later_acts(rng, acts, 30, batch))
                time.sleep(0.3)
            wait_for_head(ledger)
        finally:
            stop.set()
            for t in threads:
                t.join()
    assert_tables_replay(ledger, RULEBOOK)


def test_a_worker_killed_and_restarted_ends_as_a_replay(
    ledger: Ledger, database_url: str, tmp_path: Path
) -> None:
    """A `ledger project` process SIGKILLed at random moments while acts arrive (some of them while it
    had work in hand), and restarted each time, ends with the rows of a replay, byte for byte, at the
    head; SIGTERM then stops it cleanly."""
    rng = random.Random(13)
    acts = sample_year()
    ledger.append(acts[:4000])
    log = tmp_path / "project.log"
    stored = acts[:4000]
    killed_behind = 0
    for chunk, start in enumerate(range(4000, len(acts), 2200)):
        with project(ledger.store.url, log) as worker:
            ledger.append(acts[start : start + 2200])
            stored += acts[start : start + 2200]
            ledger.append(later_acts(rng, stored, 20, chunk))
            time.sleep(rng.uniform(0.3, 1.5))
            killed_behind += tracked_position(ledger) < ledger.store.head()[0]
            worker.send_signal(signal.SIGKILL)
            worker.wait()
    assert killed_behind, "no kill came while the worker had work in hand"
    with project(ledger.store.url, log) as worker:
        wait_for_head(ledger)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=20) == 0
    assert log.read_text().rstrip().endswith("已停止")
    assert_tables_replay(ledger, RULEBOOK)


def test_one_worker_projects_and_another_takes_over(ledger: Ledger, tmp_path: Path) -> None:
    """Two `ledger project` processes on one database: one holds the rulebook's lease and projects, the
    other waits; when the first is killed, the second takes over from the tracked position."""
    acts = sample_year()
    ledger.append(acts[:6000])
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    with project(ledger.store.url, logs[0]) as first, project(ledger.store.url, logs[1]) as second:
        wait_for_head(ledger)
        deadline = time.monotonic() + 30
        while not any("由另一个投影进程投影" in log.read_text() for log in logs):
            assert time.monotonic() < deadline, "neither worker saw the other's lease"
            time.sleep(0.1)
        leader, follower = (first, second) if "另一个投影进程" in logs[1].read_text() else (second, first)
        follower_log = logs[1] if follower is second else logs[0]
        assert "重算" not in follower_log.read_text()
        leader.send_signal(signal.SIGKILL)
        leader.wait()
        ledger.append(acts[6000:])
        wait_for_head(ledger)
        deadline = time.monotonic() + 30  # the worker prints its step after committing it
        while "重算" not in follower_log.read_text():
            assert time.monotonic() < deadline, "the follower never rescored"
            time.sleep(0.1)
        assert follower.poll() is None
    assert_tables_replay(ledger, RULEBOOK)


def test_a_changed_rulebook_is_projected_anew(ledger: Ledger, catalogue: Catalogue, tmp_path: Path) -> None:
    """Rows made with one sha256 of a rulebook are made anew, from every act, by a worker whose catalogue
    has another; meanwhile, and afterwards for a service still on the old file, queries are replayed."""
    folder = tmp_path / "rulebooks"
    folder.mkdir()
    source = folder / "yinchuan-2018.toml"
    shutil.copy(ROOT / "rulebooks" / "yinchuan-2018.toml", source)
    old = Catalogue.load([folder])
    ledger.append(sample_year()[:5000])
    ProjectionWorker(ledger.store, old, [RULEBOOK], exclusive=False).step()
    before = stored_rows(ledger.store, RULEBOOK)
    text = source.read_text(encoding="utf-8")
    wording = "被评选为优秀信息的每条加2分"
    assert wording in text
    source.write_text(text.replace(wording, wording + "(修订)"), encoding="utf-8")
    new = Catalogue.load([folder])
    assert new.select(RULEBOOK).latest.sha256 != old.select(RULEBOOK).latest.sha256

    rebuilt = ProjectionWorker(ledger.store, new, [RULEBOOK], exclusive=False).step()
    assert rebuilt.rescored[RULEBOOK] == 58  # every unit, though no act came
    changed = Ledger(ledger.store, new)
    tracked = assert_tables_replay(changed, RULEBOOK)
    assert new.select(RULEBOOK).latest.sha256 in tracked.selection
    after = stored_rows(ledger.store, RULEBOOK)
    assert after.keys() == before.keys() and after != before
    assert Projection(changed, None).scores(RULEBOOK, "2019-Q1", None, False) is not None
    assert Projection(Ledger(ledger.store, old), None).scores(RULEBOOK, "2019-Q1", None, False) is None


def test_rows_of_an_older_format_are_never_read_and_are_made_anew(ledger: Ledger) -> None:
    """Rows a worker of an older format wrote (the tracking row names the versions alone, and a document
    lacks what the rows now hold) are not answered from, and the next worker makes them anew."""
    ledger.append(sample_year()[:3000])
    ProjectionWorker(ledger.store, ledger.catalogue, [RULEBOOK], exclusive=False).step()
    versions = [b.identity() for b in ledger.catalogue.select(RULEBOOK).versions]
    older = orjson.dumps(versions, option=orjson.OPT_SORT_KEYS).decode()
    with ledger.store.transaction(commit=True) as c:
        mark = ledger.store.mark
        c.execute(
            f"UPDATE {ledger.store.qualify('ledger_projections')} SET selection = {mark} "
            f"WHERE rulebook = {mark}",
            (older, RULEBOOK),
        )
        c.execute(
            f"UPDATE {ledger.store.qualify('ledger_scores')} SET document = {mark} WHERE rulebook = {mark}",
            ('{"unit": "stale"}', RULEBOOK),
        )
    assert Projection(ledger, None).scores(RULEBOOK, "2019-Q1", None, False) is None
    done = ProjectionWorker(ledger.store, ledger.catalogue, [RULEBOOK], exclusive=False).step()
    assert done.rescored[RULEBOOK] > 50
    assert_tables_replay(ledger, RULEBOOK)
    assert Projection(ledger, None).scores(RULEBOOK, "2019-Q1", None, False) is not None


def test_a_service_without_projection_reads_the_tables_of_a_worker(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`ledger serve` started without --project answers score queries from the tables a separate
    `ledger project` process keeps (as the Ledger-Projected-Position header says), equal to a replay;
    /healthz reports the tracked position; a fresh query waits for the act just stored."""
    monkeypatch.delenv("LEDGER_PROJECT", raising=False)
    acts = sample_year()[:5000]
    with serving(database_url) as server, server.client() as http, project(database_url, tmp_path / "p.log"):
        assert http.post("/v1/events", json=acts).status_code == 201
        deadline = time.monotonic() + 120
        while http.get("/healthz").json().get("projected_position") != 5000:
            assert time.monotonic() < deadline, "the worker did not catch up"
            time.sleep(0.1)
        for params in ({"period": "2019-Q2"}, {"period": "2019", "unit": "xingqing"}):
            query = {"rulebook": RULEBOOK, **params}
            projected = http.get("/v1/scores", params=query)
            assert projected.headers["Ledger-Projected-Position"] == "5000"
            known_at = projected.json()["known_at"]
            replayed = http.get("/v1/scores", params={**query, "known_at": known_at})
            assert "Ledger-Projected-Position" not in replayed.headers
            assert projected.json() == replayed.json() and projected.json()["units"][0]["lines"]
        act = {"id": "fresh-1", "type": "report.filed", "occurred_on": "2019-05-06", "unit": "xingqing",
               "report": "XQ-FRESH-1", "title": "新报"}  # fmt: skip
        assert http.post("/v1/events", json=act).status_code == 201
        query = {"rulebook": RULEBOOK, "period": "2019-Q2", "unit": "xingqing"}
        fresh = http.get("/v1/scores", params={**query, "fresh": "true"})
        assert fresh.headers["Ledger-Projected-Position"] == "5001"
        replayed = http.get("/v1/scores", params={**query, "known_at": fresh.json()["known_at"]})
        assert fresh.json() == replayed.json()
