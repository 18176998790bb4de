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

from ledger.cli.common import DB_HELP, Db, err, ledger_at, note, open_ledger, run
from ledger.errors import StoreUnavailable
from ledger.services import Ledger, Settings

T = TypeVar("T")


def project(
    rulebook: Annotated[
        list[str], typer.Option("--rulebook", help="要保持投影的考核办法；可重复 (rulebook).")
    ],
    once: Annotated[bool, typer.Option("--once", help="追上一次即退出（供定时任务、测试）(once).")] = False,
    interval: Annotated[float, typer.Option(help="查看新行为的间隔秒数 (interval).")] = 0.5,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            "--database-url",
            help=DB_HELP,
        ),
    ] = None,
) -> None:
    """计分投影：在数据库中保持得分最新，供服务查询得分。

    运行到 SIGTERM 或 SIGINT 为止，每 --interval 秒查看一次新行为。同一数据库可运行任意多个本进程与
    `ledger serve --project`（每个考核办法由一个投影，其余等候接替）。任何时候被终止，重启后从记下的位置继续。
    """
    from ledger.projection_worker import ProjectionWorker, Step

    def say(done: Step) -> None:
        if once or done.folded or any(done.rescored.values()):
            typer.echo(f"已处理 {done.folded} 条行为")
            for name, tracked in done.positions.items():
                typer.echo(
                    f"{name}：重算 {done.rescored[name]} 个单位，位置 {tracked.position}"
                    f"（已知于 {tracked.known_at or '-'}）"
                )
        for name in done.lost:
            typer.echo(f"{name}：另一个投影进程先写入；保留其结果，本步舍弃")
        for name in done.elsewhere:
            if once or name not in waiting:
                typer.echo(f"{name}：由另一个投影进程投影")
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
                    typer.echo(f"投影 {'、'.join(worker.rulebooks)}，每 {interval:g} 秒", err=True)
                    worker.run(stopping, interval=interval, report=say)
                finally:
                    worker.close()
        except _Stopped:
            pass  # nothing half-written: a step's transaction commits whole or not at all
        if not once:
            typer.echo("已停止", err=True)

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
            err.print(f"等待数据库：{e}", highlight=False)
            time.sleep(1)


class _Stopped(BaseException):
    """Raised by the signal handler: a step stops where it is; its uncommitted work is simply dropped."""


def _stop(stopping: threading.Event) -> None:
    if stopping.is_set():
        return
    stopping.set()
    raise _Stopped


def serve(
    host: Annotated[str, typer.Option(help="监听的地址 (host).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口 (port).")] = 8000,
    workers: Annotated[int, typer.Option(help="工作进程数 (workers).", min=1)] = 1,
    project: Annotated[
        str | None,
        typer.Option(
            help="要保持投影的考核办法，逗号分隔，以便快速查询得分（`ledger project` 的投影，"
            "在本服务的线程中运行）(project)."
        ),
    ] = None,
    header_timeout: Annotated[
        float | None,
        typer.Option(help="客户端发送请求头的时限，秒（默认 10；LEDGER_HEADER_TIMEOUT）."),
    ] = None,
    body_timeout: Annotated[
        float | None,
        typer.Option(help="请求头到达后，客户端发送请求体的时限，秒（默认 60；LEDGER_BODY_TIMEOUT）."),
    ] = None,
    max_connections: Annotated[
        int | None,
        typer.Option(
            help="每个工作进程的连接数上限；超过时关闭等待请求最久的连接"
            "（默认 1000，低于打开文件数上限；LEDGER_MAX_CONNECTIONS）."
        ),
    ] = None,
    replays: Annotated[
        int | None,
        typer.Option(
            help="每个工作进程同时运行的重放与假设分析数；另有 LEDGER_REPLAY_QUEUE 个最多等候 "
            "LEDGER_REPLAY_WAIT 秒，再多则答 503 与 Retry-After（默认 2；LEDGER_REPLAYS）."
        ),
    ] = None,
    db: Db = None,
) -> None:
    """运行 HTTP 服务：API（/v1，文档见 /docs）与网页（/）。

    账本须事先建好（`ledger init` 或 `ledger import`）。
    """
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
