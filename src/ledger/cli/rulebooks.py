"""Rulebooks: `rulebooks` lists those the ledger knows; `rulebook check` and `rulebook diff` look at
drafts."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.table import Table

from ledger import render
from ledger.cli.common import Db, Format, note, run
from ledger.rulebooks import Catalogue, default_directories, load_rulebook
from ledger.services import selection_of
from ledger.whatif import diff_rulebooks

rulebook_app = typer.Typer(help="Check and compare rulebook drafts.")


def rulebooks(fmt: Format = "table", db: Db = None) -> None:
    """The rulebooks the ledger knows: ids, versions, effective windows and sha256.

    Rulebooks are files, not acts: --db is accepted like on every command and changes nothing here.
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
