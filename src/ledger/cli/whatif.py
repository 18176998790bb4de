"""`whatif`: the same acts scored under the rulebook in force and a draft, side by side; writes nothing."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ledger import render
from ledger.cli.common import AsOf, Db, Format, KnownAt, PeriodOpt, emit, ledger_at, note, recorded, run


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
        emit(document, fmt, csv=render.whatif_csv, table=_table)
        if empty:
            note(empty)

    run(body)


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
