"""Opening the act store named by a database URL."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ledger.errors import LedgerError
from ledger.store.base import Receipt, Store

__all__ = ["Receipt", "Store", "open_store"]


def open_store(
    url: str, publications: Iterable[str], items: Mapping[str, Iterable[str]], *, create: bool = True
) -> Store:
    """The store, checking acts against the catalogue's publications and items (`Catalogue.items`).

    `sqlite:///PATH` (relative; `sqlite:////abs/path` absolute) or `postgresql://USER@HOST:PORT/DB`.
    With `create`, a ledger not there yet is made (its file and directory, or its tables); without, a URL
    naming no ledger raises NoLedger and nothing is made (the command line's reading commands)."""
    if url.startswith("sqlite:///"):
        from ledger.store.sqlite import SQLiteStore

        path = url.removeprefix("sqlite:///")
        if not path:
            raise LedgerError(f"数据库地址 {url!r} 没有给出文件 (names no file)")
        return SQLiteStore(path, publications, items, create=create)
    if url.startswith(("postgresql://", "postgres://")):
        from ledger.store.postgres import PostgresStore

        return PostgresStore(url, publications, items, create=create)
    raise LedgerError(
        f"数据库地址 {url!r} 应为 sqlite:///路径 或 postgresql://用户@主机:端口/库名 (database URL)"
    )
