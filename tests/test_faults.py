"""Database faults: a full disk, a read-only database and a PostgreSQL restart give clear errors and no
partial batch; the service answers 503 (never 500) while the store is away and recovers by itself."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledger.errors import StoreUnavailable
from ledger.rulebooks import Catalogue
from ledger.services import Ledger
from ledger.store import base, open_store
from tests.serving import serving

UNIT = {"id": "u", "type": "unit.registered", "occurred_on": "2019-01-01", "unit": "xq", "name": "兴庆区",
        "class": "county"}  # fmt: skip


def filings(tag: str, count: int, title: str = "信息") -> list[dict[str, Any]]:
    return [
        {"id": f"{tag}-{k}", "type": "report.filed", "occurred_on": "2019-03-01", "unit": "xq",
         "report": f"{tag}-{k}", "title": title}
        for k in range(count)
    ]  # fmt: skip


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs: a real file system that fills up."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def open_ledger(url: str) -> Ledger:
    catalogue = Catalogue.load()
    return Ledger(open_store(url, catalogue.publications(), catalogue.items()), catalogue)


@pytest.mark.parametrize("large", [False, True], ids=["direct", "through-the-writer"])
def test_full_disk_is_a_clear_error_and_no_partial_batch(
    tiny_disk: Path, large: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When SQLite's disk fills, the append that does not fit fails whole with a clear error; what was
    stored before is intact and the chain verifies (batches written directly, or by the writer process
    as large ones are)."""
    if large:
        monkeypatch.setattr(base, "LARGE", 10)
        monkeypatch.setattr(base, "PART", 10)
    ledger = open_ledger(f"sqlite:///{tiny_disk / 'ledger.db'}")
    try:
        ledger.append([UNIT])
        stored, error = 1, None
        for n in range(200):
            try:
                ledger.append(filings(f"b{n}", 50, title="信息" * 200))
                stored += 50
            except StoreUnavailable as e:
                error = e
                break
        assert error is not None, "the disk never filled"
        assert "full" in str(error)
        assert ledger.store.head()[0] == stored
        assert len(list(ledger.store.read())) == stored
        assert ledger.store.verify()[1] is None
    finally:
        ledger.close()


def test_read_only_database_refuses_appends_and_still_reads(tiny_disk: Path) -> None:
    """A SQLite file on a file system remounted read-only refuses appends clearly; reads still work."""
    url = f"sqlite:///{tiny_disk / 'ledger.db'}"
    ledger = open_ledger(url)
    ledger.append([UNIT, *filings("a", 3)])
    ledger.close()
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)], check=True)
    try:
        ledger = open_ledger(url)
    except StoreUnavailable as e:
        assert "read-only" in str(e)  # WAL needs its side files: refused at opening, clearly
        return
    try:
        with pytest.raises(StoreUnavailable, match=r"readonly|read-only"):
            ledger.append(filings("b", 3))
        assert [a.id for a in ledger.store.read()][-1] == "a-2"
    finally:
        ledger.close()


@pytest.mark.postgres
def test_postgres_read_only_database_refuses_appends_clearly(scratch_database: tuple[str, Any]) -> None:
    """A PostgreSQL database switched to read-only refuses appends with a clear error and stores nothing."""
    url, admin = scratch_database
    name = url.rsplit("/", 1)[1]
    ledger = open_ledger(url)
    ledger.append([UNIT])
    ledger.close()
    admin.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    ledger = open_ledger(url)  # opens (as on a read replica) and reads
    try:
        with pytest.raises(StoreUnavailable, match="read-only"):
            ledger.append(filings("a", 5))
        assert ledger.store.head()[0] == 1
        assert [a.id for a in ledger.store.read()] == ["u"]
    finally:
        ledger.close()


def cluster(action: str) -> None:
    version = sorted(os.listdir("/etc/postgresql"))[0]
    mode = ["-m", "fast"] if action == "stop" else []
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action, *mode]
    subprocess.run(command, check=True, capture_output=True, timeout=120)


def wait_for_postgres() -> None:
    for _ in range(60):
        if subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"]).returncode == 0:
            return
        time.sleep(0.5)
    raise RuntimeError("PostgreSQL did not come back")


@pytest.mark.postgres
def test_postgres_stopped_and_restarted_under_load(postgres_url: str) -> None:
    """PostgreSQL stopped under load: appends answer 503 within the client's timeout (never 500); once it
    is started again the service recovers by itself and every acknowledged act is stored once."""
    if not Path("/etc/postgresql").is_dir():
        pytest.fail("no local PostgreSQL cluster to stop and start")
    statuses: Counter[int] = Counter()
    acknowledged: set[str] = set()
    stop = threading.Event()
    with serving(postgres_url) as server:
        with server.client() as office:
            assert office.post("/v1/events", json=[UNIT]).status_code == 201

        def client(number: int) -> None:
            n = 0
            with server.client(timeout=30) as http:
                while not stop.is_set():
                    batch = filings(f"c{number}-{n}", 5)
                    try:
                        answer = http.post("/v1/events", json=batch)
                    except httpx.TransportError:
                        statuses[0] += 1
                        continue
                    statuses[answer.status_code] += 1
                    if answer.status_code in (200, 201):
                        acknowledged.update(a["id"] for a in batch)
                        n += 1
                    else:
                        time.sleep(0.1)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        try:
            time.sleep(1.0)
            cluster("stop")
            time.sleep(8.0)  # longer than the pool's 5 s wait for a connection
        finally:
            cluster("start")
            wait_for_postgres()
        deadline = time.monotonic() + 30
        before = statuses[201]
        while statuses[201] == before and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.0)
        stop.set()
        for t in threads:
            t.join()
    assert statuses[503] > 0, statuses
    assert statuses[500] == 0 and statuses[0] == 0, statuses
    assert statuses[201] > before, "the service did not recover"
    catalogue = Catalogue.load()
    with open_store(postgres_url, catalogue.publications(), catalogue.items()) as store:
        counts = Counter(a.id for a in store.read())
        assert store.verify()[1] is None
    assert all(counts[i] == 1 for i in acknowledged)
    print(f"\npostgres restart: answers {dict(statuses)}, {len(acknowledged)} acknowledged acts checked")
