"""Signed checkpoints (检查点): the ledger's chain hash at a position, signed with a key kept outside the
database, so that history rewritten by someone who can write to the database no longer matches.

This module signs and checks; it never touches the store (`ledger.anchoring` joins the two).

File formats (each readable by `openssl pkey`):

- private key: Ed25519, PEM, PKCS#8, unencrypted (`-----BEGIN PRIVATE KEY-----`), written with mode 0600.
  It belongs on the signer's machine or an offline medium, never beside the database.
- public key: Ed25519, PEM, SubjectPublicKeyInfo (`-----BEGIN PUBLIC KEY-----`); auditors hold it.
- fingerprint: `sha256:` and the hex SHA-256 of the 32 raw public key bytes.
- checkpoint: a JSON object `{"kind": "ledger.checkpoint", "version": 1, "ledger": NAME or null,
  "position": P, "chain": HASH, "recorded_at": TIME, "made_at": TIME, "key": FINGERPRINT,
  "signature": BASE64}`. The signature is Ed25519 over the compact JSON of every other field with its keys
  sorted (orjson's `OPT_SORT_KEYS`), base64 with padding.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger.errors import LedgerError

KIND = "ledger.checkpoint"
VERSION = 1
PRIVATE_NAME, PUBLIC_NAME = "checkpoint.key", "checkpoint.pub"
_HASH = re.compile(r"[0-9a-f]{64}")


class CheckpointError(LedgerError):
    """A key or checkpoint file that cannot be used: missing, malformed or of the wrong kind."""


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement: the ledger named `ledger` had chain hash `chain` at `position`."""

    position: int
    chain: str
    recorded_at: str | None  # the recorded time of the act at `position`
    made_at: str
    ledger: str | None
    key: str  # the signing key's fingerprint
    signature: str = ""

    def signed_bytes(self) -> bytes:
        fields = {"kind": KIND, "version": VERSION, **asdict(self)}
        del fields["signature"]
        return orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)

    def as_json(self) -> dict[str, Any]:
        return {"kind": KIND, "version": VERSION, **asdict(self)}


def fingerprint(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def make_key_pair(folder: Path) -> tuple[Path, Path]:
    """Write a new key pair into `folder` (private key mode 0600); existing files are never replaced."""
    private, public = folder / PRIVATE_NAME, folder / PUBLIC_NAME
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    shown = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for path in (private, public):
            if path.exists():
                raise CheckpointError(f"{path}：已存在，不覆盖（换一个 --out 目录）")
        descriptor = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as f:
            f.write(pem)
        public.write_bytes(shown)
    except OSError as e:
        raise CheckpointError(f"{e.filename or folder}：无法写入（{e.strerror}）") from None
    return private, public


def _pem(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise CheckpointError(f"{path}：无法读取{what}（{e.strerror}）") from None


def load_private_key(path: Path) -> Ed25519PrivateKey:
    data = _pem(path, "私钥")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, binascii.Error):
        hint = "（这是公钥；签署要用私钥）" if b"PUBLIC KEY" in data else ""
        raise CheckpointError(f"{path}：不是未加密的 PEM 私钥{hint}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"{path}：不是 Ed25519 私钥（{type(key).__name__}）")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    data = _pem(path, "公钥")
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError, binascii.Error):
        hint = "（这是私钥；核验只需公钥，私钥不应交出）" if b"PRIVATE KEY" in data else ""
        raise CheckpointError(f"{path}：不是 PEM 公钥{hint}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointError(f"{path}：不是 Ed25519 公钥（{type(key).__name__}）")
    return key


def sign(
    key: Ed25519PrivateKey,
    position: int,
    chain: str,
    recorded_at: str | None,
    made_at: str,
    ledger: str | None = None,
) -> Checkpoint:
    unsigned = Checkpoint(position, chain, recorded_at, made_at, ledger, fingerprint(key.public_key()))
    signature = base64.b64encode(key.sign(unsigned.signed_bytes())).decode()
    return replace(unsigned, signature=signature)


def signature_fault(checkpoint: Checkpoint, keys: Sequence[Ed25519PublicKey]) -> str | None:
    """None when one of `keys` signed the checkpoint; else why not."""
    by_print = {fingerprint(k): k for k in keys}
    key = by_print.get(checkpoint.key)
    if key is None:
        return f"签署它的密钥 {checkpoint.key} 不是所给公钥（{'、'.join(by_print) or '无'}）"
    try:
        key.verify(base64.b64decode(checkpoint.signature, validate=True), checkpoint.signed_bytes())
    except (InvalidSignature, binascii.Error, ValueError):
        return "签名无效：检查点的内容或签名被改动过，或并非用该密钥签署"
    return None


def parse(data: Any, where: str) -> Checkpoint:
    """A checkpoint from its JSON value; `where` names it in errors (a file, or a manifest's key)."""
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise CheckpointError(f'{where}：不是检查点（缺少 "kind": "{KIND}"）')
    if data.get("version") != VERSION:
        raise CheckpointError(f"{where}：检查点版本 {data.get('version')!r} 不受支持（应为 {VERSION}）")
    missing = [k for k in ("position", "chain", "made_at", "key", "signature") if k not in data]
    if missing:
        raise CheckpointError(f"{where}：检查点缺少 {', '.join(missing)}")
    position, chain = data["position"], data["chain"]
    if not isinstance(position, int) or isinstance(position, bool) or position < 1:
        raise CheckpointError(f"{where}：position 应为正整数，而是 {position!r}")
    if not isinstance(chain, str) or not _HASH.fullmatch(chain):
        raise CheckpointError(f"{where}：chain 应为 64 位十六进制哈希")
    texts = {k: data.get(k) for k in ("recorded_at", "made_at", "ledger", "key", "signature")}
    for name, value in texts.items():
        optional = name in ("recorded_at", "ledger")
        if not isinstance(value, str) and not (optional and value is None):
            raise CheckpointError(f"{where}：{name} 应为字符串")
    return Checkpoint(position, chain, texts["recorded_at"], data["made_at"], texts["ledger"],
                      data["key"], data["signature"])  # fmt: skip


def read_checkpoint(path: Path) -> Checkpoint:
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise CheckpointError(f"{path}：无法读取检查点（{e.strerror}）") from None
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        raise CheckpointError(f"{path}：不是合法的 JSON（{e}）") from None
    return parse(data, str(path))


def write_checkpoint(checkpoint: Checkpoint, path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(orjson.dumps(checkpoint.as_json(), option=orjson.OPT_INDENT_2) + b"\n")
    except OSError as e:
        raise CheckpointError(f"{e.filename or path}：无法写入（{e.strerror}）") from None
