"""Scores: `score` (考核得分) ranks every unit of a period, `explain` gives a unit's every line."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from ledger import render
from ledger.cli import tables
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
from ledger.rulebooks import Rulebook


def score(
    rulebook: RulebookOpt,
    period: PeriodOpt,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    unit: Annotated[str | None, typer.Option("--unit", help="只看这个单位（单位代码）(unit slug).")] = None,
    fmt: Format = "table",
    db: Db = None,
) -> None:
    """考核得分：一个期间每个单位的得分与名次。

    按 --as-of 日期及以前发生、--known-at 时间及以前记录的行为计分。
    """

    def body() -> None:
        with ledger_at(db) as ledger, progress(ledger.store.head()[0], "重放中") as tick:
            document = ledger.score(rulebook, period, as_of, known_at, unit, progress=tick)
            empty = None if document["units"] else ledger.why_no_units(document)
            book = ledger.selection(rulebook).latest
        emit(document, fmt, csv=render.scores_csv, table=lambda d: _show(d, book))
        if empty:
            note(empty)

    run(body)


METRICS = {  # what a metric is called, by the kind of clause that reports it
    "performance_adjustment": "绩效扣分",
    "reward": "奖励",
    "deductions": "扣分",
    "conversion": "折算分",
}
FLAGS = {"criticized": "被通报", "eligible_for_award": "可评优"}


def _show(document: dict[str, Any], book: Rulebook) -> None:
    """The rulebook, period, as-of and known-at (China time), the ranking, and the rulebook's sha256
    whole on a line of its own."""
    identity = document["rulebook"]
    for line in tables.indented(f"{book.model.title}（{identity['id']} 第 {identity['version']} 版）", 0):
        typer.echo(line)
    known = tables.china_time(document["known_at"])
    typer.echo(f"期间 {document['period']} · 截至 {document['as_of']} · 已知于 {known}（北京时间）")
    tables.show(_table(document, book))
    typer.echo(f"sha256 {identity['sha256']}")


def _table(document: dict[str, Any], book: Rulebook) -> Table:
    """The ranking as a table: units and classes by name, metrics and flags by what they are called."""
    table = Table()
    metrics = sorted({m for u in document["units"] for m in u["metrics"]})
    flags = sorted({f for u in document["units"] for f in u["flags"]})
    graded = any(u.get("grade") for u in document["units"])
    named, classes = _names(book)
    table.add_column("名次", justify="right", no_wrap=True)
    table.add_column("单位", overflow="fold")
    table.add_column("代码", no_wrap=True)  # what --unit takes
    table.add_column("类别", overflow="fold")
    table.add_column("总分", justify="right", no_wrap=True)
    for m in metrics:
        table.add_column(named.get(m) or m, justify="right", overflow="fold")
    for f in flags:
        table.add_column(FLAGS.get(f, f), overflow="fold")
    if graded:
        table.add_column("等级", overflow="fold")
    for u in document["units"]:
        table.add_row(
            "—" if u["rank"] is None else str(u["rank"]),  # not ranked: assessed apart
            recorded(u["name"]),
            recorded(u["unit"]),
            recorded(classes.get(str(u["class"]), str(u["class"]))),
            str(u["total"]),
            *(str(u["metrics"].get(m, "")) for m in metrics),
            *("是" if u["flags"].get(f) else "否" for f in flags),
            *([recorded(str(u.get("grade") or ""))] if graded else []),
        )
    return table


def _names(book: Rulebook) -> tuple[dict[str, str], dict[str, str]]:
    """What the rulebook's metrics are called (by the clause reporting them), and its classes' names."""
    clauses = book.model.clauses
    metrics = {m: METRICS[c.kind] for c in clauses if (m := getattr(c, "metric", None)) and c.kind in METRICS}
    return metrics, {slug: c.name for slug, c in book.model.classes.items()}


def explain(
    unit: Annotated[str, typer.Option("--unit", help="要说明的单位（单位代码）(unit slug).")],
    rulebook: RulebookOpt,
    period: PeriodOpt,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    db: Db = None,
) -> None:
    """逐条说明一个单位的得分：条款、原文、分值与所依据的行为。"""

    def body() -> None:
        with ledger_at(db) as ledger, progress(ledger.store.head()[0], "重放中") as tick:
            document = ledger.score(rulebook, period, as_of, known_at, unit, progress=tick)
            if not document["units"]:  # the unit is registered after the day judged
                raise LedgerError(ledger.why_no_units(document, unit))
            named, classes = _names(ledger.selection(rulebook).latest)
        sys.stdout.write(render.explanation(document, metrics=named, classes=classes))

    run(body)
