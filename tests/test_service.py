"""End to end over real HTTP: `ledger serve` (several workers) on SQLite and PostgreSQL."""

from __future__ import annotations

import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from ledger.rulebooks import Catalogue
from ledger.store import open_store
from tests.serving import ROOT, free_port, serving

REGISTER = [
    {"id": f"u-{u}", "type": "unit.registered", "occurred_on": "2019-01-01", "unit": u, "name": u,
     "class": "county"}
    for u in ("xingqing", "jinfeng", "xixia")
]  # fmt: skip


def filing(k: int) -> dict[str, Any]:
    """The k-th filing: its id and content depend on k alone, so a repeat is an exact duplicate."""
    unit = ("xingqing", "jinfeng", "xixia")[k % 3]
    return {"id": f"f-{k}", "type": "report.filed", "occurred_on": f"2019-{1 + k % 12:02d}-15",
            "unit": unit, "report": f"R-{k}", "title": f"第{k}号信息"}  # fmt: skip


def test_append_and_read_over_http(database_url: str) -> None:
    """A curl-like client appends an act and reads it and the scores back from a served ledger."""
    with serving(database_url, workers=2) as server, server.client() as office:
        assert office.post("/v1/events", json=REGISTER).status_code == 201
        answer = office.post("/v1/events", json=filing(1))
        assert answer.status_code == 201 and answer.json()["acts"][0]["position"] == 4
        with server.client("unit:xingqing") as unit:
            assert unit.post("/v1/events", json=filing(4)).status_code == 403  # filed for jinfeng
            own = {**filing(3), "id": "xingqing/f-3", "report": "xingqing/R-3"}
            assert unit.post("/v1/events", json=filing(3)).status_code == 403  # ids outside its own
            assert unit.post("/v1/events", json=own).status_code == 201  # its own
        with server.client("auditor") as auditor:
            scores = auditor.get("/v1/scores", params={"rulebook": "yinchuan-2018", "period": "2019"})
            assert scores.status_code == 200
            assert {u["unit"] for u in scores.json()["units"]} == {"xingqing", "jinfeng", "xixia"}
            assert auditor.get("/docs").status_code == 200
            assert "/v1/events" in auditor.get("/openapi.json").json()["paths"]


