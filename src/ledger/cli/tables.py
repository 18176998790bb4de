"""Tables on a terminal: as wide as the terminal is (80 columns fits every one: long cells wrap, no
column is cut), in Chinese, units by name; and `ledger events --format table` (行为列表)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ledger.acts import NAMES, StoredAct
from ledger.characters import visible
from ledger.instants import in_china
from ledger.terms import level, severity


def show(table: Table) -> None:
    """A table on standard output, at the terminal's width (COLUMNS when piped: 80 by default)."""
    Console().print(table)


def indented(text: str, indent: int = 2) -> list[str]:
    """Recorded text wrapped at the terminal's width, indented (a long CJK line folds, none is cut)."""
    console = Console()
    lines = Text(visible(text)).wrap(console, max(20, console.width - indent), overflow="fold")
    return [" " * indent + line.plain.rstrip() for line in lines]


china_time = in_china  # a recorded time (UTC) as read in China, to the minute: `2019-10-16 10:30`


def events_table(acts: Iterable[StoredAct], names: Mapping[str, str]) -> Table:
    """Acts as rows: position, when recorded (China time), when they occurred, what they are, and what
    they are about, units by name."""
    table = Table(title="行为", show_lines=False)
    table.add_column("位置", justify="right", no_wrap=True)
    table.add_column("记录于", no_wrap=True)
    table.add_column("发生于", no_wrap=True)
    table.add_column("类型", no_wrap=True)
    table.add_column("内容", overflow="fold")
    for act in acts:
        table.add_row(
            str(act.position),
            china_time(act.recorded_at),
            act.occurred_on.isoformat(),
            NAMES.get(act.type, act.type),
            Text(visible(about(act.fields, names))),
        )
    return table


def about(fields: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """What an act says, in a few words: its unit by name, its report, and the fields a reader wants."""
    said: list[str] = []
    if "unit" in fields:
        said.append(names.get(fields["unit"], fields["unit"]))
    if "units" in fields:
        said.append("、".join(names.get(u, u) for u in fields["units"]))
    for key in ("report", "task", "item", "target"):
        if key in fields:
            said.append(str(fields[key]))
    if "level" in fields:
        said.append(f"{level(fields['level'])}批示")
    if "severity" in fields:
        said.append(severity(fields["severity"]))
    for key in ("title", "name", "reason"):
        if key in fields:
            said.append(str(fields[key]))
    return " ".join(said)
