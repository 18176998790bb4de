"""README's "Using it", run as written on the demo's ledger: every command succeeds, and the headline
--known-at shows the sample's third quarter changing between two known-at times."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # the environment's `python` and `ledger`


def using_it() -> list[str]:
    """The commands of README's "Using it" block, one a line (`;` separates two), comments dropped."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## Using it", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    commands = []
    for line in block.splitlines():
        line = re.sub(r"\s+#\s.*$", "", line).strip()
        commands += [part.strip() for part in line.split("; ") if part.strip()]
    return commands


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A working directory as `scripts/demo` leaves the checkout: its ledger made by the demo's own
    step (scripts/sample_ledger) into sample/, beside the shipped rulebooks."""
    where = tmp_path_factory.mktemp("checkout")
    (where / "rulebooks").symlink_to(ROOT / "rulebooks")
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "COLUMNS": "80",
    }
    env.pop("LEDGER_DATABASE_URL", None)
    made = subprocess.run(
        ["bash", str(ROOT / "scripts" / "sample_ledger")],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    return where, env


def test_every_command_of_using_it_runs_after_the_demo(demo: tuple[Path, dict[str, str]]) -> None:
    """Each command of README's "Using it" exits 0 in the demo's checkout, and the --known-at example
    prints units (the sample's acts are recorded through the year, not all at once)."""
    where, env = demo
    outputs: dict[str, str] = {}
    commands = using_it()
    assert any(c.startswith("ledger score") and "--known-at 2019-10-05" in c for c in commands)
    for command in commands:
        if command.startswith(". "):
            continue  # activating the environment: PATH holds it here
        if command.startswith("export "):
            name, value = command.removeprefix("export ").split("=", 1)
            env[name] = value
            continue
        done = subprocess.run(
            shlex.split(command), cwd=where, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
        outputs[command] = done.stdout
    early = next(out for c, out in outputs.items() if "--known-at 2019-10-05" in c)
    late = next(out for c, out in outputs.items() if "--period 2019-Q3 --known-at 2019-12-31" in c)
    assert _total(early, "兴庆区") < _total(late, "兴庆区")
    assert "账本已存在" in next(out for c, out in outputs.items() if c == "ledger init")


def test_the_demo_ledger_shows_the_acts_recorded_late(demo: tuple[Path, dict[str, str]]) -> None:
    """The acts that make 兴庆区's 2019-Q3 differ between the two known-at times are listed by
    `ledger events --recorded-from`: late filings and adoptions, a void, a re-filing and a late
    endorsement, each row within 80 columns."""
    where, env = demo
    env = {**env, "LEDGER_DATABASE_URL": "sqlite:///sample/ledger.db"}
    listed = subprocess.run(
        ["ledger", "events", "--unit", "xingqing", "--from", "2019-07-01", "--recorded-from", "2019-10-05",
         "--known-at", "2019-12-31", "--format", "table"],
        cwd=where, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    for kind in ("报送", "采用", "作废", "批示"):
        assert f"│ {kind}" in listed.stdout
    assert "标题有误，重新报送" in listed.stdout and "（更正）" in listed.stdout
    assert max(len(line) for line in listed.stdout.splitlines()) <= 80


def _total(table: str, name: str) -> int:
    row = next(line for line in table.splitlines() if f"│ {name} " in line)
    return int(row.split("│")[5])
