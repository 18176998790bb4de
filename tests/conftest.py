"""Shared fixtures: a real ledger on SQLite and, when LEDGER_TEST_POSTGRES_URL is set, on PostgreSQL.

Each PostgreSQL test gets a schema of its own, dropped afterwards. With LEDGER_REQUIRE_POSTGRES=1 (as CI
sets it) a missing or unreachable PostgreSQL fails the PostgreSQL tests instead of skipping them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from ledger.rulebooks import Catalogue
from ledger.services import Ledger
from ledger.store import Store, open_store

POSTGRES_URL = os.environ.get("LEDGER_TEST_POSTGRES_URL", "")
REQUIRE_POSTGRES = os.environ.get("LEDGER_REQUIRE_POSTGRES", "") not in ("", "0")


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return Catalogue.load()


def _postgres_url() -> str:
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("LEDGER_REQUIRE_POSTGRES is set but LEDGER_TEST_POSTGRES_URL is not")
        pytest.skip("LEDGER_TEST_POSTGRES_URL is not set")
    return POSTGRES_URL


def _drop_schema(url: str, schema: str) -> None:
    base = url.split("?", 1)[0]
    with psycopg.connect(base, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    base = _postgres_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    yield f"{base}?schema={schema}"
    _drop_schema(base, schema)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL schema, for tests of PostgreSQL alone (mark them `postgres`)."""
    base = _postgres_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    yield f"{base}?schema={schema}"
    _drop_schema(base, schema)


@pytest.fixture
def scratch_database() -> Iterator[tuple[str, psycopg.Connection[Any]]]:
    """A PostgreSQL database of its own (URL and an admin connection), for tests that change database-wide
    settings; dropped afterwards (mark them `postgres`)."""
    base = _postgres_url()
    name = f"ledger_t_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(base, autocommit=True)
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base.split('?', 1)[0].rsplit('/', 1)[0]}/{name}", admin
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@pytest.fixture
def store(database_url: str, catalogue: Catalogue) -> Iterator[Store]:
    with open_store(database_url, catalogue.publications(), catalogue.items()) as s:
        yield s


@pytest.fixture
def ledger(store: Store, catalogue: Catalogue) -> Ledger:
    return Ledger(store, catalogue)


@pytest.fixture
def sqlite_ledger(sqlite_url: str, catalogue: Catalogue) -> Iterator[Ledger]:
    """A ledger on SQLite only, for scoring tests where the backend does not matter."""
    with open_store(sqlite_url, catalogue.publications(), catalogue.items()) as s:
        yield Ledger(s, catalogue)


Act = dict[str, Any]


@pytest.fixture
def act() -> Callable[..., Act]:
    """Build an act: act("report.filed", "2019-01-05", unit="x", report="R1", title="t", id="f1")."""

    def make(kind: str, day: str, **fields: Any) -> Act:
        act: Act = {"type": kind, "occurred_on": day}
        act.update(fields)
        return act

    return make
