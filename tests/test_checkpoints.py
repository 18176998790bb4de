"""Signed checkpoints: the pure signing and checking, and the real `ledger checkpoint` and `ledger verify
--checkpoint` commands."""

from __future__ import annotations

import json
import sqlite3
import stat
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.checkpoints import (
    CheckpointError,
    load_private_key,
    load_public_key,
    make_key_pair,
    parse,
    read_checkpoint,
    sign,
    signature_fault,
)

ROOT = Path(__file__).resolve().parents[1]
HASH = "ab" * 32


def _ledger(*args: str, db: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ledger", *args, "--db", db],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip


def test_a_signed_checkpoint_verifies_and_any_change_to_it_does_not() -> None:
    """A checkpoint verifies under its key; changing any signed field, or another key, is refused."""
    key = Ed25519PrivateKey.generate()
    made = sign(key, 7, HASH, "2019-01-01T00:00:00Z", "2019-01-02T00:00:00Z", "银川")
    assert signature_fault(made, [key.public_key()]) is None
    assert parse(json.loads(json.dumps(made.as_json())), "x") == made
    for changed in (replace(made, position=8), replace(made, chain="cd" * 32), replace(made, ledger=None)):
        assert "签名无效" in (signature_fault(changed, [key.public_key()]) or "")
    assert "不是所给公钥" in (signature_fault(made, [Ed25519PrivateKey.generate().public_key()]) or "")


def test_key_pair_files_are_pem_the_private_one_0600_and_never_replaced(tmp_path: Path) -> None:
    """The key pair is written as PEM, the private key readable by its owner only; a second pair into the
    same folder is refused."""
    private, public = make_key_pair(tmp_path / "keys")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert public.read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    assert load_private_key(private).public_key() == load_public_key(public)
    with pytest.raises(CheckpointError, match="已存在"):
        make_key_pair(tmp_path / "keys")


def test_bad_key_and_checkpoint_files_are_named_with_what_is_wrong(tmp_path: Path) -> None:
    """A missing file, a public key given as private (and back), malformed JSON or a non-checkpoint are
    errors naming the file."""
    private, public = make_key_pair(tmp_path)
    with pytest.raises(CheckpointError, match=r"missing\.key：无法读取私钥"):
        load_private_key(tmp_path / "missing.key")
    with pytest.raises(CheckpointError, match="这是公钥"):
        load_private_key(public)
    with pytest.raises(CheckpointError, match="这是私钥"):
        load_public_key(private)
    bad = tmp_path / "bad.json"
    for content, message in (("{", "不是合法的 JSON"), ('{"kind": "x"}', "不是检查点"),
                             ('{"kind": "ledger.checkpoint", "version": 1}', "检查点缺少")):  # fmt: skip
        bad.write_text(content)
        with pytest.raises(CheckpointError, match=f"bad.json：{message}"):
            read_checkpoint(bad)


ACTS = "\n".join(
    json.dumps(a, ensure_ascii=False)
    for a in [
        {"id": "u1", "type": "unit.registered", "occurred_on": "2019-01-01", "unit": "xq", "name": "兴庆区",
         "class": "county"},
        *({"id": f"f{i}", "type": "report.filed", "occurred_on": "2019-01-02", "unit": "xq",
           "report": f"R{i}", "title": f"第{i}号"} for i in range(3)),
    ]
)  # fmt: skip


def test_checkpoint_then_verify_names_the_divergence_and_the_file(tmp_path: Path) -> None:
    """`ledger checkpoint` signs the head (in Chinese); after the act at position 2 is rewritten with every
    later hash, plain verify passes but verify with the checkpoint exits 4 naming position and file."""
    db = f"sqlite:///{tmp_path / 'l.db'}"
    (tmp_path / "acts.jsonl").write_text(ACTS + "\n")
    assert _ledger("import", str(tmp_path / "acts.jsonl"), db=db).returncode == 0
    made = subprocess.run([sys.executable, "-m", "ledger", "checkpoint", "key", "--out", str(tmp_path / "k")],
                          capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    assert made.returncode == 0 and "公钥" in made.stdout
    key, pub, cp = tmp_path / "k" / "checkpoint.key", tmp_path / "k" / "checkpoint.pub", tmp_path / "cp.json"
    signed = _ledger("checkpoint", "--key", str(key), "--out", str(cp), "--ledger-id", "兴庆", db=db)
    assert signed.returncode == 0 and "检查点已签署：位置 4" in signed.stdout
    assert json.loads(cp.read_text())["ledger"] == "兴庆"
    ok = _ledger("verify", "--checkpoint", str(cp), "--public-key", str(pub), db=db)
    assert ok.returncode == 0 and "与检查点相符：1 个（位置 4）" in ok.stdout

    from ledger.rulebooks import Catalogue
    from ledger.services import Ledger, Settings
    from tests.test_chain import _rewrite_from  # the attacker, with the store's own encode

    ledger = Ledger.open(Settings(database_url=db), Catalogue.load())
    try:
        _rewrite_from(ledger, 2, "篡改")
    finally:
        ledger.close()
    assert _ledger("verify", db=db).returncode == 0  # the chain alone is fooled (the kept copy deleted)
    found = _ledger("verify", "--checkpoint", str(cp), "--public-key", str(pub), db=db)
    assert found.returncode == 4
    assert "已被改动：位置 4" in found.stderr and f"{cp}：历史自位置 4 起与该检查点不一致" in found.stderr


def test_bad_input_exits_2_and_changes_nothing(tmp_path: Path) -> None:
    """A missing key, a public key given to sign, or a malformed checkpoint: exit 2, a message naming the
    file, and the store as it was."""
    db = f"sqlite:///{tmp_path / 'l.db'}"
    (tmp_path / "acts.jsonl").write_text(ACTS + "\n")
    _ledger("import", str(tmp_path / "acts.jsonl"), db=db)
    private, public = make_key_pair(tmp_path / "k")
    (tmp_path / "bad.json").write_text("{not json")
    cp = tmp_path / "bad.json"
    before = sqlite3.connect(tmp_path / "l.db").execute("SELECT * FROM ledger_head").fetchall()
    for args, named in (
        (("checkpoint", "--key", str(tmp_path / "none.key"), "--out", str(tmp_path / "c.json")), "none.key"),
        (("checkpoint", "--key", str(public), "--out", str(tmp_path / "c.json")), "checkpoint.pub"),
        (("verify", "--checkpoint", str(tmp_path / "bad.json")), "bad.json"),
        (("verify", "--checkpoint", str(cp), "--public-key", str(private)), "checkpoint.key"),
    ):  # fmt: skip
        result = _ledger(*args, db=db)
        assert result.returncode == 2 and named in result.stderr, result.stderr
    assert not (tmp_path / "c.json").exists()
    assert sqlite3.connect(tmp_path / "l.db").execute("SELECT * FROM ledger_head").fetchall() == before


def test_verify_says_in_chinese_whether_the_chain_holds(tmp_path: Path) -> None:
    """`ledger verify` says in Chinese that the chain is intact, and once an act is altered behind the
    triggers exits 4 naming in Chinese its position, the act and what is wrong."""
    db = f"sqlite:///{tmp_path / 'l.db'}"
    (tmp_path / "acts.jsonl").write_text(ACTS + "\n")
    assert _ledger("import", str(tmp_path / "acts.jsonl"), db=db).returncode == 0
    intact = _ledger("verify", db=db)
    assert intact.returncode == 0 and "完好：4 条行为，哈希链完好" in intact.stdout, intact.stdout

    from ledger.rulebooks import Catalogue
    from ledger.services import Ledger, Settings
    from tests.test_chain import _behind_the_triggers, _table

    ledger = Ledger.open(Settings(database_url=db), Catalogue.load())
    try:
        with _behind_the_triggers(ledger) as sql:
            altered = "CAST(replace(CAST(state AS TEXT), '兴庆区', '西夏区') AS BLOB)"
            sql(f"UPDATE {_table(ledger)} SET state = {altered} WHERE rowid = 1")
    finally:
        ledger.close()
    found = _ledger("verify", db=db)
    assert found.returncode == 4, found.stdout + found.stderr
    assert "已被改动：位置 1：行为 'u1' 与其哈希不符（其前 0 条行为核验无误）" in found.stderr, found.stderr
