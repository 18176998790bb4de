"""Soak the HTTP service on loopback: concurrent clients, bounded requests, memory watched.

    .venv/bin/python scripts/soak.py [--seconds 180] [--clients 32] [--max-requests 300000] [--db URL]

Starts `ledger serve` on a free port (SQLite in a temporary directory unless --db is given), then runs
`--clients` threads for `--seconds` (or until `--max-requests`): single-act appends drawn from a fixed
pool of acts (so that after the first pass they are duplicates and the ledger stops growing), event
pages, and now and then a quarter's scores. It samples the server's resident memory every few seconds and
prints requests per second, latency percentiles, answers by status and the memory curve. It fails (exit 1)
on any 5xx or transport error, or when memory grows by more than 20% between the end of the first pass and
the end of the run.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.serving import free_port, make_tokens  # noqa: E402

UNITS = [f"u{n:03d}" for n in range(50)]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def act(k: int) -> dict[str, object]:
    return {
        "id": f"soak-{k}",
        "type": "report.filed",
        "occurred_on": f"2019-{1 + k % 12:02d}-{1 + k % 28:02d}",
        "unit": UNITS[k % len(UNITS)],
        "report": f"S-{k}",
        "title": "负载测试信息",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--max-requests", type=int, default=300_000)
    parser.add_argument("--pool", type=int, default=2_000, help="distinct acts to draw appends from")
    parser.add_argument("--db", default=None)
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="ledger-soak-"))
    url = args.db or f"sqlite:///{workdir / 'soak.db'}"
    token = make_tokens(url, ("office",))["office"]
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "ledger", "serve", "--port", str(port), "--db", url],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy(),
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(300):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    registrations = [
        {"id": f"reg-{u}", "type": "unit.registered", "occurred_on": "2019-01-01", "unit": u, "name": u,
         "class": "county"}
        for u in UNITS
    ]  # fmt: skip
    httpx.post(f"{base}/v1/events", json=registrations, headers=headers, timeout=60).raise_for_status()

    statuses: Counter[str] = Counter()
    latencies: list[float] = []
    lock = threading.Lock()
    sent = [0]
    deadline = time.monotonic() + args.seconds
    stop = threading.Event()

    def client(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
            while not stop.is_set() and time.monotonic() < deadline:
                with lock:
                    if sent[0] >= args.max_requests:
                        return
                    sent[0] += 1
                roll = rng.random()
                started = time.perf_counter()
                try:
                    if roll < 0.9:
                        answer = http.post("/v1/events", json=act(rng.randrange(args.pool)))
                    elif roll < 0.999:
                        answer = http.get("/v1/events", params={"after": rng.randrange(1000), "limit": 20})
                    else:
                        answer = http.get(
                            "/v1/scores", params={"rulebook": "yinchuan-2018", "period": "2019-Q2"}
                        )
                    status = str(answer.status_code)
                except httpx.TransportError as e:
                    status = f"transport: {type(e).__name__}"
                elapsed = time.perf_counter() - started
                with lock:
                    statuses[status] += 1
                    latencies.append(elapsed)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    memory: list[tuple[float, float]] = []
    while any(t.is_alive() for t in threads):
        memory.append((time.monotonic() - started, rss_mib(server.pid)))
        time.sleep(5)
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    memory.append((elapsed, rss_mib(server.pid)))
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)

    total = sum(statuses.values())
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[int(len(ordered) * 0.99) - 1] * 1000
    # The ledger grows until every act of the pool has been sent once; after that, memory should be flat.
    settled = [m for t, m in memory if t >= elapsed * 0.25] or [memory[-1][1]]
    growth = settled[-1] / settled[0]
    print(f"soak: {elapsed:.0f} s, {args.clients} clients, {total} requests ({total / elapsed:.0f}/s), "
          f"p50 {p50:.1f} ms, p99 {p99:.1f} ms")  # fmt: skip
    print(f"answers: {dict(sorted(statuses.items()))}")
    print("server RSS MiB: " + ", ".join(f"{t:.0f}s {m:.0f}" for t, m in memory))
    print(
        f"memory after the first quarter of the run: {settled[0]:.0f} → {settled[-1]:.0f} MiB (×{growth:.2f})"
    )
    bad = sum(n for s, n in statuses.items() if s.startswith(("5", "transport")))
    if bad or growth > 1.2:
        print(f"FAIL: {bad} server errors or transport failures; memory growth ×{growth:.2f}")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
