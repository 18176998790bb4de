"""The `ledger` command: import acts, score and explain periods, list acts and rulebooks."""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, BinaryIO, TypeVar

import orjson
import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from ledger import render
from ledger.errors import BatchRejected, LedgerError, StoreUnavailable
from ledger.rulebooks import Catalogue, load_rulebook
from ledger.services import Ledger, Settings, selection_of
from ledger.spreadsheets import import_sheet, write_templates
from ledger.store.tokens import Tokens
from ledger.tokens import check_name, check_role, new_token
from ledger.whatif import diff_rulebooks

app = typer.Typer(
    help="An event-sourced scoring ledger for 政务信息工作考核: acts in, explained scores out.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
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
def ledger_at(db: str | None) -> Iterator[Ledger]:
    ledger = Ledger.open(Settings.from_env(db))
    try:
        yield ledger
    finally:
        ledger.close()


def run(action: Callable[[], T]) -> T:
    """Run a command body, turning the ledger's errors into a clear message and an exit code."""
    try:
        return action()
    except BatchRejected as e:
        err.print(f"[red]error:[/red] {e.summary()}", highlight=False, markup=True)
        raise typer.Exit(1) from None
    except StoreUnavailable as e:
        err.print(f"[red]error:[/red] {e}", highlight=False)
        raise typer.Exit(3) from None
    except LedgerError as e:
        err.print(f"[red]error:[/red] {e}", highlight=False)
        raise typer.Exit(2) from None


@app.command("import")
def import_(
    file: Annotated[
        Path,
        typer.Argument(help="JSON Lines (one act per line; - for stdin), or a register as .csv or .xlsx."),
    ],
    db: Db = None,
) -> None:
    """Append the acts of a file (导入): all of them, or none if any is bad. Re-importing changes nothing."""

    def body() -> None:
        if file.suffix.lower() in (".csv", ".xlsx"):
            with ledger_at(db) as ledger, _progress(0) as tick:
                result = import_sheet(ledger, file, progress=tick)
            typer.echo(f"{file}: {result.acts} acts, {result.new} new, {result.duplicates} duplicate")
            return
        with _lines_of(file) as (lines, total):
            if _is_export(lines):  # a file of `ledger export`: the same positions, times and chain
                with ledger_at(db) as ledger:
                    count = ledger.restore(lines)
                    checked, broken, what = ledger.store.verify()
                typer.echo(f"{file}: {count} acts restored; chain verified over {checked} acts: {what}")
                if broken is not None:
                    raise typer.Exit(4)
                return
            with ledger_at(db) as ledger, _progress(total) as tick:
                result = ledger.import_lines(lines, progress=tick)
        typer.echo(f"{file}: {result.acts} acts, {result.new} new, {result.duplicates} duplicate")

    run(body)


@contextmanager
def _lines_of(file: Path) -> Iterator[tuple[Sequence[bytes] | BinaryIO, int]]:
    """A file's lines, read as they are used (standard input is read whole), and how many there are."""
    if str(file) == "-":
        lines = sys.stdin.buffer.read().splitlines()
        yield lines, len(lines)
        return
    try:
        handle = file.open("rb")
    except OSError as e:
        raise LedgerError(f"{file}: cannot be read ({e.strerror})") from None
    with handle:
        total = sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))
        handle.seek(0)
        yield handle, total


def _is_export(lines: Sequence[bytes] | BinaryIO) -> bool:
    """Whether the first act line is one of `ledger export` (a file is rewound after the look)."""
    first = next((line for line in lines if line.strip()), b"")
    if not isinstance(lines, Sequence):
        lines.seek(0)
    try:
        head = orjson.loads(first)
    except orjson.JSONDecodeError:
        return False
    return isinstance(head, dict) and {"position", "recorded_at", "chain"} <= head.keys()


