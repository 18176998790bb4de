"""Crash safety: `ledger serve` killed with SIGKILL mid-load, again and again, loses no acknowledged act."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from typing import Any

import httpx

from ledger.acts import parse_act
from ledger.rulebooks import Catalogue
from ledger.store import open_store
from tests.serving import ROOT, free_port, make_tokens

KILLS = 3
CLIENTS = 4


def start(database_url: str, port: int, project: str = "") -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "ledger", "serve", "--port", str(port), "--db", database_url],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "LEDGER_PROJECT": project},
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("ledger serve did not start")


def batch(client: int, n: int) -> list[dict[str, Any]]:
    return [
        {"id": f"c{client}-{n}-{k}", "type": "report.filed", "occurred_on": "2019-05-06", "unit": "xq",
         "report": f"R-{client}-{n}-{k}", "title": "压力测试"}
        for k in range(20)
    ]  # fmt: skip


def test_sigkill_mid_load_loses_nothing_acknowledged(database_url: str) -> None:
    """Four clients append while the server is SIGKILLed three times and restarted: every act whose
    append was acknowledged is stored exactly once, positions have no gaps, and the hash chain verifies."""
    token = make_tokens(database_url, ("office",))["office"]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"}
    server = start(database_url, port)
    httpx.post(f"{url}/v1/events", headers=headers, timeout=30,
               json={"type": "unit.registered", "occurred_on": "2019-01-01", "unit": "xq", "name": "兴庆区",
                     "class": "county"}).raise_for_status()  # fmt: skip
    acknowledged: set[str] = set()
    lock = threading.Lock()
    stop = threading.Event()
    failures = Counter[str]()

    def client(number: int) -> None:
        n = 0
        with httpx.Client(base_url=url, headers=headers, timeout=10) as http:
            while not stop.is_set():
                acts = batch(number, n)
                try:
                    answer = http.post("/v1/events", json=acts)
                except httpx.TransportError:
                    failures["transport"] += 1
                    time.sleep(0.2)
                    continue  # the server is down: retry the same batch (appends are idempotent)
                if answer.status_code in (200, 201):
                    with lock:
                        acknowledged.update(a["id"] for a in answer.json()["acts"])
                    n += 1
                else:
                    failures[str(answer.status_code)] += 1
                    time.sleep(0.2)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    rng = random.Random(7)
    try:
        for _ in range(KILLS):
            time.sleep(rng.uniform(0.8, 1.6))
            server.send_signal(signal.SIGKILL)
            server.wait()
            server = start(database_url, port)
        time.sleep(1.0)
    finally:
        stop.set()
        for t in threads:
            t.join()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)

    # Restarted with a score projection: once it has caught up, it answers exactly as a full replay.
    server = start(database_url, port, project="yinchuan-2018")
    catalogue = Catalogue.load()
    try:
        with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
            with open_store(database_url, catalogue.publications(), catalogue.items()) as store:
                head, _ = store.head()
            for _ in range(600):
                if http.get("/healthz").json().get("projected_position", 0) >= head:
                    break
                time.sleep(0.1)
            query = {"rulebook": "yinchuan-2018", "period": "2019-Q2"}
            projected = http.get("/v1/scores", params=query).json()
            replayed = http.get("/v1/scores", params={**query, "known_at": projected["known_at"]}).json()
        assert projected == replayed and projected["units"][0]["lines"]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)

    with open_store(database_url, catalogue.publications(), catalogue.items()) as store:
        stored = list(store.read())
        checked, broken, what = store.verify()
    counts = Counter(a.id for a in stored)
    assert len(acknowledged) > 100, f"too little load to mean anything: {len(acknowledged)} acts"
    assert all(counts[i] == 1 for i in acknowledged), "an acknowledged act is missing or stored twice"
    assert max(counts.values()) == 1
    assert [a.position for a in stored] == list(range(1, len(stored) + 1))
    assert broken is None, what
    assert failures["500"] == 0
    print(
        f"\ncrash: {KILLS} kills survived, {len(acknowledged)} acknowledged acts checked, {len(stored)} "
        f"stored, chain verified over {checked}, client retries {dict(failures)}"
    )


IMPORTER = """
import sys, time
from ledger.services import Ledger, Settings
from ledger.store import base
base.PART = 1000
ledger = Ledger.open(Settings(sys.argv[1]))

UNIT = b'{"id":"u","type":"unit.registered","occurred_on":"2019-01-01","unit":"xq","name":"x","class":"c"}'
FILED = b'{"id":"f%d","type":"report.filed","occurred_on":"2019-05-06","unit":"xq","report":"%d","title":"t"}'

def lines():
    yield UNIT
    for k in range(10**7):
        if k == 20_000:
            print(ledger.store._writer.process.pid, flush=True)  # the writer child, mid-batch
        if k > 20_000:
            time.sleep(0.001)
        yield FILED % (k, k)

ledger.import_lines(lines())
"""


def _importing(sqlite_url: str) -> tuple[subprocess.Popen[str], int]:
    """A process importing a large file into SQLite, stopped mid-batch: it and its writer child's pid."""
    process = subprocess.Popen(
        [sys.executable, "-c", IMPORTER, sqlite_url],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    child = int(process.stdout.readline())
    time.sleep(0.3)  # parts have been inserted in the open transaction
    return process, child


def _gone(pid: int) -> bool:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.05)
    return False


def test_a_killed_importer_leaves_nothing_and_its_writer_ends(sqlite_url: str, catalogue: Catalogue) -> None:
    """SIGKILL of a process mid-way through a large import: its writer child rolls back and ends, and
    the ledger is empty and writable at once."""
    process, child = _importing(sqlite_url)
    process.kill()
    process.communicate()
    assert _gone(child)
    with open_store(sqlite_url, catalogue.publications(), catalogue.items()) as store:
        assert store.head() == (0, None) and not list(store.read())
        assert [r.status for r in store.append(numbered_unit())] == ["new"]


def test_a_killed_writer_fails_the_import_cleanly(sqlite_url: str, catalogue: Catalogue) -> None:
    """SIGKILL of the writer child mid-import: the import fails as the store being away (exit, no
    traceback of ours), nothing is stored."""
    process, child = _importing(sqlite_url)
    os.kill(child, signal.SIGKILL)
    _, err = process.communicate(timeout=60)
    assert process.returncode != 0
    assert "StoreUnavailable: 数据库的写入进程已停止" in err
    with open_store(sqlite_url, catalogue.publications(), catalogue.items()) as store:
        assert store.head() == (0, None) and not list(store.read())


def numbered_unit() -> list[tuple[int, Any]]:
    raw = {"id": "u", "type": "unit.registered", "occurred_on": "2019-01-01", "unit": "xq", "name": "x",
           "class": "county"}  # fmt: skip
    return [(1, parse_act(raw, 1))]
