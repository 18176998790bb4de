"""Property-based fuzz of the served API from its own OpenAPI schema (schemathesis): no answer is a
5xx, and a rejected request stores nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from ledger.rulebooks import Catalogue
from ledger.store import open_store
from tests.serving import Server, serving

CASES = {"tried": 0, "rejected": 0}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'ledger.db'}"
    with serving(url) as server, server.client() as office:
        office.post(
            "/v1/events",
            json={"type": "unit.registered", "occurred_on": "2019-01-01", "unit": "xingqing",
                  "name": "兴庆区", "class": "county"},
        )  # fmt: skip
        yield server, url
    print(f"\nschemathesis: {CASES['tried']} cases tried, {CASES['rejected']} rejected, no 5xx")


def head(url: str) -> tuple[int, str | None]:
    catalogue = Catalogue.load()
    with open_store(url, catalogue.publications(), catalogue.items()) as store:
        return store.head()


def test_no_server_errors_and_rejections_store_nothing(live: tuple[Server, str]) -> None:
    """Whatever the schema admits (and what it nearly admits), every operation answers below 500, and an
    answer of 400 or above leaves the ledger's head where it was."""
    server, url = live
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    auth = {"Authorization": f"Bearer {server.tokens['office']}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case: schemathesis.Case) -> None:
            before = head(url)
            response = case.call(base_url=server.url, headers=auth)
            CASES["tried"] += 1
            where = f"{case.method} {case.formatted_path}"
            assert response.status_code < 500, f"{where}: {response.status_code} {response.text[:300]}"
            if response.status_code >= 400:
                CASES["rejected"] += 1
                assert head(url) == before, f"{where} was rejected but changed the ledger"

        check()
    assert CASES["tried"] >= 8 * 10
