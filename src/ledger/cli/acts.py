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

from ledger.cli import tables
from ledger.cli.common import Db, KnownAt, err, ledger_at, note, progress, run
from ledger.emptiness import NOTHING_TO
from ledger.errors import LedgerError
from ledger.filekinds import BOM, HEAD, head_of, kind_of
from ledger.spreadsheets import import_sheet, write_templates


def import_(
    file: Annotated[
        Path,
        typer.Argument(help="JSON Lines 文件（每行一个行为；- 为标准输入），或 .csv、.xlsx 登记表 (file)."),
    ],
    db: Db = None,
) -> None:
    """导入一个文件的行为：全部导入，或一条有误则全不导入。

    重复导入不改变任何东西：已有的行为记为重复。`ledger export` 写的文件导入为恢复（见 restore）。
    """

    def body() -> None:
        # What the file is, before the ledger is opened (or made): a file of the wrong kind changes nothing.
        if str(file) != "-" and kind_of(str(file), head_of(file)) != "jsonl":
            with ledger_at(db, create=True) as ledger, progress(0) as tick:
                result = import_sheet(ledger, file, progress=tick)
            typer.echo(imported(file, result.acts, result.new, result.duplicates))
            return
        with _lines_of(file) as (lines, total):
            if _is_export(lines):  # a file of `ledger export`: the same positions, times and chain
                _restore(db, file, lambda: lines)
                return
            with ledger_at(db, create=True) as ledger, progress(total) as tick:
                result = ledger.import_lines(lines, progress=tick)
        typer.echo(imported(file, result.acts, result.new, result.duplicates))

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
        raise LedgerError(f"{file}：无法读取（{e.strerror}）") from None
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
        raise LedgerError(f"{file}：无法读取（{e.strerror}）") from None


def imported(file: Path, acts: int, new: int, duplicates: int) -> str:
    """What an import did, counted in 条 (the same word for one act and for many)."""
    return f"{file}：共 {acts} 条行为：新增 {new} 条，重复 {duplicates} 条"


def _restore(db: str | None, file: Path, lines: Callable[[], Iterable[bytes]]) -> None:
    """Restore an export (its lines read once the ledger is open), then walk the chain it made: exit 4
    if it does not hold."""
    with ledger_at(db, create=True) as ledger:
        count = ledger.restore(lines())
        checked, broken, what = ledger.store.verify()
    typer.echo(f"{file}：已恢复 {count} 条行为；哈希链核验 {checked} 条：{what}")
    if broken is not None:
        raise typer.Exit(4)


def template(
    out: Annotated[Path, typer.Option("--out", help="空白登记表写入的目录 (directory).")] = Path("templates"),
) -> None:
    """写出空白登记表：单位、报送、采用、批示登记，CSV 与 XLSX。"""

    def body() -> None:
        for path in write_templates(out):
            typer.echo(str(path))

    run(body)


def export(
    out: Annotated[Path | None, typer.Option("--out", help="写入此文件，而非标准输出 (file).")] = None,
    db: Db = None,
) -> None:
    """导出整个账本为 JSON Lines：带位置、记录时间与哈希链值。"""

    def body() -> None:
        with ledger_at(db) as ledger:
            if out is None:
                count = sum(sys.stdout.buffer.write(line) > 0 for line in ledger.export())
            else:
                with out.open("wb") as f:
                    count = sum(f.write(line) > 0 for line in ledger.export())
        if out is not None:
            err.print(f"{out}：已导出 {count} 条行为", highlight=False)
        if not count:
            note(NOTHING_TO.format("导出", "export"))

    run(body)


def restore(
    file: Annotated[Path, typer.Argument(help="`ledger export` 写出的文件 (file).")],
    db: Db = None,
) -> None:
    """把导出的账本恢复到空账本：位置、记录时间与哈希链不变。"""

    def body() -> None:
        kind_of(str(file), head_of(file))  # JSON Lines, or WrongFile before the ledger is made
        _restore(db, file, lambda: _read(file).splitlines())

    run(body)


def events(
    unit: Annotated[str | None, typer.Option("--unit", help="单位代码：该单位的行为 (unit slug).")] = None,
    report: Annotated[
        str | None, typer.Option("--report", help="信息编号：该信息的行为 (report id).")
    ] = None,
    kind: Annotated[
        list[str] | None, typer.Option("--type", help="行为类型，如 report.adopted；可重复 (act type).")
    ] = None,
    occurred_from: Annotated[
        str | None, typer.Option("--from", help="发生日期不早于此日 (occurred on or after).")
    ] = None,
    occurred_to: Annotated[
        str | None, typer.Option("--to", help="发生日期不晚于此日 (occurred on or before).")
    ] = None,
    recorded_from: Annotated[
        str | None,
        typer.Option("--recorded-from", help="记录时间晚于此时；日期指当日结束 (recorded after)."),
    ] = None,
    known_at: KnownAt = None,
    fmt: Annotated[str, typer.Option("--format", help="jsonl（每行一个 JSON）或 table (表格).")] = "jsonl",
    db: Db = None,
) -> None:
    """按位置顺序列出行为，带位置与记录时间。

    默认输出 JSON Lines；--format table 输出表格（记录时间为北京时间，单位显示名称）。
    """

    def body() -> None:
        if fmt not in ("jsonl", "table"):
            raise LedgerError(f"--format 应为 jsonl 或 table，而不是 {fmt!r}")
        filters: dict[str, Any] = {
            "unit": unit,
            "report": report,
            "types": kind or (),
            "occurred_from": occurred_from,
            "occurred_to": occurred_to,
            "recorded_from": recorded_from,
            "known_at": known_at,
        }
        with ledger_at(db) as ledger:
            if fmt == "table":
                found = list(ledger.events(**filters))
                if found:
                    names = {slug: u["name"] for slug, u in ledger.units(known_at).items()}
                    tables.show(tables.events_table(found, names))
            else:
                out = sys.stdout.buffer
                found = []
                for act in ledger.events(**filters):
                    out.write(orjson.dumps(act.as_json()) + b"\n")
                    found.append(act)
            if not found:  # said on stderr: standard output stays valid (empty) JSON Lines
                note(ledger.why_no_events(**filters))

    run(body)
