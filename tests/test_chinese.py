"""The command's own words in Chinese (`ledger.cli.chinese`): help, usage and click's errors, at 80
columns, with nothing cut by "…"."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = (
    (), ("import",), ("score",), ("explain",), ("events",), ("rulebooks",), ("verify",), ("restore",),
    ("project",), ("serve",), ("token", "create"), ("checkpoint",), ("checkpoint", "key"), ("init",),
    ("whatif",), ("bulletin",), ("bulletin", "verify"),
)  # fmt: skip


def ledger(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "80", "TERMINAL_WIDTH": "80"}
    return subprocess.run(
        [sys.executable, "-m", "ledger", *args],
        capture_output=True, text=True, timeout=120, cwd=ROOT, env=env, input=stdin,
    )  # fmt: skip


def test_the_command_list_is_chinese_and_cuts_no_word() -> None:
    """`ledger --help` at 80 columns: Chinese usage and panel titles, each command's short help a whole
    first sentence (no "…" anywhere), and no line wider than 80 columns."""
    shown = ledger("--help").stdout
    assert "用法：ledger [选项] 命令 [参数]..." in shown
    assert "─ 选项 ─" in shown and "─ 命令 ─" in shown and "显示本帮助并退出。" in shown
    assert "Usage" not in shown and "Options" not in shown and "Commands" not in shown
    assert "…" not in shown
    assert "│ init        在 --db 所指之处新建空账本。" in shown
    assert max(len(line) for line in shown.splitlines()) <= 80


@pytest.mark.parametrize("command", COMMANDS[1:], ids=" ".join)
def test_each_command_help_is_whole_at_80_columns(command: tuple[str, ...]) -> None:
    """Every command's own help at 80 columns cuts nothing with "…" and marks required options and
    defaults in Chinese."""
    shown = ledger(*command, "--help").stdout
    assert shown.startswith("\n 用法：") or "用法：" in shown
    assert "…" not in shown and "[required]" not in shown and "[default:" not in shown
    assert max(len(line) for line in shown.splitlines()) <= 80


def test_click_errors_are_chinese() -> None:
    """A missing option, an unknown option, an unknown command and a value of the wrong kind are
    refused in Chinese (exit 2), with no English of click's or pydantic's."""
    missing = ledger("score", "--period", "2019")
    assert missing.returncode == 2 and "缺少选项 '--rulebook'。" in missing.stderr
    assert "─ 错误 ─" in missing.stderr and "用 'ledger score --help' 查看帮助。" in missing.stderr
    unknown = ledger("score", "--bogus")
    assert unknown.returncode == 2 and "没有选项：--bogus" in unknown.stderr
    typo = ledger("scor")
    assert typo.returncode == 2 and "没有命令 'scor'；是不是 'score'？" in typo.stderr
    port = ledger("serve", "--port", "abc")
    assert port.returncode == 2 and "'--port' 的值无效：应为整数" in port.stderr
    workers = ledger("serve", "--workers", "0")
    assert workers.returncode == 2 and "'--workers' 的值无效：应不小于 1" in workers.stderr
    for said in (missing, unknown, typo, port, workers):
        assert "Missing" not in said.stderr and "Input should" not in said.stderr
        assert "Usage" not in said.stderr and "Error" not in said.stderr


def test_one_act_is_one_tiao(tmp_path: Path) -> None:
    """Importing one act says 共 1 条行为 (Chinese counts have no plural), never "1 acts"."""
    act = {
        "type": "unit.registered",
        "occurred_on": "2019-01-01",
        "unit": "xq",
        "name": "兴庆区",
        "class": "county",
    }
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    done = ledger("import", "-", "--db", url, stdin=json.dumps(act, ensure_ascii=False) + "\n")
    assert done.returncode == 0, done.stderr
    assert "共 1 条行为：新增 1 条，重复 0 条" in done.stdout and "acts" not in done.stdout


def test_the_databases_own_words_come_after_chinese(tmp_path: Path) -> None:
    """What SQLite says when it cannot write (a read-only database) reaches a reader as Chinese first, with
    SQLite's words after."""
    import sqlite3

    from ledger.store.base import unavailable

    sqlite3.connect(tmp_path / "r.db").execute("CREATE TABLE t (x)").connection.close()
    db = sqlite3.connect(f"file:{tmp_path / 'r.db'}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as refused:
        db.execute("INSERT INTO t VALUES (1)")
    db.close()
    said = str(unavailable(refused.value))
    assert said.startswith("数据库只读，无法写入：") and "readonly database" in said, said
