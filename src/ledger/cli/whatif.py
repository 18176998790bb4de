"""`whatif`: the same acts scored under the rulebook in force and a draft, side by side, with what the
draft changes in words (`《银川政务信息》每条分值 3 → 4`); writes nothing."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ledger import drafting, render
from ledger.cli.common import AsOf, Db, Format, KnownAt, PeriodOpt, emit, ledger_at, note, recorded, run
from ledger.errors import RulebookError
from ledger.rulebooks import Rulebook, source_text
from ledger.services import Ledger


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
            empty = None if document["units"] else ledger.why_no_units(document)
            said = _said(ledger, document, base, draft)
        emit(document, fmt, csv=render.whatif_csv, table=_table)
        if fmt == "table":
            Console(width=max(160, Console().width)).print(_words(said), highlight=False)
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
            recorded(u["unit"]),
            recorded(u["name"]),
            str(u["base_total"]),
            str(u["draft_total"]),
            f"{u['difference']:+}" if u["difference"] else "0",
            f"{u['base_rank'] or '—'} → {u['draft_rank'] or '—'}",
            "" if not moved else (f"↑{moved}" if moved > 0 else f"↓{-moved}"),
            sources,
        )
    Console(width=max(160, Console().width)).print(table)
