"""Benchmark a province-year against this machine's own limits, on SQLite and PostgreSQL.

    scripts/bench [--acts 1000000] [--backends sqlite,postgres] [--out BENCHMARKS.md]

Generates (once, cached under .bench/) a deterministic province-year (scripts/province_year.py), then per
backend measures, each beside the raw limit of the same work on the same machine in the same run:
import (acts/s vs a raw executemany, and COPY on PostgreSQL, of the same rows into a bare table), HTTP
batch appends, HTTP single-act appends from 32 clients (acts/s, p50, p99), a cold replay of the year under
yinchuan-2018 (seconds and peak memory vs a raw read + orjson decode + trivial fold of the stored rows),
warm score queries for one city's unit and one quarter (p50, p99), and a province what-if between two
rulebooks. Prints every figure and ratio and writes them to BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import orjson
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.serving import serving  # noqa: E402

PG = os.environ.get("LEDGER_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
RESULTS: list[tuple[str, str, str, str]] = []  # backend, measure, figure, ratio


def note(backend: str, measure: str, figure: str, ratio: str = "") -> None:
    RESULTS.append((backend, measure, figure, ratio))
    print(f"[{backend}] {measure}: {figure}" + (f"  ({ratio})" if ratio else ""), flush=True)


def province(acts: int) -> Path:
    cache = ROOT / ".bench"
    cache.mkdir(exist_ok=True)
    path = cache / f"province-{acts}.jsonl"
    if not path.exists():
        scale = acts / 1_000_000
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "scripts" / "province_year.py"),
                "--scale",
                str(scale),
                "--out",
                str(path),
            ],
            check=True,
        )
    return path


def raw_rows(path: Path) -> list[tuple[int, str, str, bytes]]:
    rows = []
    for position, line in enumerate(path.open("rb"), start=1):
        head = orjson.loads(line)
        rows.append((position, uuid.uuid4().hex, head["type"], line.rstrip(b"\n")))
    return rows


@contextmanager
def database(backend: str) -> Iterator[str]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="ledger-bench-") as folder:
            yield f"sqlite:///{folder}/ledger.db"
        return
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    try:
        yield f"{PG}?schema={schema}"
    finally:
        with psycopg.connect(PG, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def raw_append_rate(backend: str, rows: list[tuple[int, str, str, bytes]]) -> dict[str, float]:
    """Rows per second of the bare database doing the same inserts (the machine's limit for appends)."""
    rates = {}
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            conn = sqlite3.connect(f"{folder}/raw.db", isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("CREATE TABLE raw (originator_id TEXT, originator_version INTEGER, topic TEXT, "
                         "state BLOB, PRIMARY KEY (originator_id, originator_version))")  # fmt: skip
            started = time.perf_counter()
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO raw (rowid, originator_id, originator_version, topic, state) "
                             "VALUES (?, ?, 1, ?, ?)", rows)  # fmt: skip
            conn.execute("COMMIT")
            rates["executemany"] = len(rows) / (time.perf_counter() - started)
            conn.close()
        return rates
    with psycopg.connect(PG, autocommit=True) as conn:
        for method in ("executemany", "copy"):
            table = f"raw_{uuid.uuid4().hex[:8]}"
            conn.execute(
                f"CREATE TABLE {table} (originator_id uuid, originator_version bigint, topic text, "
                "state bytea, notification_id bigint, PRIMARY KEY (originator_id, originator_version))"
            )
            conn.execute(f"CREATE UNIQUE INDEX ON {table} (notification_id)")
            started = time.perf_counter()
            with conn.transaction(), conn.cursor() as cur:
                if method == "executemany":
                    insert = (f"INSERT INTO {table} (notification_id, originator_id, originator_version, "
                              "topic, state) VALUES (%s, %s, 1, %s, %s)")  # fmt: skip
                    cur.executemany(insert, rows)
                else:
                    with cur.copy(f"COPY {table} (notification_id, originator_id, originator_version, topic, "
                                  "state) FROM STDIN") as copy:  # fmt: skip
                        for p, oid, topic, state in rows:
                            copy.write_row((p, oid, 1, topic, state))
            rates[method] = len(rows) / (time.perf_counter() - started)
            conn.execute(f"DROP TABLE {table}")
    return rates


def child(code: str, url: str) -> tuple[float, float, str]:
    """Run Python code in a fresh process: (seconds, peak RSS in MiB, its stdout)."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", code, url], capture_output=True, text=True, check=True, cwd=ROOT
    )
    seconds = time.perf_counter() - started
    *out, peak_kib = result.stdout.split()  # each snippet ends by printing its own peak RSS
    return seconds, int(peak_kib) / 1024, " ".join(out)


IMPORT = """
import resource, sys, time
from ledger.services import Ledger, Settings
ledger = Ledger.open(Settings(sys.argv[1]))
lines = open({path!r}, "rb")
started = time.perf_counter()
result = ledger.import_lines(lines)
print(result.acts, time.perf_counter() - started)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
REPLAY = """
import resource, sys, time
from ledger.services import Ledger, Settings
ledger = Ledger.open(Settings(sys.argv[1]))
started = time.perf_counter()
document = ledger.score("yinchuan-2018", "2019", known_at="2100-01-01")
print(len(document["units"]), time.perf_counter() - started)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
RAW_FOLD = """
import resource, sqlite3, sys, time, orjson, psycopg
url = sys.argv[1]
if url.startswith("sqlite"):
    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    query = "SELECT rowid, state FROM stored_events WHERE rowid > ? ORDER BY rowid LIMIT 5000"
else:
    base, schema = url.split("?schema=")
    conn = psycopg.connect(base)
    query = (f'SELECT notification_id, state FROM "{schema}".ledger_events WHERE notification_id > %s '
             "ORDER BY notification_id LIMIT 5000")
started = time.perf_counter()
total = 0
after = 0
while True:
    rows = conn.execute(query, (after,)).fetchall()
    for position, state in rows:
        act = orjson.loads(state)
        total += len(act["type"])
    if len(rows) < 5000:
        break
    after = rows[-1][0]
print(total, time.perf_counter() - started)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
WHATIF = """
import resource, sys, tempfile, time
from pathlib import Path
from ledger.rulebooks import load_rulebook, shipped_directory
from ledger.services import Ledger, Settings
text = (shipped_directory() / "yinchuan-2018.toml").read_text().replace("met = 10", "met = 20").replace(
    "version = 1", "version = 2", 1)
draft = Path(tempfile.mkdtemp()) / "draft.toml"
draft.write_text(text)
ledger = Ledger.open(Settings(sys.argv[1]))
started = time.perf_counter()
document = ledger.whatif("yinchuan-2018", load_rulebook(draft), "2019", known_at="2100-01-01")
print(len(document["units"]), time.perf_counter() - started)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * q) - 1)]


def bench(backend: str, path: Path, rows: list[tuple[int, str, str, bytes]], http_acts: int) -> None:
    # The machine is shared and its speed drifts: each limit is measured before and after the work it
    # bounds, and the work is compared with their mean.
    before = raw_append_rate(backend, rows)
    with database(backend) as url:
        _, peak, out = child(IMPORT.format(path=str(path)), url)
        count, inner = out.split()
        after = raw_append_rate(backend, rows)
        raw = {m: (before[m] + after[m]) / 2 for m in before}
        for m in raw:
            note(backend, f"raw {m} of the same rows",
                 f"{raw[m]:,.0f} rows/s (before {before[m]:,.0f}, after {after[m]:,.0f})")  # fmt: skip
        rate = int(count) / float(inner)
        took = f"{int(count):,} acts, {float(inner):.1f} s, peak {peak:,.0f} MiB"
        note(backend, "ledger import", f"{rate:,.0f} acts/s ({took})",
             " · ".join(f"{rate / r:.0%} of raw {m}" for m, r in raw.items()))  # fmt: skip

        folds = [float(child(RAW_FOLD, url)[2].split()[1])]
        _, peak, out = child(REPLAY, url)
        replay = float(out.split()[1])
        folds.append(float(child(RAW_FOLD, url)[2].split()[1]))
        fold = sum(folds) / 2
        note(backend, "raw read + orjson decode + trivial fold (plain SQL, no ledger code)",
             f"{fold:.1f} s (before {folds[0]:.1f}, after {folds[1]:.1f})")  # fmt: skip
        note(backend, "cold replay of the year (yinchuan-2018)", f"{replay:.1f} s, peak {peak:,.0f} MiB",
             f"{replay / fold:.1f}× the raw loop")  # fmt: skip
        _, _, out = child(WHATIF, url)
        note(backend, "what-if of the province (two rulebooks)", f"{float(out.split()[1]):.1f} s")

        os.environ["LEDGER_PROJECT"] = "yinchuan-2018"
        try:
            warm(backend, url, int(count))
        finally:
            del os.environ["LEDGER_PROJECT"]

    with database(backend) as url, serving(url) as server, server.client(timeout=600) as http:
        lines = path.read_bytes().splitlines()[:http_acts]
        batches = [b"[" + b",".join(lines[i : i + 10_000]) + b"]" for i in range(0, len(lines), 10_000)]
        started = time.perf_counter()
        for body in batches:
            http.post(
                "/v1/events", content=body, headers={"Content-Type": "application/json"}
            ).raise_for_status()
        rate = len(lines) / (time.perf_counter() - started)
        note(backend, "HTTP batch appends (10,000 per request)", f"{rate:,.0f} acts/s ({len(lines):,} acts)",
             " · ".join(f"{rate / r:.0%} of raw {m}" for m, r in raw.items()))  # fmt: skip
        single_latencies: list[float] = []
        lock = threading.Lock()
        counter = iter(range(10**9))

        def client(seed: int) -> None:
            rng = random.Random(seed)
            auth = {"Authorization": f"Bearer {server.tokens['office']}"}
            with httpx.Client(base_url=server.url, headers=auth, timeout=60) as one:
                for _ in range(100):
                    k = next(counter)
                    unit = f"c{1 + k % 14:02d}-cou0{k % 9}"
                    act = {"id": f"single-{k}", "type": "report.filed", "occurred_on": "2019-11-05",
                           "unit": unit, "report": f"single-{k}", "title": "单条"}  # fmt: skip
                    started = time.perf_counter()
                    one.post("/v1/events", json=act).raise_for_status()
                    with lock:
                        single_latencies.append(time.perf_counter() - started)
                    rng.random()

        threads = [threading.Thread(target=client, args=(i,)) for i in range(32)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        note(backend, "HTTP single-act appends, 32 clients",
             f"{len(single_latencies) / elapsed:,.0f} acts/s, "
             f"p50 {statistics.median(single_latencies) * 1000:,.0f} ms, "
             f"p99 {percentile(single_latencies, 0.99) * 1000:,.0f} ms")  # fmt: skip


def warm(backend: str, url: str, stored: int) -> None:
    """Score queries for one city's unit and one quarter from the service's projection, while another
    client keeps appending."""
    with serving(url) as server, server.client(timeout=600) as http:
        started = time.perf_counter()
        while http.get("/healthz").json().get("projected_position", 0) < stored:
            time.sleep(1)
        note(
            backend,
            "projection catch-up of the stored year (yinchuan-2018)",
            f"{time.perf_counter() - started:.0f} s",
        )
        stop = threading.Event()

        def appender() -> None:
            k = 0
            while not stop.is_set():
                unit = f"c{1 + k % 14:02d}-dep0{k % 9}"
                act = {"id": f"warm-{k}", "type": "report.filed", "occurred_on": "2019-08-05",
                       "unit": unit, "report": f"warm-{k}", "title": "单条"}  # fmt: skip
                http.post("/v1/events", json=act)
                k += 1

        background = threading.Thread(target=appender)
        background.start()
        latencies = []
        with server.client("auditor", timeout=600) as reader:
            for k in range(200):
                query = {"rulebook": "yinchuan-2018", "period": "2019-Q3", "unit": f"c{1 + k % 14:02d}-cou00"}
                begun = time.perf_counter()
                reader.get("/v1/scores", params=query).raise_for_status()
                latencies.append(time.perf_counter() - begun)
        stop.set()
        background.join()
        note(
            backend,
            "warm GET /v1/scores (one city's unit, one quarter) while appends continue",
            f"p50 {statistics.median(latencies) * 1000:,.1f} ms, "
            f"p99 {percentile(latencies, 0.99) * 1000:,.1f} ms",
        )


def write(out: Path, acts: int, command: str) -> None:
    machine = f"{os.cpu_count()} cores · {platform.platform()} · Python {platform.python_version()}"
    lines = [
        "# Benchmarks", "",
        f"Machine: {machine}", f"Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC", f"Command: `{command}`",
        f"Data: a synthetic province-year, {acts:,} acts (`scripts/province_year.py`)", "",
        "| backend | measure | figure | ratio to this machine's limit |", "|---|---|---|---|",
        *(f"| {b} | {m} | {f} | {r} |" for b, m, f, r in RESULTS),
    ]  # fmt: skip
    text = out.read_text() if out.exists() else ""
    marker = "\n## Notes"
    notes = text[text.index(marker) :] if marker in text else ""
    out.write_text("\n".join(lines) + "\n" + notes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--acts", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--http-acts", type=int, default=200_000, help="acts sent as HTTP batches")
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args(argv)
    path = province(args.acts)
    rows = raw_rows(path)
    acts = len(rows)
    print(f"province-year: {acts:,} acts in {path}", flush=True)
    for backend in args.backends.split(","):
        bench(backend, path, rows, args.http_acts)
    write(Path(args.out), acts, "scripts/bench " + " ".join(argv or sys.argv[1:]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
