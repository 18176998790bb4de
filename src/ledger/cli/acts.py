"""Acts in and out: `import` (导入) and the blank registers of `template`, `events`, `export` and
`restore`."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, BinaryIO

import orjson
import typer

from ledger.cli.common import Db, KnownAt, err, ledger_at, note, progress, run
from ledger.emptiness import NOTHING_TO
from ledger.errors import LedgerError
from ledger.filekinds import BOM, HEAD, head_of, kind_of
from ledger.spreadsheets import import_sheet, write_templates


def import_(
    file: Annotated[
        Path,
        typer.Argument(help="JSON Lines (one act per line; - for stdin), or a register as .csv or .xlsx."),
    ],
    db: Db = None,
) -> None:
    """Append the acts of a file (导入): all of them, or none if any is bad. Re-importing changes nothing."""

    def body() -> None:
        # What the file is, before the ledger is opened (or made): a file of the wrong kind changes nothing.
        if str(file) != "-" and kind_of(str(file), head_of(file)) != "jsonl":
            with ledger_at(db, create=True) as ledger, progress(0) as tick:
                result = import_sheet(ledger, file, progress=tick)
            typer.echo(f"{file}: {result.acts} acts, {result.new} new, {result.duplicates} duplicate")
            return
        with _lines_of(file) as (lines, total):
            if _is_export(lines):  # a file of `ledger export`: the same positions, times and chain
                _restore(db, file, lambda: lines)
                return
            with ledger_at(db, create=True) as ledger, progress(total) as tick:
                result = ledger.import_lines(lines, progress=tick)
        typer.echo(f"{file}: {result.acts} acts, {result.new} new, {result.duplicates} duplicate")

    run(body)


@contextmanager
def _lines_of(file: Path) -> Iterator[tuple[Sequence[bytes] | BinaryIO, int]]:
    """A file's lines, read as they are used (standard input is read whole), and how many there are."""
    if str(file) == "-":
        data = sys.stdin.buffer.read()
        kind_of("standard input", data[:HEAD])  # JSON Lines, or WrongFile
        lines = data.splitlines()
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
        head = orjson.loads(first.removeprefix(BOM))
    except orjson.JSONDecodeError:
        return False
    return isinstance(head, dict) and {"position", "recorded_at", "chain"} <= head.keys()


def _read(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as e:
        raise LedgerError(f"{file}: cannot be read ({e.strerror})") from None


def _restore(db: str | None, file: Path, lines: Callable[[], Iterable[bytes]]) -> None:
    """Restore an export (its lines read once the ledger is open), then walk the chain it made: exit 4
    if it does not hold."""
    with ledger_at(db, create=True) as ledger:
        count = ledger.restore(lines())
        checked, broken, what = ledger.store.verify()
    typer.echo(f"{file}: {count} acts restored; chain verified over {checked} acts: {what}")
    if broken is not None:
        raise typer.Exit(4)


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


def export(
    out: Annotated[Path | None, typer.Option("--out", help="Write here instead of standard output.")] = None,
    db: Db = None,
) -> None:
    """Write the whole ledger as JSON Lines: acts, positions, recorded times and chain hashes."""

    def body() -> None:
        with ledger_at(db) as ledger:
            if out is None:
                count = sum(sys.stdout.buffer.write(line) > 0 for line in ledger.export())
            else:
                with out.open("wb") as f:
                    count = sum(f.write(line) > 0 for line in ledger.export())
        if out is not None:
            err.print(f"{out}: {count} acts exported", highlight=False)
        if not count:
            note(NOTHING_TO.format("导出", "export"))

    run(body)


def restore(
    file: Annotated[Path, typer.Argument(help="A file written by `ledger export`.")],
    db: Db = None,
) -> None:
    """Load an export into an empty ledger: the same positions, recorded times and hash chain."""

    def body() -> None:
        kind_of(str(file), head_of(file))  # JSON Lines, or WrongFile before the ledger is made
        _restore(db, file, lambda: _read(file).splitlines())

    run(body)


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
        filters: dict[str, Any] = {
            "unit": unit,
            "report": report,
            "types": kind or (),
            "occurred_from": occurred_from,
            "occurred_to": occurred_to,
            "known_at": known_at,
        }
        with ledger_at(db) as ledger:
            out = sys.stdout.buffer
            found = 0
            for act in ledger.events(**filters):
                out.write(orjson.dumps(act.as_json()) + b"\n")
                found += 1
            if not found:  # said on stderr: standard output stays valid (empty) JSON Lines
                note(ledger.why_no_events(**filters))

    run(body)
