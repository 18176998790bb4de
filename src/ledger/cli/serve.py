"""Long-running processes: `serve` (the HTTP API and pages) and `project` (计分投影, the worker that keeps
score projections up to date in the database)."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, TypeVar

import typer

from ledger.cli.common import Db, err, ledger_at, note, open_ledger, run
from ledger.errors import StoreUnavailable
from ledger.services import Ledger, Settings

T = TypeVar("T")


def project(
    rulebook: Annotated[
        list[str], typer.Option("--rulebook", help="A rulebook to keep projected; repeatable.")
    ],
    once: Annotated[bool, typer.Option("--once", help="Catch up once, then exit (cron, tests).")] = False,
    interval: Annotated[float, typer.Option(help="Seconds between looks for new acts.")] = 0.5,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            "--database-url",
            help="Database URL (default: $LEDGER_DATABASE_URL or sqlite:///ledger.db).",
        ),
    ] = None,
) -> None:
    """Keep score projections up to date in the database (计分投影), for the service's score queries.

    Runs until SIGTERM or SIGINT, looking for new acts every --interval seconds; any number of these and
    of `ledger serve --project` may run against one database (one projects each rulebook, the others
    wait to take over). Killed at any point, it carries on from the tracked position when restarted.
    """
    from ledger.projection_worker import ProjectionWorker, Step

    def say(done: Step) -> None:
        if once or done.folded or any(done.rescored.values()):
            typer.echo(f"{done.folded} acts folded")
            for name, tracked in done.positions.items():
                typer.echo(
                    f"{name}: {done.rescored[name]} units rescored, position {tracked.position}"
                    f" (known at {tracked.known_at or '-'})"
                )
        for name in done.lost:
            typer.echo(f"{name}: another worker wrote first; its rows are kept, this step's dropped")
        for name in done.elsewhere:
            if once or name not in waiting:
                typer.echo(f"{name}: projected by another worker")
        waiting.clear()
        waiting.update(done.elsewhere)

    waiting: set[str] = set()

    def body() -> None:
        stopping = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: _stop(stopping))
        try:
            with _reachable(lambda: open_ledger(db), once) as ledger:
                worker = ProjectionWorker(ledger.store, ledger.catalogue, rulebook)
                try:
                    if once:
                        say(_reachable_now(worker.step))
                        return
                    typer.echo(f"projecting {', '.join(worker.rulebooks)} every {interval:g} s", err=True)
                    worker.run(stopping, interval=interval, report=say)
                finally:
                    worker.close()
        except _Stopped:
            pass  # nothing half-written: a step's transaction commits whole or not at all
        if not once:
            typer.echo("stopped", err=True)

    run(body)


ATTEMPTS = 30  # a second apart: how long `ledger project --once` waits for a store that cannot be reached


@contextmanager
def _reachable(opening: Callable[[], Ledger], once: bool) -> Iterator[Ledger]:
    """The ledger, opened once its store can be reached: a worker may start before its database does,
    or while another process holds SQLite's write lock. A long-running worker waits for as long as it
    takes (until SIGTERM); --once gives up after ATTEMPTS. A database reached that holds no ledger is
    refused at once (`ledger init` makes one)."""
    ledger = _reachable_now(opening, ATTEMPTS if once else None)
    try:
        yield ledger
    finally:
        ledger.close()


def _reachable_now(action: Callable[[], T], attempts: int | None = ATTEMPTS) -> T:
    tried = 0
    while True:
        try:
            return action()
        except StoreUnavailable as e:
            tried += 1
            if attempts is not None and tried >= attempts:
                raise
            err.print(f"waiting for the store: {e}", highlight=False)
            time.sleep(1)


class _Stopped(BaseException):
    """Raised by the signal handler: a step stops where it is; its uncommitted work is simply dropped."""


def _stop(stopping: threading.Event) -> None:
    if stopping.is_set():
        return
    stopping.set()
    raise _Stopped


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1)] = 1,
    project: Annotated[
        str | None,
        typer.Option(
            help="Rulebooks to keep projected for fast score queries, comma-separated (the worker of "
            "`ledger project`, in a thread of this server)."
        ),
    ] = None,
    header_timeout: Annotated[
        float | None,
        typer.Option(
            help="Seconds a client has to send a request's headers (default 10; LEDGER_HEADER_TIMEOUT)."
        ),
    ] = None,
    body_timeout: Annotated[
        float | None,
        typer.Option(
            help="Seconds a client has to send a request's body once its headers came "
            "(default 60; LEDGER_BODY_TIMEOUT)."
        ),
    ] = None,
    max_connections: Annotated[
        int | None,
        typer.Option(
            help="Open connections per worker; past it the one waiting longest for its request is closed "
            "(default 1000, kept below the open-files limit; LEDGER_MAX_CONNECTIONS)."
        ),
    ] = None,
    replays: Annotated[
        int | None,
        typer.Option(
            help="Replays and what-ifs one worker runs at once; LEDGER_REPLAY_QUEUE more wait up to "
            "LEDGER_REPLAY_WAIT seconds, past them 503 with Retry-After (default 2; LEDGER_REPLAYS)."
        ),
    ] = None,
    db: Db = None,
) -> None:
    """Serve the HTTP API (/v1, OpenAPI at /docs) and the pages (/) with uvicorn, on a ledger made
    before (`ledger init` or `ledger import`)."""
    import os

    from ledger.serving import serve as run_server

    def body() -> None:
        try:
            with ledger_at(db):  # a mistyped --db would otherwise serve a new, empty ledger
                pass
        except StoreUnavailable as e:  # the workers wait for a store that cannot be reached yet
            note(f"等待数据库 waiting for the store: {e}")
        chosen = {
            "LEDGER_DATABASE_URL": Settings.from_env(db).database_url,
            "LEDGER_PROJECT": project,
            "LEDGER_HEADER_TIMEOUT": header_timeout,
            "LEDGER_BODY_TIMEOUT": body_timeout,
            "LEDGER_MAX_CONNECTIONS": max_connections,
            "LEDGER_REPLAYS": replays,
        }
        os.environ.update({name: str(value) for name, value in chosen.items() if value is not None})
        run_server(Settings.from_env(), host, port, workers)  # the workers read the same environment

    run(body)