def test_concurrent_overlapping_batches_store_each_act_once(database_url: str) -> None:
    """Eight clients send overlapping batches with repeated ids to two workers: every acknowledged act
    is stored exactly once, positions are gap-free in commit order and recorded_at never goes back."""
    acknowledged: dict[str, int] = {}
    problems: list[str] = []
    lock = threading.Lock()
    with serving(database_url, workers=2) as server:
        with server.client() as office:
            assert office.post("/v1/events", json=REGISTER).status_code == 201

        def client(seed: int) -> None:
            rng = random.Random(seed)
            with server.client() as office:
                for _ in range(12):
                    batch = [filing(k) for k in rng.sample(range(400), 40)]
                    answer = office.post("/v1/events", json=batch)
                    if answer.status_code not in (200, 201):
                        problems.append(f"{answer.status_code}: {answer.text[:200]}")
                        continue
                    with lock:
                        for receipt in answer.json()["acts"]:
                            seen = acknowledged.setdefault(receipt["id"], receipt["position"])
                            if seen != receipt["position"]:
                                problems.append(f"{receipt['id']} at {seen} and {receipt['position']}")

        threads = [threading.Thread(target=client, args=(seed,)) for seed in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not problems, problems[:5]

        with server.client("auditor") as auditor:
            stream = auditor.get("/v1/events", headers={"Accept": "application/x-ndjson"})
        stored = [orjson.loads(line) for line in stream.content.splitlines()]
    counts = Counter(a["id"] for a in stored)
    assert max(counts.values()) == 1
    assert [a["position"] for a in stored] == list(range(1, len(stored) + 1))
    times = [a["recorded_at"] for a in stored]
    assert times == sorted(times)
    by_id = {a["id"]: a["position"] for a in stored}
    assert all(by_id[i] == p for i, p in acknowledged.items())
    assert len(acknowledged) == len(stored) - len(REGISTER)


@pytest.mark.postgres
def test_store_down_is_503_and_the_service_recovers(scratch_database: tuple[str, Any]) -> None:
    """When PostgreSQL refuses the service's connections, appends and reads answer 503 (never 500),
    and once it accepts them again the service works without a restart; the retried append is stored."""
    url, admin = scratch_database
    name = url.rsplit("/", 1)[1]
    with serving(url) as server, server.client(timeout=60) as office:
        assert office.post("/v1/events", json=REGISTER).status_code == 201
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        admin.execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        down = office.post("/v1/events", json=filing(1))
        assert down.status_code == 503, down.text
        assert down.headers["content-type"] == "application/problem+json"
        assert office.get("/healthz").status_code == 503
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        deadline = time.monotonic() + 30
        while (again := office.post("/v1/events", json=filing(1))).status_code == 503:
            assert time.monotonic() < deadline, "the service did not recover"
            time.sleep(0.5)
        assert again.status_code == 201
        assert office.post("/v1/events", json=filing(1)).json()["acts"][0]["status"] == "duplicate"


def test_tokens_are_never_logged(sqlite_url: str, tmp_path: Path) -> None:
    """The server's log holds no token, valid or not, after appends, reads and refusals, with tokens sent
    in headers, in query strings (any parameter, percent-encoded too), in paths and in page links."""
    log = tmp_path / "serve.log"
    bogus = "lt_" + "x" * 43
    secret = "s3cr3t-not-an-lt-token"
    with serving(sqlite_url, workers=2, log=log) as server, server.client() as office:
        office.post("/v1/events", json=REGISTER)
        office.get("/v1/events")
        httpx.get(f"{server.url}/v1/units", headers={"Authorization": f"Bearer {bogus}"})
        valid = server.tokens["office"]
        encoded = valid.replace("_", "%5F").replace("-", "%2D")
        for path in (
            f"/v1/units?token={valid}",
            f"/v1/units?access_token={valid}&x=1",
            f"/v1/units?q=1&key={valid}",
            f"/v1/units?k={encoded}",
            f"/v1/units/{valid}",
            f"/{valid}",
            f"/login?next=/units/xingqing%3Ftoken%3D{valid}",
            f"/?rulebook={valid}",
            f"/v1/units?access_token={secret}",
            f"/v1/units?auth_token={secret}",
        ):
            for _ in range(2):  # both workers, most likely
                httpx.get(f"{server.url}{path}", headers={"Authorization": f"Bearer {valid}"})
        tokens = [*server.tokens.values(), bogus, secret]
    text = log.read_text()
    assert "/v1/events" in text and "/v1/units?access_token=" in text  # the access log was written
    leaked = [t for t in tokens if t in text]
    assert leaked == [], [line for line in text.splitlines() if any(t in line for t in leaked)][:5]
    assert valid[3:] not in text and encoded not in text


@pytest.mark.postgres
def test_health_is_503_with_retry_after_and_the_next_request_recovers(
    scratch_database: tuple[str, Any], tmp_path: Path
) -> None:
    """While PostgreSQL refuses connections /healthz answers 503 with Retry-After, mostly at once, and so
    does a page; once it accepts them again, the very next requests to either worker answer 200, the first
    two within a generous 2.5 s (no worker waits out its pool's reconnection pauses)."""
    url, admin = scratch_database
    name = url.rsplit("/", 1)[1]
    log = tmp_path / "serve.log"
    with serving(url, workers=2, log=log) as server, server.client(timeout=60) as office:
        assert office.post("/v1/events", json=REGISTER).status_code == 201
        reader, _ = server.reader()
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        admin.execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        down: list[float] = []
        # 23 s: a pool reconnects after pauses of 1, 2, 4, 8 and 16 s (each ±10%), from the moment it
        # lost each connection (in the first few seconds): after 23 s of outage its next attempt is 6 s or
        # more away, and a request waiting for it fails after 5 s
        outage = time.monotonic() + 23
        while time.monotonic() < outage:
            started = time.monotonic()
            answer = httpx.get(f"{server.url}/healthz", timeout=30)
            down.append(time.monotonic() - started)
            assert answer.status_code == 503, answer.text
            assert answer.headers["Retry-After"] == "1"
            assert answer.headers["content-type"] == "application/problem+json"
            time.sleep(0.25)
        page = reader.get("/rulebooks")
        assert page.status_code == 503 and page.headers["Retry-After"] == "1", page.text
        assert "数据库暂时无法连接" in page.text
        reader.close()
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        back, took = [], []
        for _ in range(6):
            started = time.monotonic()
            back.append(httpx.get(f"{server.url}/healthz", timeout=30))
            took.append(time.monotonic() - started)
        appended = office.post("/v1/events", json=filing(1))
    median = sorted(down)[len(down) // 2]
    print(
        f"\nstore down 23 s: /healthz answered 503 {len(down)} times, p50 {median * 1000:.0f} ms,"
        f" max {max(down) * 1000:.0f} ms; once back: {[a.status_code for a in back]},"
        f" in {', '.join(f'{t * 1000:.0f}' for t in took)} ms,"
        f" an append {appended.status_code}"
    )
    assert [a.status_code for a in back] == [200] * 6
    assert median < 2.5  # ~0.1 s: only each worker's first request waits the pool's 5 s
    assert max(took[:2]) < 2.5  # ~0.1 s; waiting out the pool's own schedule took 3-10 s, or fails at 5 s
    assert appended.status_code == 201


@pytest.mark.postgres
def test_workers_started_while_the_store_is_down_wait_for_it(
    scratch_database: tuple[str, Any], tmp_path: Path
) -> None:
    """`ledger serve --workers 2` started while PostgreSQL refuses connections waits for the store
    (saying so in its log) and serves once it is back, instead of stopping."""
    url, admin = scratch_database
    name = url.rsplit("/", 1)[1]
    catalogue = Catalogue.load()
    with open_store(url, catalogue.publications(), catalogue.items()):
        pass  # the tables, made while the database is up
    admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    port, log = free_port(), tmp_path / "serve.log"
    command = [sys.executable, "-m", "ledger", "serve", "--port", str(port), "--workers", "2", "--db", url]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=out)
    try:
        time.sleep(8)
        assert process.poll() is None, log.read_text()[-2000:]
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.5)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert "等待数据库 waiting for the store" in log.read_text()


