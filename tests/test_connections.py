"""Slow and idle connections against a real `ledger serve`: the header deadline closes them, and at the
connection cap the longest-waiting is closed to make room, so /healthz answers through a slowloris flood.

The flood is made at a scale a CI machine holds: a few thousand sockets from one thread, against a server
whose open files are limited to 1,024 (as a small machine's are), so that without the guards the flood
takes every descriptor the server has, as ~20,500 sockets did on a production machine.
"""

from __future__ import annotations

import contextlib
import errno
import re
import resource
import selectors
import socket
import statistics
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.serving import Server, serving

REQUEST = (
    b"GET /v1/units HTTP/1.1\r\nHost: ledger\r\nUser-Agent: slow\r\nAccept: */*\r\n" + b"X-Slow: 1\r\n" * 200
)


@dataclass
class Slow:
    """One connection of the flood: silent (sends nothing) or dribbling (a header byte every second)."""

    sock: socket.socket
    dribbles: bool
    opened: float
    sent: int = 0


@dataclass
class Flood:
    """Keeps `size` slow connections open to `address` from one thread, opening a new one for each the
    server closes (as an attacker would), at most `rate` new ones a second and `total` in all."""

    address: tuple[str, int]
    size: int
    rate: int = 1500
    total: int | None = None
    opened: int = 0
    closed_by_server: int = 0
    lifetimes: list[float] = field(default_factory=list)
    most_open: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        selector = selectors.DefaultSelector()
        slow: dict[int, Slow] = {}
        next_dribble = time.monotonic() + 1
        budget, refill = float(self.rate), time.monotonic()
        while not self.stop.is_set():
            now = time.monotonic()
            budget = min(float(self.rate), budget + (now - refill) * self.rate)
            refill = now
            while len(slow) < self.size and budget >= 1 and (self.total is None or self.opened < self.total):
                budget -= 1
                s = socket.socket()
                s.setblocking(False)
                if s.connect_ex(self.address) not in (0, errno.EINPROGRESS):
                    s.close()
                    break
                self.opened += 1
                slow[s.fileno()] = Slow(s, dribbles=self.opened % 2 == 0, opened=now)
                selector.register(s, selectors.EVENT_READ)
            self.most_open = max(self.most_open, len(slow))
            for key, _ in selector.select(timeout=0.05):
                self._close(selector, slow, slow[key.fd], by_server=True)
            if time.monotonic() >= next_dribble:
                next_dribble += 1
                for one in [c for c in slow.values() if c.dribbles]:
                    try:
                        one.sock.send(REQUEST[one.sent % len(REQUEST) : one.sent % len(REQUEST) + 1])
                        one.sent += 1
                    except OSError:
                        continue  # not connected yet, or closed: the selector tells
        for one in list(slow.values()):
            self._close(selector, slow, one, by_server=False)
        selector.close()

    def _close(
        self, selector: selectors.BaseSelector, slow: dict[int, Slow], one: Slow, by_server: bool
    ) -> None:
        try:
            gone = not by_server or one.sock.recv(1) == b""
        except BlockingIOError:
            gone = False
        except OSError:
            gone = True  # reset, or refused
        if not gone:
            return
        if by_server:
            self.closed_by_server += 1
            self.lifetimes.append(time.monotonic() - one.opened)
        selector.unregister(one.sock)
        del slow[one.sock.fileno()]
        one.sock.close()


