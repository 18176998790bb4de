"""What every command group shares: the common options, opening the ledger, errors mapped to exit codes,
the output format switch, progress bars and the error console."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from ledger import render
from ledger.characters import visible
from ledger.errors import BatchRejected, LedgerError, NoLedger, StoreUnavailable
from ledger.services import Ledger, Settings

err = Console(stderr=True)
T = TypeVar("T")
DB_HELP = "账本的数据库地址；默认为 $LEDGER_DATABASE_URL，再无则 sqlite:///ledger.db (database URL)."

Db = Annotated[
    str | None,
    typer.Option("--db", help=DB_HELP),
]

RulebookOpt = Annotated[
    str, typer.Option("--rulebook", help="考核办法 ID，或 ID@版本 固定一个版本，如 yinchuan-2018 (rulebook).")
]
PeriodOpt = Annotated[
    str, typer.Option("--period", help="考核期间：2019、2019-H1、2019-Q3 或 2019-07 (period).")
]
AsOf = Annotated[
    str | None, typer.Option("--as-of", help="截止日期：只计此日及以前发生的行为；默认为期末 (as of).")
]
KnownAt = Annotated[
    str | None,
    typer.Option(
        "--known-at",
        help="已知时间：只计此时及以前记录的行为；日期指当日结束，不带时区为北京时间；默认为现在 (known at).",
    ),
]
Format = Annotated[str, typer.Option("--format", help="table（表格）、json 或 csv.")]


@contextmanager
def ledger_at(db: str | None, *, create: bool = False) -> Iterator[Ledger]:
    """The ledger at --db (else $LEDGER_DATABASE_URL, else the default). Only `import`, `restore` and
    `init` make one (`create`); every other command refuses a URL where there is none, making nothing."""
    ledger = open_ledger(db, create=create)
    try:
        yield ledger
    except BaseException:
        ledger.store.discard()  # a ledger made for a refused import is removed again: none is left behind
        raise
    ledger.close()


def open_ledger(db: str | None, *, create: bool = False) -> Ledger:
    settings = Settings.from_env(db)
    try:
        return Ledger.open(settings, create=create)
    except NoLedger as e:
        default = db is None and not os.environ.get("LEDGER_DATABASE_URL")
        raise LedgerError(
            f"{e}；新建请用 ledger init，或 ledger import 导入"
            + (f"；是不是 {e.instead}？" if e.instead else "")
            + ("（未给 --db，也未设 LEDGER_DATABASE_URL：用的是默认地址）" if default else "")
        ) from None


def run(action: Callable[[], T]) -> T:
    """Run a command body, turning the ledger's errors into a clear message and an exit code."""
    try:
        return action()
    except BatchRejected as e:
        say_error(e.summary(LISTED))
        raise typer.Exit(1) from None
    except StoreUnavailable as e:
        say_error(str(e))
        raise typer.Exit(3) from None
    except LedgerError as e:
        say_error(str(e))
        raise typer.Exit(2) from None


LISTED = 100  # bad lines a rejected file lists; the rest are counted


def say_error(text: str) -> None:
    """An error on stderr, unwrapped (paths and URLs stay whole), its text never read as markup."""
    err.print(f"[red]错误：[/red]{escape(text)}", highlight=False, soft_wrap=True)


def note(text: str) -> None:
    """Why a result is empty, on stderr: standard output stays the result alone (JSON Lines, JSON, CSV)."""
    err.print(escape(text), highlight=False, soft_wrap=True)


def emit(
    document: dict[str, Any],
    fmt: str,
    csv: Callable[[dict[str, Any]], str],
    table: Callable[[dict[str, Any]], None],
) -> None:
    """A document as JSON, CSV or a table."""
    if fmt == "json":
        sys.stdout.buffer.write(render.dumps(document))
    elif fmt == "csv":
        sys.stdout.write(csv(document))
    elif fmt == "table":
        table(document)
    else:
        raise LedgerError(f"--format 应为 table、json 或 csv，而不是 {fmt!r}")


def recorded(text: str) -> Text:
    """Recorded text for a table cell: hidden characters shown as <U+XXXX>, and never read as rich markup
    (a unit named `[red]` stays `[red]`)."""
    return Text(visible(text))


class RateColumn(ProgressColumn):
    """Acts per second."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:,.0f} 条/秒" if task.speed else "", style="progress.data.speed")


@contextmanager
def progress(total: int, doing: str = "存储中") -> Iterator[Callable[[int], None] | None]:
    """Rows done, rate and time left on a terminal; nothing when stderr is piped."""
    if not err.is_terminal or total < 5000:
        yield None
        return
    columns = (
        TextColumn(doing),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("acts", total=total)
        yield lambda done: bar.update(task, completed=done)
