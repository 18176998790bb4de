"""Bearer tokens and roles: who may append and read what.

A token is shown once when it is made; only its sha256 is stored. Roles:
- `unit:<unit>` files reports for its own unit and reads its own acts and scores;
- `office` records every act and reads everything;
- `auditor` reads everything;
- `admin` manages tokens.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from ledger.acts import SLUG
from ledger.characters import Refused, check_id
from ledger.errors import LedgerError

ROLES = ("office", "auditor", "admin")
PREFIX = "lt_"


@dataclass(frozen=True)
class Principal:
    name: str
    role: str

    @property
    def unit(self) -> str | None:
        return self.role.removeprefix("unit:") if self.role.startswith("unit:") else None

    @property
    def reads_all(self) -> bool:
        return self.role in ("office", "auditor")


def check_role(role: str) -> str:
    if role in ROLES or (role.startswith("unit:") and SLUG.fullmatch(role.removeprefix("unit:"))):
        return role
    raise LedgerError(
        f"角色 {role!r} 应为 office、auditor、admin 或 unit:<单位代码> 之一 "
        "(role is not one of these)"
    )


def check_name(name: str) -> str:
    """A token name: 1-100 letters, digits, spaces or . @ - _, in NFC, no space at either end (a name
    is how a token is revoked, so two names that look the same must be the same)."""
    if name:
        try:
            check_id(name)
        except Refused as e:
            raise LedgerError(f"令牌名称 {name!r}：{e}") from None
    if not re.fullmatch(r"[\w.@ -]{1,100}", name):
        raise LedgerError(
            f"令牌名称 {name!r} 应为 1 至 100 个字母、数字、空格或 . @ - _ "
            "(token name must be 1-100 letters, digits, spaces or . @ - _)"
        )
    return name


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def same_hash(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
