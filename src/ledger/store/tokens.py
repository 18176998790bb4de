"""Token records beside the act store, in the same database (hashes only; tokens are not acts)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.errors import LedgerError, NotFound
from ledger.store.base import Store, utc_now
from ledger.store.sessions import Sessions
from ledger.tokens import Principal, same_hash, token_hash


@dataclass(frozen=True)
class TokenRecord:
    name: str
    role: str
    created_at: str
    revoked_at: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "role": self.role,
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
        }


class Tokens:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.table = store.qualify("ledger_tokens")

    def _sql(self, statement: str) -> str:
        return statement.format(table=self.table).replace("?", self.store.mark)

    def create(self, token: str, name: str, role: str) -> TokenRecord:
        record = TokenRecord(name, role, utc_now(), None)
        with self.store.transaction(commit=True) as c:
            c.execute(self._sql("SELECT 1 FROM {table} WHERE name = ?"), (name,))
            if c.fetchone():
                raise LedgerError(f"已有名为 {name!r} 的令牌 (token exists)")
            c.execute(
                self._sql("INSERT INTO {table} VALUES (?, ?, ?, ?, NULL)"),
                (token_hash(token), name, role, record.created_at),
            )
        return record

    def list(self) -> list[TokenRecord]:
        with self.store.transaction(commit=False) as c:
            c.execute(self._sql("SELECT name, role, created_at, revoked_at FROM {table} ORDER BY name"))
            return [TokenRecord(r["name"], r["role"], r["created_at"], r["revoked_at"]) for r in c.fetchall()]

    def revoke(self, name: str) -> TokenRecord:
        """Revoke a token, and end its web sessions in the same transaction."""
        sessions = Sessions(self.store)
        signed_in = sessions.exists()
        with self.store.transaction(commit=True) as c:
            c.execute(
                self._sql("UPDATE {table} SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL"),
                (utc_now(), name),
            )
            if signed_in:
                sessions.end_token(c, name)
        for record in self.list():
            if record.name == name:
                return record
        raise NotFound(f"没有名为 {name!r} 的令牌 (no such token)")

    def authenticate(self, token: str) -> Principal | None:
        """The principal of a live token, or None; the stored hash is compared in constant time."""
        wanted = token_hash(token)
        with self.store.transaction(commit=False) as c:
            c.execute(
                self._sql("SELECT hash, name, role FROM {table} WHERE hash = ? AND revoked_at IS NULL"),
                (wanted,),
            )
            row = c.fetchone()
        if row is None or not same_hash(row["hash"], wanted):
            return None
        return Principal(row["name"], row["role"])
