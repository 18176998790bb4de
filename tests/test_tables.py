"""Tables and listings at 80 columns (`ledger.cli.tables`): the ranking, the rulebooks and the acts fit
the terminal, in Chinese, units and classes by name, hashes whole."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.projected import script

ROOT = Path(__file__).resolve().parents[1]


def ledger(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "80"}
    done = subprocess.run(
        [sys.executable, "-m", "ledger", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def kept(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The sample year as kept through the year (scripts/sample_export.py), restored."""
    where = tmp_path_factory.mktemp("kept")
    script("sample_export").main(["--out", str(where / "export.jsonl")])
    url = f"sqlite:///{where / 'ledger.db'}"
    ledger("restore", str(where / "export.jsonl"), "--db", url)
    return url


def widest(text: str) -> int:
    return max(sum(2 if ord(c) > 0x2E80 else 1 for c in line) for line in text.splitlines())


@pytest.mark.parametrize("rulebook", ["yinchuan-2018", "district-info"])
def test_the_ranking_fits_80_columns_in_chinese(kept: str, rulebook: str) -> None:
    """`ledger score` at 80 columns: no line wider than 80 (CJK counted double), headers in Chinese,
    units and classes by name with the code --unit takes, no cell cut by "…", the sha256 whole."""
    shown = ledger("score", "--rulebook", rulebook, "--period", "2019", "--db", kept).stdout
    assert widest(shown) <= 80
    assert "名次" in shown and "单位" in shown and "总分" in shown and "…" not in shown
    assert "│ 兴庆区" in shown and "xingqing" in shown
    assert re.search(r"^sha256 [0-9a-f]{64}$", shown, re.M)
    if rulebook == "yinchuan-2018":
        assert "县(市)区" in shown and "county" not in shown


def test_rulebooks_prints_each_sha256_whole(kept: str) -> None:
    """`ledger rulebooks` at 80 columns prints every rulebook's sha256 whole on one line, and no line
    wider than 80."""
    shown = ledger("rulebooks").stdout
    hashes = re.findall(r"^  sha256 ([0-9a-f]+)$", shown, re.M)
    assert len(hashes) == len(list((ROOT / "rulebooks").glob("*.toml"))) and all(len(h) == 64 for h in hashes)
    assert widest(shown) <= 80


def test_known_at_changes_the_sample_score(kept: str) -> None:
    """On the sample kept through the year, 兴庆区's 2019-Q3 is 172 as known at 2019-10-05 and 183 as
    known at 2019-12-31, the heading giving each known-at in China time."""
    totals = {}
    for known in ("2019-10-05", "2019-12-31"):
        shown = ledger(
            "score", "--rulebook", "yinchuan-2018", "--period", "2019-Q3", "--unit", "xingqing",
            "--known-at", known, "--db", kept,
        ).stdout  # fmt: skip
        assert f"已知于 {known} 23:59（北京时间）" in shown
        totals[known] = int(next(r for r in shown.splitlines() if "兴庆区" in r).split("│")[5])
    assert totals == {"2019-10-05": 172, "2019-12-31": 183}
