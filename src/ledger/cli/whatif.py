"""`whatif`: the same acts scored under the rulebook in force and a draft, side by side, with what the
draft changes in words (`《银川政务信息》每条分值 3 → 4`); writes nothing."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from ledger import drafting, render
from ledger.cli import tables
from ledger.cli.common import AsOf, Db, Format, KnownAt, PeriodOpt, emit, ledger_at, note, recorded, run
from ledger.errors import RulebookError
from ledger.rulebooks import Rulebook, source_text
from ledger.services import Ledger


def whatif(
    base: Annotated[str, typer.Option("--base", help="现行考核办法：ID 或 ID@版本 (base rulebook).")],
    draft: Annotated[str, typer.Option("--draft", help="草案：ID、ID@版本 或 .toml 文件 (draft rulebook).")],
    period: PeriodOpt,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    fmt: Format = "table",
    db: Db = None,
) -> None:
    """假设分析：同一批行为分别按现行考核办法和草案计分，逐单位对比。

    列出得分与名次的变化及其来自哪些条款，并以文字说明草案改动了哪些数值；不写入任何记录。
    """

    def body() -> None:
        with ledger_at(db) as ledger:  # the command line's ledger takes a draft file's path too
            document = ledger.whatif(base, draft, period, as_of, known_at)
            empty = None if document["units"] else ledger.why_no_units(document)
            said = _said(ledger, document, base, draft)
        emit(document, fmt, csv=render.whatif_csv, table=_table)
        if fmt == "table":
            for line in _words(said).splitlines():
                for part in tables.indented(line, 0):
                    typer.echo(part)
        else:  # standard output stays the document alone
            note(_words(said))
        if empty:
            note(empty)

    run(body)


def _said(ledger: Ledger, document: dict[str, Any], base: str, draft: str) -> list[str]:
    """What the draft changes in words, between the versions the document names (the base's may be one
    of a family's), read from their files."""
    books: dict[str, Rulebook] = {}
    for name in (base, draft):
        books.update((b.sha256, b) for b in ledger.selection(name).versions)
    sides = [books.get(document[side]["sha256"]) for side in ("base", "draft")]
    try:
        before, after = (drafting.fields(b, source_text(b)) if b else [] for b in sides)
    except RulebookError:
        return []
    return drafting.changes(before, after) if sides[0] and sides[1] else []


def _words(said: list[str]) -> str:
    if not said:
        return "草案没有改动任何数值 (the draft changes no number)"
    return "草案改动 (what the draft changes):\n" + "\n".join(f"  {line}" for line in said)


def _table(document: dict[str, Any]) -> None:
    b, d = document["base"], document["draft"]
    title = (
        f"假设分析 期间 {document['period']}：{b['id']} 第 {b['version']} 版 → {d['id']} 第 {d['version']} 版"
        f" · 截至 {document['as_of']}"
    )
    for line in tables.indented(title, 0):
        typer.echo(line)
    table = Table()
    table.add_column("单位", overflow="fold")
    table.add_column("代码", no_wrap=True)  # what --unit takes
    for name in ("现行", "草案", "差"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("名次", no_wrap=True)
    table.add_column("名次变化", no_wrap=True)
    table.add_column("来自条款", overflow="fold")
    for u in document["units"]:
        moved = u["rank_change"]
        sources = "; ".join(f"{c['clause']['id']} {c['difference']:+}" for c in u["clauses"])
        table.add_row(
            recorded(u["name"]),
            recorded(u["unit"]),
            str(u["base_total"]),
            str(u["draft_total"]),
            f"{u['difference']:+}" if u["difference"] else "0",
            f"{u['base_rank'] or '—'} → {u['draft_rank'] or '—'}",
            "" if not moved else (f"↑{moved}" if moved > 0 else f"↓{-moved}"),
            sources,
        )
    tables.show(table)
    typer.echo(f"草案 sha256 {d['sha256']}")
