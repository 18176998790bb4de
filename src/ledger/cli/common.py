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

Db = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: $LEDGER_DATABASE_URL or sqlite:///ledger.db)."),
]
RulebookOpt = Annotated[str, typer.Option("--rulebook", help="Rulebook id, or ID@VERSION to pin a version.")]
PeriodOpt = Annotated[str, typer.Option("--period", help="2019, 2019-H1, 2019-Q3 or 2019-07.")]
AsOf = Annotated[str | None, typer.Option("--as-of", help="Count acts that happened on or before this date.")]
KnownAt = Annotated[
    str | None,
    typer.Option(
        "--known-at", help="Count acts recorded at or before this time (a date: end of day, UTC+8)."
    ),
]
Format = Annotated[str, typer.Option("--format", help="table, json or csv.")]


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
    err.print(f"[red]error:[/red] {escape(text)}", highlight=False, soft_wrap=True)


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
        raise LedgerError(f"--format {fmt!r} is not one of table, json, csv")


def recorded(text: str) -> Text:
    """Recorded text for a table cell: hidden characters shown as <U+XXXX>, and never read as rich markup
    (a unit named `[red]` stays `[red]`)."""
    return Text(visible(text))


class RateColumn(ProgressColumn):
    """Acts per second."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:,.0f} acts/s" if task.speed else "", style="progress.data.speed")


@contextmanager
def progress(total: int, doing: str = "storing") -> Iterator[Callable[[int], None] | None]:
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
