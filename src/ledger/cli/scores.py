"""Scores: `score` (考核得分) ranks every unit of a period, `explain` gives a unit's every line."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ledger import render
from ledger.cli.common import (
    AsOf,
    Db,
    Format,
    KnownAt,
    PeriodOpt,
    RulebookOpt,
    emit,
    ledger_at,
    note,
    progress,
    recorded,
    run,
)
from ledger.errors import LedgerError


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
        with ledger_at(db) as ledger, progress(ledger.store.head()[0], "replaying") as tick:
            document = ledger.score(rulebook, period, as_of, known_at, unit, progress=tick)
            empty = None if document["units"] else ledger.why_no_units(document)
        emit(document, fmt, csv=render.scores_csv, table=_table)
        if empty:
            note(empty)

    run(body)


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
            recorded(u["unit"]),
            recorded(u["name"]),
            recorded(str(u["class"])),
            str(u["total"]),
            *(str(u["metrics"].get(m, "")) for m in metrics),
            *("yes" if u["flags"].get(f) else "no" for f in flags),
            *([recorded(str(u.get("grade") or ""))] if graded else []),
        )
    Console(width=max(120, Console().width)).print(table)


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
        with ledger_at(db) as ledger, progress(ledger.store.head()[0], "replaying") as tick:
            document = ledger.score(rulebook, period, as_of, known_at, unit, progress=tick)
            if not document["units"]:  # the unit is registered after the day judged
                raise LedgerError(ledger.why_no_units(document, unit))
        sys.stdout.write(render.explanation(document))

    run(body)
