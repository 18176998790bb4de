"""Scores as JSON (the canonical form), CSV, a ranked table, and readable explanations.

JSON carries recorded text as it is stored; CSV and the explanations show it through `ledger.cells` and
`ledger.characters` (hidden characters as `<U+XXXX>`, no cell a spreadsheet would take for a formula)."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson

from ledger.cells import csv_text
from ledger.characters import visible
from ledger.instants import in_china
from ledger.terms import REASONS, act_name, flag
from projections.scoring import Board, UnitScore

WIDTH = 80  # the columns an explanation keeps within
WORD = re.compile(r"[0-9A-Za-z_.:/@+\-]+|.", re.S)  # a run that a fold must not cut, or one character
EXACT = Decimal(10**18)  # within it, points are exact JSON integers or decimals (64-bit, 28 digits)


def number(value: Decimal) -> int | float:
    """Points as JSON numbers: integers stay integers; fractions keep at most four decimals. Beyond EXACT
    (reached only by a rulebook's largest amounts over a great many acts) a number is a float."""
    if abs(value) >= EXACT:
        return float(value)
    value = value.quantize(Decimal("0.0001")).normalize()
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def board_json(board: Board, known_at: str, unit: str | None = None) -> dict[str, Any]:
    ranks = _ranks(board.units)
    main = board.selection.versions[0] if board.selection.pinned else _main(board)
    units = [_unit_json(s, ranks[s.unit.unit]) for s in board.units if unit is None or s.unit.unit == unit]
    return {
        "rulebook": main.identity(),
        "rulebooks_used": [b.identity() for b in sorted(board.used, key=lambda b: b.version)],
        "period": board.period.label,
        "as_of": board.as_of.isoformat(),
        "known_at": known_at,
        "units": units,
    }


def _main(board: Board) -> Any:
    end = min(board.period.end, board.as_of)
    return board.selection.for_day(end) or board.selection.latest


def _ranks(units: list[UnitScore]) -> dict[str, int | None]:
    return ranks_of([(s.unit.unit, s.rank_key) for s in units])


def ranks_of(ordered: list[tuple[str, Decimal | None]]) -> dict[str, int | None]:
    """Competition ranks (1, 2, 2, 4) of units already sorted by what they are ranked on (their total,
    or its share of their base), highest first; None for a unit not ranked (ranked on None), which
    takes no place."""
    ranks: dict[str, int | None] = {}
    previous: Decimal | None = None
    rank = place = 0
    for unit, key in ordered:
        if key is None:
            ranks[unit] = None
            continue
        place += 1
        if key != previous:
            rank, previous = place, key
        ranks[unit] = rank
    return ranks


def _unit_json(s: UnitScore, rank: int | None) -> dict[str, Any]:
    lines = sorted(s.lines.values(), key=lambda li: (li.period, _order(li), li.detail))
    # A unit not ranked says why beside its null rank; the others' JSON has no such key.
    apart = {} if s.not_ranked is None else {"not_ranked": s.not_ranked}
    return {
        "unit": s.unit.unit,
        "name": s.unit.name,
        "class": s.cls,
        "total": number(s.total),
        "rank": rank,
        **apart,
        "grade": s.grade,
        "metrics": {k: number(v) for k, v in sorted(s.metrics.items())},
        "flags": dict(sorted(s.flags.items())),
        "lines": [
            {
                "clause": {"id": li.clause.id, "wording": li.clause.wording},
                "rulebook": li.book.ref,
                "period": li.period,
                "detail": li.detail,
                "points": number(li.points),
                "events": li.events,
            }
            for li in lines
        ],
        "not_counted": [
            {
                "act": n.act,
                "type": n.type,
                "occurred_on": n.occurred_on,
                "reason": n.reason,
                "reason_text": REASONS.get(n.reason, n.reason),
                "detail": n.detail,
            }
            for n in s.not_counted
        ],
    }


def _order(line: Any) -> int:
    return [c.id for c in line.book.model.clauses].index(line.clause.id)


def dumps(document: Any) -> bytes:
    return orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"


def scores_csv(document: dict[str, Any]) -> str:
    out = io.StringIO()
    metrics = sorted({m for u in document["units"] for m in u["metrics"]})
    flags = sorted({f for u in document["units"] for f in u["flags"]})
    graded = any(u.get("grade") is not None for u in document["units"])
    writer = csv.writer(out, lineterminator="\n")
    grade = ["grade"] if graded else []
    writer.writerow(["rank", "unit", "name", "class", "total", *metrics, *flags, *grade])
    for u in document["units"]:
        writer.writerow(
            [u["rank"], csv_text(u["unit"]), csv_text(u["name"]), csv_text(u["class"]), u["total"]]
            + [u["metrics"].get(m, "") for m in metrics]
            + [_yes(u["flags"].get(f)) for f in flags]
            + ([csv_text(u["grade"] or "")] if graded else [])
        )
    return out.getvalue()


def _yes(flag: bool | None) -> str:
    return "" if flag is None else ("yes" if flag else "no")


def explanation(
    document: dict[str, Any],
    classes: Mapping[str, str] | None = None,
    metrics: Mapping[str, str] | None = None,
) -> str:
    """Each unit's lines, readable in 80 columns: period, clause, detail, points and the acts behind them;
    classes and metrics by the names given (the rulebook's), flags and reasons in Chinese."""
    book, classes, metrics = document["rulebook"], classes or {}, metrics or {}
    out = [
        f"{book['id']} 第 {book['version']} 版 · 期间 {document['period']} · 截至 {document['as_of']}",
        f"已知于 {in_china(document['known_at'])}（北京时间）",
        f"sha256 {book['sha256']}",
    ]
    for u in document["units"]:
        out.append("")
        grade = f"，等级 {u['grade']}" if u.get("grade") else ""
        place = f"第 {u['rank']} 名" if u["rank"] is not None else "不排名"
        kind = visible(classes.get(str(u["class"]), str(u["class"])))
        out.append(f"{place} {visible(u['name'])}（{u['unit']}，{kind}）：总分 {u['total']}{grade}")
        if u.get("not_ranked"):
            out.append(f"  不排名：{u['not_ranked']}")
        for name, value in u["metrics"].items():
            out.append(f"  指标 {metrics.get(name, name)}：{value}")
        for name, value in u["flags"].items():
            out.append(f"  标记 {flag(name)}：{'是' if value else '否'}")
        for li in u["lines"]:
            sign = f"{li['points']:+}" if li["points"] else "0"
            head = f"  {li['period']}  [{li['clause']['id']}] "
            out += folded(head, pieces(f"{visible(li['detail'])}：{sign}"), "")
            out += folded("      ", list(li["clause"]["wording"]), "")
            events = [visible(e) for e in li["events"]]
            if events:
                more = [f"…（另 {len(events) - 8} 条）"] if len(events) > 8 else []
                out += folded("      行为：", [*events[:8], *more])
        if u.get("not_counted"):
            out.append(f"  未计分的行为 ({len(u['not_counted'])})：")
            for nc in u["not_counted"]:
                reason = REASONS[nc["reason"]]
                act, detail = visible(nc["act"]), visible(nc["detail"])
                kind = act_name(nc["type"])
                out += folded(f"    {nc['occurred_on']}  {act} [{kind}] ", pieces(f"{reason}：{detail}"), "")
    return "\n".join(out) + "\n"


def folded(head: str, items: list[str], between: str = "、", width: int = WIDTH) -> list[str]:
    """`head` and the items joined by `between`, folded at `width` columns (CJK counted double), the lines
    after the first indented under the first item; a text folds anywhere given as its characters."""
    indent, lines, line = columns(head), [], head
    for i, item in enumerate(items):
        chunk = item + (between if i < len(items) - 1 else "")
        if columns(line) + columns(chunk) > width and columns(line) > indent:
            lines.append(line.rstrip())
            line = " " * indent
        line += chunk
    lines.append(line.rstrip())
    return lines


def pieces(text: str) -> list[str]:
    """A text cut where a fold may fall: between any two CJK characters or punctuation marks, never
    inside a run of letters, digits and the marks of an id or a time (yc2019-006272, 10:30:00)."""
    return WORD.findall(text)


def columns(text: str) -> int:
    """The columns a text takes on a terminal: wide (CJK) characters two, others one."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def whatif_csv(document: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["unit", "name", "base_total", "draft_total", "difference", "base_rank", "draft_rank", "rank_change"]
    )
    for u in document["units"]:
        writer.writerow(
            [csv_text(u["unit"]), csv_text(u["name"]), u["base_total"], u["draft_total"], u["difference"],
             u["base_rank"], u["draft_rank"], u["rank_change"]]
        )  # fmt: skip
    return out.getvalue()
