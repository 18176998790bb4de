"""Expensive work against a real `ledger serve`: large drafts are parsed off the event loop, and replays
take one of a few turns per worker, so /healthz and cheap reads stay fast while they run; past the turns
and the queue a replay is refused 503 with Retry-After (problem+json for the API, a page for pages)."""

from __future__ import annotations

import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx

from ledger.whatif import MAX_DRAFT
from tests.projected import filled_database
from tests.serving import Server, serving

DRAFT = (
    b"# a draft of a million small numbers: a second's parse, then refused\nitems = ["
    + b"1," * 500_000
    + b"]\n"
)
YEAR = {"rulebook": "yinchuan-2018", "period": "2019"}  # answered from the projection
YEAR_REPLAY = {**YEAR, "known_at": "2099-01-01"}  # a known-at time: replayed


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Probe:
    """Asks cheap questions every 0.1 s on fresh connections while the load runs; keeps the latencies."""

    def __init__(self, server: Server, paths: list[str]) -> None:
        self.server, self.paths = server, paths
        self.latencies: dict[str, list[float]] = {p: [] for p in paths}
        self.failures: list[str] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run)

    def run(self) -> None:
        while not self.stop.is_set():
            for path in self.paths:
                started = time.monotonic()
                try:
                    with self.server.client("auditor", timeout=30) as http:
                        answer = http.get(path)
                    if answer.status_code != 200:
                        self.failures.append(f"{path}: {answer.status_code} {answer.text[:120]}")
                except httpx.TransportError as e:
                    self.failures.append(f"{path}: {type(e).__name__}")
                self.latencies[path].append(time.monotonic() - started)
            time.sleep(0.1)

    def __enter__(self) -> Probe:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join()

    def figures(self) -> str:
        return "; ".join(
            f"{path} {len(times)}× p50 {statistics.median(times) * 1000:.0f} ms"
            f" max {max(times) * 1000:.0f} ms"
            for path, times in self.latencies.items()
            if times
        )


def load(workers: list[Callable[[], None]]) -> None:
    """Run the workers at once, each in a thread; an error in any is raised here."""
    errors: list[BaseException] = []

    def run(work: Callable[[], None]) -> None:
        try:
            work()
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def test_large_drafts_are_parsed_off_the_event_loop(sqlite_url: str, tmp_path: Path) -> None:
    """Six clients posting 1 MB drafts (four to POST /v1/whatif, two to the what-if page) leave /healthz
    answering promptly: median under 1 s (5 ms when idle), every one within 5 s; each draft is answered."""
    assert len(DRAFT) <= MAX_DRAFT
    statuses: Counter[str] = Counter()
    with serving(sqlite_url, log=tmp_path / "serve.log") as server:

        def api_client() -> None:
            with server.client("office", timeout=120) as office:
                for _ in range(3):
                    answer = office.post(
                        "/v1/whatif", params={"base": "yinchuan-2018", "period": "2019"}, content=DRAFT
                    )
                    statuses[f"api {answer.status_code}"] += 1

        def page_client() -> None:
            browser, csrf = server.reader("office")
            try:
                form = {
                    "base": "yinchuan-2018",
                    "source": "toml",
                    "draft_toml": DRAFT.decode(),
                    "period": "2019",
                    "csrf": csrf,
                }
                for _ in range(3):
                    statuses[f"page {browser.post('/whatif', data=form).status_code}"] += 1
            finally:
                browser.close()

        with Probe(server, ["/healthz"]) as probe:
            load([api_client] * 4 + [page_client] * 2)
    times = sorted(probe.latencies["/healthz"])
    print(f"\n1 MB drafts, 4 API and 2 page clients, 3 each: answers {dict(statuses)}; {probe.figures()}")
    assert statuses == {"api 422": 12, "page 422": 6}
    assert probe.failures == []
    assert statistics.median(times) < 1 and times[-1] < 5, times[-5:]