def open_files_for(sockets: int) -> None:
    """Let this process hold `sockets` sockets, and some."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < sockets + 500:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, sockets + 500), hard))


def closed(server: Server, reason: str) -> int:
    with server.client("office") as office:
        text = office.get("/metrics").text
    found = re.search(rf'ledger_http_connections_closed_total{{reason="{reason}"}} ([0-9.e+]+)', text)
    return int(float(found.group(1))) if found else 0


def test_idle_and_dribbling_connections_are_closed_after_the_header_timeout(
    sqlite_url: str, tmp_path: Path
) -> None:
    """Connections that send nothing, or their headers a byte a second, are closed once the header
    timeout has passed since they opened; a keep-alive client that sends requests promptly is not."""
    header_timeout = 2.0
    with serving(
        sqlite_url, env={"LEDGER_HEADER_TIMEOUT": str(header_timeout)}, log=tmp_path / "serve.log"
    ) as server:
        port = int(server.url.rsplit(":", 1)[1])
        flood = Flood(("127.0.0.1", port), size=200, rate=10_000, total=200)
        started = time.monotonic()
        thread = threading.Thread(target=flood.run)
        thread.start()
        with server.client("office") as office:  # one keep-alive connection, a request every 0.5 s
            for _ in range(8):
                assert office.get("/v1/units").status_code == 200
                time.sleep(0.5)
        while flood.closed_by_server < 200 and time.monotonic() - started < header_timeout + 10:
            time.sleep(0.1)
        flood.stop.set()
        thread.join()
        by_timeout = closed(server, "header_timeout")
    first = sorted(flood.lifetimes)
    print(
        f"\nheader timeout {header_timeout:g} s: {flood.opened} slow connections opened, {len(first)}"
        f" closed by the server after {min(first, default=0):.2f}–{max(first, default=0):.2f} s"
        f" (median {statistics.median(first or [0]):.2f} s); the server counts {by_timeout} closed"
        " for their headers"
    )
    assert len(first) == 200, f"only {len(first)} of 200 slow connections were closed"
    assert all(header_timeout - 0.2 <= t <= header_timeout + 5 for t in first), first
    assert by_timeout >= 200


def test_health_answers_through_a_slowloris_flood(sqlite_url: str, tmp_path: Path) -> None:
    """Under a flood of 3,000 slow connections (more than the server's 1,024 open files, and than its
    cap of 400), each /healthz on a new connection answers 200 within a generous 5 s."""
    size, cap = 3000, 400
    open_files_for(size)
    env = {"LEDGER_HEADER_TIMEOUT": "5", "LEDGER_MAX_CONNECTIONS": str(cap)}
    with serving(sqlite_url, env=env, open_files=1024, log=tmp_path / "serve.log") as server:
        port = int(server.url.rsplit(":", 1)[1])
        flood = Flood(("127.0.0.1", port), size=size)
        thread = threading.Thread(target=flood.run)
        thread.start()
        latencies: list[float] = []
        failures: list[str] = []
        try:
            held = time.monotonic() + 20
            while flood.most_open < size and time.monotonic() < held:
                time.sleep(0.1)
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                started = time.monotonic()
                try:
                    answer = httpx.get(f"{server.url}/healthz", timeout=10)
                    if answer.status_code != 200:
                        failures.append(f"{answer.status_code}: {answer.text[:100]}")
                except httpx.TransportError as e:
                    failures.append(f"{type(e).__name__}: {e}")
                latencies.append(time.monotonic() - started)
                time.sleep(0.2)
        finally:
            flood.stop.set()
            thread.join()
        at_cap, by_timeout = closed(server, "capacity"), closed(server, "header_timeout")
    latencies.sort()
    print(
        f"\nslowloris flood: {size} slow connections held (server: 1,024 open files, cap {cap}),"
        f" {flood.opened} opened in all, {flood.closed_by_server} closed by the server"
        f" ({at_cap} at the cap, {by_timeout} for their headers);"
        f" /healthz {len(latencies)} times, p50 {statistics.median(latencies) * 1000:.0f} ms,"
        f" max {latencies[-1] * 1000:.0f} ms, failures {len(failures)}"
    )
    assert failures == []
    assert latencies[-1] < 5, latencies[-5:]


def test_serve_raises_its_open_files_limit_and_keeps_the_cap_below_it(
    sqlite_url: str, tmp_path: Path
) -> None:
    """Started with a soft limit of 1,024 open files under a hard limit of 4,096, `ledger serve` raises
    its soft limit to 4,096 and caps a worker's connections below it, whatever LEDGER_MAX_CONNECTIONS asks."""
    log = tmp_path / "serve.log"
    env = {"LEDGER_MAX_CONNECTIONS": "100000"}
    with serving(sqlite_url, env=env, open_files=(1024, 4096), log=log) as server:
        limits = Path(f"/proc/{server.process.pid}/limits").read_text()
    line = next(x for x in limits.splitlines() if x.startswith("Max open files"))
    print(f"\n{line}")
    assert line.split()[3:5] == ["4096", "4096"]
    assert "each at most 4032 connections" in log.read_text()


def test_a_body_sent_too_slowly_is_cut_off_and_stores_nothing(sqlite_url: str, tmp_path: Path) -> None:
    """Appends whose headers come at once but whose body comes a byte a second are closed once the body
    timeout has passed since their headers, /healthz answering all the while; nothing is stored."""
    body_timeout, count = 2.0, 50
    log = tmp_path / "serve.log"
    with serving(sqlite_url, env={"LEDGER_BODY_TIMEOUT": str(body_timeout)}, log=log) as server:
        port = int(server.url.rsplit(":", 1)[1])
        head = (
            "POST /v1/events HTTP/1.1\r\nHost: ledger\r\nContent-Type: application/json\r\n"
            f"Authorization: Bearer {server.tokens['office']}\r\nContent-Length: 1000\r\n\r\n"
        ).encode()
        started = time.monotonic()
        slow = []
        for _ in range(count):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(head)
            s.setblocking(False)
            slow.append(s)
        lifetimes: dict[int, float] = {}
        health: list[int] = []
        while len(lifetimes) < count and time.monotonic() - started < body_timeout + 15:
            for place, s in enumerate(slow):
                if place in lifetimes:
                    continue
                try:
                    if s.recv(1) == b"":
                        lifetimes[place] = time.monotonic() - started
                        continue
                except BlockingIOError:
                    pass
                except OSError:
                    lifetimes[place] = time.monotonic() - started
                    continue
                with contextlib.suppress(OSError):
                    s.send(b" ")
            health.append(httpx.get(f"{server.url}/healthz", timeout=5).status_code)
            time.sleep(0.5)
        for s in slow:
            s.close()
        by_timeout = closed(server, "body_timeout")
        with server.client("office") as office:
            stored = office.get("/v1/events").json()["acts"]
    times = sorted(lifetimes.values())
    print(
        f"\nbody timeout {body_timeout:g} s: {count} appends dribbling their bodies, {len(times)} closed"
        f" after {min(times, default=0):.2f}–{max(times, default=0):.2f} s; the server counts"
        f" {by_timeout}; /healthz {health.count(200)}/{len(health)} answered 200; {len(stored)} acts stored"
    )
    assert len(times) == count, f"only {len(times)} of {count} slow bodies were cut off"
    assert all(body_timeout - 0.2 <= t <= body_timeout + 5 for t in times), times
    assert by_timeout >= count and set(health) == {200} and stored == []
    assert "Traceback" not in log.read_text()  # a client cut off is no error of the server's