def _read(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as e:
        raise LedgerError(f"{file}: cannot be read ({e.strerror})") from None


class RateColumn(ProgressColumn):
    """Acts per second."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:,.0f} acts/s" if task.speed else "", style="progress.data.speed")


@contextmanager
def _progress(total: int, doing: str = "storing") -> Iterator[Callable[[int], None] | None]:
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
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("acts", total=total)
        yield lambda done: progress.update(task, completed=done)


@app.command()
def template(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the blank templates into.")] = Path(
        "templates"
    ),
) -> None:
    """Write the blank register templates (单位登记, 报送登记, 采用登记, 批示登记) as CSV and XLSX."""

    def body() -> None:
        for path in write_templates(out):
            typer.echo(str(path))

    run(body)


@app.command()
def export(
    out: Annotated[Path | None, typer.Option("--out", help="Write here instead of standard output.")] = None,
    db: Db = None,
) -> None:
    """Write the whole ledger as JSON Lines: acts, positions, recorded times and chain hashes."""

    def body() -> None:
        with ledger_at(db) as ledger:
            if out is None:
                for line in ledger.export():
                    sys.stdout.buffer.write(line)
                return
            with out.open("wb") as f:
                count = sum(f.write(line) > 0 for line in ledger.export())
        err.print(f"{out}: {count} acts exported", highlight=False)

    run(body)


@app.command()
def restore(
    file: Annotated[Path, typer.Argument(help="A file written by `ledger export`.")],
    db: Db = None,
) -> None:
    """Load an export into an empty ledger: the same positions, recorded times and hash chain."""

    def body() -> None:
        with ledger_at(db) as ledger:
            count = ledger.restore(_read(file).splitlines())
            checked, broken, what = ledger.store.verify()
        typer.echo(f"{file}: {count} acts restored; chain verified over {checked} acts: {what}")
        if broken is not None:
            raise typer.Exit(4)

    run(body)


@app.command()
def verify(
    db: Db = None,
    checkpoint: Annotated[
        list[Path] | None,
        typer.Option("--checkpoint", help="A checkpoint file (检查点) to check the chain by; repeatable."),
    ] = None,
    public_key: Annotated[
        list[Path] | None,
        typer.Option("--public-key", help="The public key checkpoints must be signed with; repeatable."),
    ] = None,
) -> None:
    """Walk the hash chain and report the first position where stored history was altered, removed or
    reordered; with --checkpoint, also where it diverges from checkpoints signed outside the database."""

    def body() -> None:
        if checkpoint or public_key:
            from ledger.cli.checkpoints import verify_against

            code = verify_against(db, checkpoint or [], public_key or [])
            if code:
                raise typer.Exit(code)
            return
        with ledger_at(db) as ledger:
            checked, broken, what = ledger.store.verify()
        if broken is None:
            typer.echo(f"ok: {checked} acts, {what}")
            return
        err.print(f"[red]altered:[/red] position {broken}: {what} ({checked} acts verified before it)")
        raise typer.Exit(4)

    run(body)


@app.command()
def score(
    rulebook: RulebookOpt,
    period: PeriodOpt,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    unit: Annotated[str | None, typer.Option("--unit", help="Only this unit.")] = None,
    fmt: Format = "table",
    db: Db = None,
) -> None:
    """Score every unit for a period (考核得分), ranked, as of a date and as known at a time."""

    def body() -> None:
        with ledger_at(db) as ledger, _progress(ledger.store.head()[0], "replaying") as tick:
            document = ledger.score(rulebook, period, as_of, known_at, unit, progress=tick)
        _emit(document, fmt)

    run(body)


def _emit(
    document: dict[str, Any],
    fmt: str,
    csv: Callable[[dict[str, Any]], str] = render.scores_csv,
    table: Callable[[dict[str, Any]], None] | None = None,
) -> None:
    """A document as JSON, CSV or a table (the score table unless another is given)."""
    if fmt == "json":
        sys.stdout.buffer.write(render.dumps(document))
    elif fmt == "csv":
        sys.stdout.write(csv(document))
    elif fmt == "table":
        (table or _table)(document)
    else:
        raise LedgerError(f"--format {fmt!r} is not one of table, json, csv")


def _table(document: dict[str, Any]) -> None:
    book = document["rulebook"]
    title = (
        f"{book['id']} v{book['version']} · {document['period']} · as of {document['as_of']}"
        f" · known at {document['known_at']}"
    )
    table = Table(title=title, caption=f"sha256 {book['sha256']}")
    metrics = sorted({m for u in document["units"] for m in u["metrics"]})
    flags = sorted({f for u in document["units"] for f in u["flags"]})
    graded = any(u.get("grade") for u in document["units"])
    for name in ["rank", "unit", "name", "class", "total", *metrics, *flags, *(["grade"] if graded else [])]:
        table.add_column(name, justify="right" if name in ("rank", "total", *metrics) else "left")
    for u in document["units"]:
        table.add_row(
            "—" if u["rank"] is None else str(u["rank"]),  # not ranked: assessed apart
            u["unit"],
            u["name"],
            str(u["class"]),
            str(u["total"]),
            *(str(u["metrics"].get(m, "")) for m in metrics),
            *("yes" if u["flags"].get(f) else "no" for f in flags),
            *([str(u.get("grade") or "")] if graded else []),
        )
    Console(width=max(120, Console().width)).print(table)


@app.command()
def explain(
    unit: Annotated[str, typer.Option("--unit", help="The unit to explain.")],
    rulebook: RulebookOpt,
    period: PeriodOpt,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    db: Db = None,
) -> None:
    """Every line of a unit's score: the clause, its wording, the points and the acts behind them."""

    def body() -> None:
        with ledger_at(db) as ledger, _progress(ledger.store.head()[0], "replaying") as tick:
            document = ledger.score(rulebook, period, as_of, known_at, unit, progress=tick)
        sys.stdout.write(render.explanation(document))

    run(body)


@app.command()
def events(
    unit: Annotated[str | None, typer.Option("--unit")] = None,
    report: Annotated[str | None, typer.Option("--report")] = None,
    kind: Annotated[list[str] | None, typer.Option("--type", help="Act type; repeatable.")] = None,
    occurred_from: Annotated[str | None, typer.Option("--from", help="Occurred on or after.")] = None,
    occurred_to: Annotated[str | None, typer.Option("--to", help="Occurred on or before.")] = None,
    known_at: KnownAt = None,
    db: Db = None,
) -> None:
    """List stored acts in position order as JSON Lines, with their positions and recorded times."""

    def body() -> None:
        with ledger_at(db) as ledger:
            out = sys.stdout.buffer
            for act in ledger.events(
                unit=unit,
                report=report,
                types=kind or (),
                occurred_from=occurred_from,
                occurred_to=occurred_to,
                known_at=known_at,
            ):
                out.write(orjson.dumps(act.as_json()) + b"\n")

    run(body)


@app.command()
def rulebooks(fmt: Format = "table", db: Db = None) -> None:
    """The rulebooks the ledger knows: ids, versions, effective windows and sha256.

    Rulebooks are files, not acts: --db is accepted like on every command and changes nothing here.
    """

    def body() -> None:
        books = [b.describe() for b in Catalogue.load().all()]
        if fmt == "json":
            sys.stdout.buffer.write(render.dumps(books))
            return
        table = Table(title="rulebooks")
        for name in ("id", "version", "document", "title", "effective", "cadence", "sha256"):
            table.add_column(name)
        for b in books:
            window = f"{b['effective_from']} – {b['effective_to'] or ''}"
            table.add_row(
                b["id"],
                str(b["version"]),
                b["document"],
                b["title"],
                window,
                b["cadence"],
                b["sha256"],
            )
        Console(width=max(160, Console().width)).print(table)

    run(body)


@app.command()
def whatif(
    base: Annotated[str, typer.Option("--base", help="The rulebook in force (ID or ID@VERSION).")],
    draft: Annotated[str, typer.Option("--draft", help="The draft: ID, ID@VERSION or a .toml file.")],
    period: PeriodOpt,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    fmt: Format = "table",
    db: Db = None,
) -> None:
    """Score the same acts under a base and a draft rulebook (what-if); writes nothing."""

    def body() -> None:
        with ledger_at(db) as ledger:  # the command line's ledger takes a draft file's path too
            document = ledger.whatif(base, draft, period, as_of, known_at)
        _emit(document, fmt, csv=render.whatif_csv, table=_whatif_table)

    run(body)


def _whatif_table(document: dict[str, Any]) -> None:
    b, d = document["base"], document["draft"]
    title = (
        f"what-if {document['period']}: {b['id']} v{b['version']} → {d['id']} v{d['version']}"
        f" · as of {document['as_of']}"
    )
    table = Table(title=title, caption=f"draft sha256 {d['sha256']}")
    for name in ("unit", "name", "base", "draft", "difference", "rank", "rank change", "where it comes from"):
        table.add_column(name, justify="right" if name in ("base", "draft", "difference") else "left")
    for u in document["units"]:
        moved = u["rank_change"]
        sources = "; ".join(f"{c['clause']['id']} {c['difference']:+}" for c in u["clauses"])
        table.add_row(
            u["unit"],
            u["name"],
            str(u["base_total"]),
            str(u["draft_total"]),
            f"{u['difference']:+}" if u["difference"] else "0",
            f"{u['base_rank'] or '—'} → {u['draft_rank'] or '—'}",
            "" if not moved else (f"↑{moved}" if moved > 0 else f"↓{-moved}"),
            sources,
        )
    Console(width=max(160, Console().width)).print(table)


rulebook_app = typer.Typer(help="Check and compare rulebook drafts.")
app.add_typer(rulebook_app, name="rulebook")


@rulebook_app.command("check")
def rulebook_check(file: Annotated[Path, typer.Argument(help="A rulebook .toml file.")]) -> None:
    """Validate a rulebook draft: every key, with the file and key named when something is wrong."""

    def body() -> None:
        book = load_rulebook(file)
        typer.echo(f"{file}: {book.ref} is valid ({len(book.model.clauses)} clauses, sha256 {book.sha256})")

    run(body)


@rulebook_app.command("diff")
def rulebook_diff(
    a: Annotated[str, typer.Argument(help="ID, ID@VERSION or a .toml file.")],
    b: Annotated[str, typer.Argument(help="ID, ID@VERSION or a .toml file.")],
    fmt: Format = "table",
) -> None:
    """List the clauses (and classes, publications, window) that differ between two rulebooks."""

    def body() -> None:
        catalogue = Catalogue.load()
        left, right = selection_of(catalogue, a).latest, selection_of(catalogue, b).latest
        changes = diff_rulebooks(left, right)
        if fmt == "json":
            sys.stdout.buffer.write(render.dumps(changes))
            return
        typer.echo(
            f"{left.ref} ({left.sha256[:12]}) → {right.ref} ({right.sha256[:12]}): {len(changes)} change(s)"
        )
        for change in changes:
            typer.echo(f"  {change['change']:8} {change['where']}")
            if change["change"] == "changed":
                typer.echo(f"           from {orjson.dumps(change['from']).decode()}")
                typer.echo(f"           to   {orjson.dumps(change['to']).decode()}")

    run(body)


token_app = typer.Typer(help="Bearer tokens for the HTTP service (only their hashes are stored).")
app.add_typer(token_app, name="token")


@contextmanager
def tokens_at(db: str | None) -> Iterator[Tokens]:
    with ledger_at(db) as ledger:
        yield Tokens(ledger.store)


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option("--role", help="office, auditor, admin or unit:<unit>.")],
    name: Annotated[str, typer.Option("--name", help="Who holds it (unique).")],
    db: Db = None,
) -> None:
    """Make a token and print it once; it cannot be shown again."""

    def body() -> None:
        token = new_token()
        with tokens_at(db) as tokens:
            tokens.create(token, check_name(name), check_role(role))
        typer.echo(token)
        err.print(f"token {name!r} ({role}) created; store it now, it is not shown again", highlight=False)

    run(body)