def test_a_draft_past_the_limit_is_413_before_it_is_read(sqlite_url: str) -> None:
    """A draft over 1 MiB is refused 413, named in Chinese, whether its length is declared or streamed."""
    with serving(sqlite_url) as server, server.client("office") as office:
        query = {"base": "yinchuan-2018", "period": "2019"}
        declared = office.post("/v1/whatif", params=query, content=b"#" * (MAX_DRAFT + 1))
        streamed = office.post("/v1/whatif", params=query, content=iter([b"#" * 65536] * 17))
    for answer in (declared, streamed):
        assert answer.status_code == 413, answer.text
        assert "草案超过 1024 KiB" in answer.json()["detail"]


def test_replays_past_the_workers_turns_are_503_and_cheap_reads_stay_fast(tmp_path: Path) -> None:
    """Sixteen year replays at once (API, ranking and unit pages) against a worker with 2 turns and a
    queue of 2: the rest are refused at once with 503 and Retry-After; /healthz, /v1/units and projected
    scores answer all along, each within 5 s; memory the replays took is handed back (printed)."""
    url = filled_database(tmp_path, seed=3)
    statuses: Counter[str] = Counter()
    refusals: list[httpx.Response] = []
    env = {"LEDGER_REPLAYS": "2", "LEDGER_REPLAY_QUEUE": "2", "LEDGER_REPLAY_WAIT": "60"}
    options = ("--project", "yinchuan-2018")
    with serving(url, env=env, options=options, log=tmp_path / "serve.log") as server:
        with server.client("auditor") as auditor:  # the projection has caught up: projected scores
            deadline = time.monotonic() + 120
            while "Ledger-Projected-Position" not in auditor.get("/v1/scores", params=YEAR).headers:
                assert time.monotonic() < deadline, "the projection did not catch up"
                time.sleep(0.5)
        pid = server.process.pid
        before = rss_mib(pid)
        peak = [before]

        def replay(path: str, params: dict[str, str], kind: str) -> Callable[[], None]:
            def client() -> None:
                http, _ = server.reader("auditor")
                http.headers["Authorization"] = f"Bearer {server.tokens['auditor']}"
                try:
                    answer = http.get(path, params=params)
                finally:
                    http.close()
                statuses[f"{kind} {answer.status_code}"] += 1
                peak.append(rss_mib(pid))
                if answer.status_code == 503:
                    refusals.append(answer)

            return client

        api = replay("/v1/scores", YEAR_REPLAY, "api")
        ranking = replay(
            "/", {"rulebook": "yinchuan-2018", "period": "2019-Q3", "as_of": "2019-09-30"}, "page"
        )
        unit = replay("/units/xingqing", {"rulebook": "yinchuan-2018", "period": "2019"}, "page")
        cheap = ["/healthz", "/v1/units", "/v1/scores?rulebook=yinchuan-2018&period=2019-Q3"]
        with Probe(server, cheap) as probe:
            time.sleep(0.5)
            load([api] * 10 + [ranking] * 3 + [unit] * 3)
            time.sleep(1)
            load([api] * 10 + [ranking] * 3 + [unit] * 3)  # a second burst, once the first is over
        time.sleep(1)
        after = rss_mib(pid)
    print(
        f"\n16 concurrent year replays, twice, 2 turns and a queue of 2 per worker: {dict(statuses)};"
        f" cheap reads meanwhile: {probe.figures()};"
        f" server RSS {before:.0f} MiB before, {max(peak):.0f} MiB at the peak, {after:.0f} MiB after"
    )
    assert refusals, "no replay was refused past the worker's turns"
    for refused in refusals:
        assert refused.headers["Retry-After"] == "5"
        if refused.request.url.path == "/v1/scores":
            assert refused.headers["content-type"] == "application/problem+json"
            assert "服务繁忙" in refused.json()["detail"]
        else:
            assert refused.headers["content-type"].startswith("text/html") and "服务繁忙" in refused.text
    assert set(statuses) <= {"api 200", "api 503", "page 200", "page 503"}
    assert probe.failures == []
    assert all(max(times) < 5 for times in probe.latencies.values()), probe.figures()
    assert after < before + 200  # loosely: the bursts' memory is not all kept