def test_docs_are_served_from_the_application_and_metrics_need_a_token(sqlite_url: str) -> None:
    """/docs names no other host and its script, style and icon come from the application; /docs and
    /openapi.json are public; /metrics answers a token of the office, auditor or admin role only."""
    with serving(sqlite_url, roles=("office", "auditor", "admin", "unit:xingqing")) as server:
        page = httpx.get(f"{server.url}/docs")
        assert page.status_code == 200
        assert "http://" not in page.text and "https://" not in page.text
        assert "default-src 'self'" in page.headers["Content-Security-Policy"]
        assets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", page.text)
        assert len(assets) == 4 and all(a.startswith("/docs/assets/") for a in assets), assets
        for asset in assets:
            answer = httpx.get(f"{server.url}{asset}")
            assert answer.status_code == 200 and len(answer.content) > 100, asset
        assert httpx.get(f"{server.url}/openapi.json").json()["info"]["title"] == "ledger"
        assert httpx.get(f"{server.url}/redoc").status_code == 404  # ReDoc would load from a CDN
        assert httpx.get(f"{server.url}/metrics").status_code == 401
        for role, status in (("unit:xingqing", 403), ("office", 200), ("auditor", 200), ("admin", 200)):
            with server.client(role) as http:
                assert http.get("/metrics").status_code == status, role


def test_metrics_of_two_workers_are_one_scrape(sqlite_url: str) -> None:
    """With two workers, every scrape of /metrics counts the requests both answered: after 40 reads,
    eight scrapes (answered by either worker) all report 40."""
    with serving(sqlite_url, workers=2) as server:
        for _ in range(40):  # a new connection each: the kernel spreads them over both workers
            assert httpx.get(f"{server.url}/v1/units", headers=server.client().headers).status_code == 200
        counted = []
        for _ in range(8):
            with server.client() as office:
                text = office.get("/metrics").text
            found = re.search(
                r'ledger_http_requests_total\{method="GET",route="/v1/units",status="200"\} (\S+)', text
            )
            counted.append(float(found.group(1)) if found else 0.0)
    print(f"\n40 reads over two workers; eight scrapes counted {counted}")
    assert counted == [40.0] * 8


def test_metrics_directories_of_killed_servers_are_removed(sqlite_url: str) -> None:
    """A served ledger's metrics directory is removed when it stops, and one left by a killed server is
    removed by the next `ledger serve`."""
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    orphan = Path(tempfile.gettempdir()) / f"ledger-metrics-{int(dead.stdout)}-test"
    orphan.mkdir()
    (orphan / "counter_1.db").write_bytes(b"")
    with serving(sqlite_url) as server:
        own = list(Path(tempfile.gettempdir()).glob(f"ledger-metrics-{server.process.pid}-*"))
        assert len(own) == 1
    assert not orphan.exists()
    assert not own[0].exists()


@pytest.mark.parametrize("workers", [1, 2])
def test_a_taken_port_is_named_before_anything_starts(sqlite_url: str, workers: int) -> None:
    """`ledger serve` on a port another process listens on exits non-zero, naming host and port in
    Chinese, and starts no application."""
    catalogue = Catalogue.load()
    with open_store(sqlite_url, catalogue.publications(), catalogue.items()):
        pass  # a ledger to serve: only the port is wrong
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        command = [sys.executable, "-m", "ledger", "serve", "--port", str(port), "--workers", str(workers),
                   "--db", sqlite_url]  # fmt: skip
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    output = done.stdout + done.stderr
    print(f"\n--workers {workers}: exit {done.returncode}: {output.strip()}")
    assert done.returncode != 0
    assert f"127.0.0.1:{port} 已被占用 (address already in use)" in output
    assert "startup complete" not in output and "Started" not in output