@token_app.command("list")
def token_list(db: Db = None) -> None:
    """Every token's name, role, creation and revocation time (never the token)."""

    def body() -> None:
        with tokens_at(db) as tokens:
            for record in tokens.list():
                state = f"revoked {record.revoked_at}" if record.revoked_at else "active"
                typer.echo(f"{record.name}\t{record.role}\tcreated {record.created_at}\t{state}")

    run(body)


@token_app.command("revoke")
def token_revoke(name: Annotated[str, typer.Argument(help="The token's name.")], db: Db = None) -> None:
    """Revoke a token: it stops working at once."""

    def body() -> None:
        with tokens_at(db) as tokens:
            record = tokens.revoke(name)
        typer.echo(f"{record.name}: revoked {record.revoked_at}")

    run(body)


@app.command()
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
            with _reachable(lambda: Ledger.open(Settings.from_env(db)), once) as ledger:
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
def _reachable(open_ledger: Callable[[], Ledger], once: bool) -> Iterator[Ledger]:
    """The ledger, opened once its store can be reached: a worker may start before its database does,
    or while another process holds SQLite's write lock. A long-running worker waits for as long as it
    takes (until SIGTERM); --once gives up after ATTEMPTS."""
    ledger = _reachable_now(open_ledger, ATTEMPTS if once else None)
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


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    project: Annotated[
        str | None,
        typer.Option(
            help="Rulebooks to keep projected for fast score queries, comma-separated (the worker of "
            "`ledger project`, in a thread of this server)."
        ),
    ] = None,
    db: Db = None,
) -> None:
    """Serve the HTTP API (/v1, OpenAPI at /docs) and the pages (/) with uvicorn."""
    import os

    import uvicorn

    os.environ["LEDGER_DATABASE_URL"] = Settings.from_env(db).database_url
    if project is not None:
        os.environ["LEDGER_PROJECT"] = project
    uvicorn.run(
        "ledger.api:create_app", factory=True, host=host, port=port, workers=workers, log_level="info"
    )


from ledger.cli.bulletin import bulletin_app  # noqa: E402  (it imports this module's helpers)

app.add_typer(bulletin_app, name="bulletin")

from ledger.cli.checkpoints import checkpoint_app  # noqa: E402  (it imports this module's helpers)

app.add_typer(checkpoint_app, name="checkpoint")


def main() -> None:  # pragma: no cover - console entry point
    app()
