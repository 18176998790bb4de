"""Rulebooks: `rulebooks` lists those the ledger knows; `rulebook check` and `rulebook diff` look at
drafts."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import orjson
import typer

from ledger import render
from ledger.cli import tables
from ledger.cli.common import Db, Format, note, run
from ledger.rulebooks import Catalogue, default_directories, load_rulebook
from ledger.services import selection_of
from ledger.whatif import diff_rulebooks

rulebook_app = typer.Typer(help="检查、比较考核办法草案。")


def rulebooks(fmt: Format = "table", db: Db = None) -> None:
    """列出考核办法：ID、版本、有效期、周期、名称、文号与 sha256。

    考核办法是文件，不是行为：--db 与其他命令一样可以给出，在这里不起作用。
    """

    def body() -> None:
        directories = default_directories()
        books = [b.describe() for b in Catalogue.load(directories).all()]
        for missing in (d for d in directories if not d.is_dir()):
            note(f"找不到考核办法目录 {missing} (no such rulebook directory; see LEDGER_RULEBOOKS_PATH)")
        if not books:
            searched = "、".join(str(d) for d in directories)
            note(
                f"没有找到任何考核办法：查找了 {searched}，其中没有 .toml 文件；请检查安装，或用 "
                "LEDGER_RULEBOOKS_PATH 指明考核办法所在的目录 (no rulebooks found)"
            )
        if fmt == "json":
            sys.stdout.buffer.write(render.dumps(books))
            return
        # One block per version, its sha256 whole on a line of its own (73 columns: a hash is never cut).
        for b in books:
            window = f"{b['effective_from']} 至 {b['effective_to'] or '今'}"
            cadence = CADENCES.get(b["cadence"], b["cadence"])
            typer.echo(f"{b['id']}  第 {b['version']} 版  有效期 {window}  按{cadence}考核")
            for line in [*tables.indented(b["title"]), *tables.indented(b["document"])]:
                typer.echo(line)
            typer.echo(f"  sha256 {b['sha256']}")

    run(body)


CADENCES = {"month": "月", "quarter": "季度", "half": "半年", "year": "年度"}
CHANGES = {"changed": "改动", "removed": "删去", "added": "新增"}


@rulebook_app.command("check")
def rulebook_check(file: Annotated[Path, typer.Argument(help="考核办法 .toml 文件 (file).")]) -> None:
    """检查考核办法草案：逐个键核对，有误时指明文件与键。"""

    def body() -> None:
        book = load_rulebook(file)
        typer.echo(f"{file}：{book.ref} 有效，{len(book.model.clauses)} 条条款")
        typer.echo(f"sha256 {book.sha256}")

    run(body)


@rulebook_app.command("diff")
def rulebook_diff(
    a: Annotated[str, typer.Argument(help="ID、ID@版本 或 .toml 文件 (rulebook).")],
    b: Annotated[str, typer.Argument(help="ID、ID@版本 或 .toml 文件 (rulebook).")],
    fmt: Format = "table",
) -> None:
    """比较两个考核办法：列出不同的条款（及类别、刊物、有效期）。"""

    def body() -> None:
        catalogue = Catalogue.load()
        left, right = selection_of(catalogue, a).latest, selection_of(catalogue, b).latest
        changes = diff_rulebooks(left, right)
        if fmt == "json":
            sys.stdout.buffer.write(render.dumps(changes))
            return
        typer.echo(
            f"{left.ref} ({left.sha256[:12]}) → {right.ref} ({right.sha256[:12]})：{len(changes)} 处不同"
        )
        for change in changes:
            typer.echo(f"  {CHANGES.get(change['change'], change['change'])}  {change['where']}")
            if change["change"] == "changed":
                typer.echo(f"        原：{orjson.dumps(change['from']).decode()}")
                typer.echo(f"        新：{orjson.dumps(change['to']).decode()}")

    run(body)
