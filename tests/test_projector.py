"""The incremental score projection, read from its tables, answers exactly as a full replay, act batch
after act batch, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
import time

import pytest

from ledger.periods import parse_period
from ledger.projection_worker import ProjectionWorker
from ledger.projector import answer, standard_periods
from ledger.services import Ledger
from ledger.store.scores import ScoreTables
from tests.projected import assert_tables_replay, later_acts, replayed_rows, sample_year, stored_rows


def same_as_replay(ledger: Ledger, rulebook: str, cadence: str) -> int:
    """Every standard period's answer from the tables equals the replay as known at their position."""
    tables = ScoreTables(ledger.store)
    checked = 0
    for period in standard_periods(2019, cadence):
        rows = tables.period(rulebook, period.label, None)
        assert rows is not None, f"{rulebook} {period.label} is not projected"
        replayed = ledger.score(rulebook, period.label, known_at=rows.tracked.known_at)
        assert answer(rows, period) == replayed, f"{rulebook} {period.label} differs"
        checked += 1
    one = replayed["units"][-1]["unit"]
    rows = tables.period(rulebook, period.label, one)
    assert rows is not None and set(rows.documents) == {one}  # one document read, every total
    assert len(rows.totals) == len(replayed["units"])
    assert answer(rows, period, one) == ledger.score(
        rulebook, period.label, known_at=rows.tracked.known_at, unit=one
    )
    return checked


@pytest.mark.parametrize(("rulebook", "cadence"), [("yinchuan-2018", "quarter"), ("district-info", "month")])
def test_incremental_answers_equal_a_full_replay(ledger: Ledger, rulebook: str, cadence: str) -> None:
    """After the year and after each batch of backdated acts and voids, every standard period's scores
    read from the projection tables equal a full replay as known at the tracked position, unit by unit,
    and every stored row equals the replay's byte for byte."""
    rng = random.Random(11)
    acts = sample_year()
    ledger.append(acts)
    worker = ProjectionWorker(ledger.store, ledger.catalogue, [rulebook], exclusive=False)
    done = worker.step()
    assert done.folded == len(acts) and done.rescored[rulebook] > 50
    checked = same_as_replay(ledger, rulebook, cadence)
    assert_tables_replay(ledger, rulebook, cadence)
    for batch in range(2):
        extra = later_acts(rng, acts, 40, batch)
        ledger.append(extra)
        done = worker.step()
        # Only the units the batch concerns are rescored.
        assert done.folded == len(extra) and 0 < done.rescored[rulebook] < 58
        checked += same_as_replay(ledger, rulebook, cadence)
    assert_tables_replay(ledger, rulebook, cadence)
    assert checked >= 3 * 7


def test_units_not_ranked_and_ranks_on_shares_of_bases_are_projected_as_replayed(ledger: Ledger) -> None:
    """A class assessed apart (ningde-2018's 东侨: rank null, listed last) and ranks on each unit's share of
    its own base (hengyang-2018) come from the tables exactly as from a replay, for every unit and one."""
    reg = [("dongqiao", "zone"), ("shouning", "county"), ("zherong", "county"), ("fgw", "class-1")]
    acts: list[dict[str, object]] = [
        {"type": "unit.registered", "occurred_on": "2018-10-01", "id": f"nd-{u}", "unit": u, "name": u,
         "class": c} for u, c in reg
    ]  # fmt: skip
    acts += [
        {"type": "merit.recorded", "occurred_on": "2018-12-01", "unit": "fgw", "item": "nd-2.4-reports",
         "points": 80},
        {"type": "violation.recorded", "occurred_on": "2018-12-02", "unit": "fgw", "item": "nd-2.4-reports",
         "points": 8},
        {"type": "merit.recorded", "occurred_on": "2018-12-01", "unit": "dongqiao", "item": "nd-3.2-bonus",
         "points": 3},
    ]  # fmt: skip
    # dag (a city department on 500 once its hotline is left out) and a county on 500 tie at 460; a city
    # department on 600 with 540 is third although its total is the highest.
    for unit, cls, sections, points in [
        ("dag", "department", ["hy-website", "hy-online-services", "hy-disclosure", "hy-data-sharing",
                               "hy-extranet"], 92),
        ("changning", "county", ["hy-website", "hy-online-services", "hy-disclosure", "hy-extranet",
                                 "hy-hotline"], 92),
        ("jyj", "department", ["hy-website", "hy-online-services", "hy-disclosure", "hy-data-sharing",
                               "hy-extranet", "hy-hotline"], 90),
    ]:  # fmt: skip
        acts.append({"type": "unit.registered", "occurred_on": "2018-01-01", "id": f"hy-{unit}", "unit": unit,
                     "name": unit, "class": cls})  # fmt: skip
        acts += [{"type": "merit.recorded", "occurred_on": "2018-12-20", "unit": unit, "item": item,
                  "points": points} for item in sections]  # fmt: skip
    acts.append({"type": "item.exempted", "occurred_on": "2018-01-05", "unit": "dag", "item": "hy-hotline",
                 "reason": "不是12345政府服務熱線單位"})  # fmt: skip
    ledger.append([{**a, "id": a.get("id", f"a-{n}")} for n, a in enumerate(acts)])
    books = ["ningde-2018", "hengyang-2018"]
    ProjectionWorker(ledger.store, ledger.catalogue, books, exclusive=False).step()
    tables, year = ScoreTables(ledger.store), parse_period("2018")
    # Under either rulebook the other's units are registered too: under ningde-2018 the hengyang county
    # scores 30 and its city departments 0 (no class of theirs has items); under hengyang-2018 the ningde
    # units are 0 of 500 (the sections that name no classes apply to every class).
    expected = {
        "ningde-2018": [("fgw", 1), ("changning", 2), ("shouning", 2), ("zherong", 2), ("dag", 5), ("jyj", 5),
                        ("dongqiao", None)],
        "hengyang-2018": [("changning", 1), ("dag", 1), ("jyj", 3), ("dongqiao", 4), ("fgw", 4),
                          ("shouning", 4), ("zherong", 4)],
    }  # fmt: skip
    for book in books:
        rows = tables.period(book, "2018", None)
        assert rows is not None
        replayed = ledger.score(book, "2018", known_at=rows.tracked.known_at)
        assert answer(rows, year) == replayed
        assert [(u["unit"], u["rank"]) for u in replayed["units"]] == expected[book]
        for unit, _ in expected[book]:
            one = tables.period(book, "2018", unit)
            assert one is not None
            assert answer(one, year, unit) == ledger.score(
                book, "2018", known_at=rows.tracked.known_at, unit=unit
            )
        stored = {key: row for key, row in stored_rows(ledger.store, book).items() if key[0] == "2018"}
        assert stored == replayed_rows(ledger, book, rows.tracked.known_at, {"2018"})


def test_a_query_for_what_is_not_projected_is_left_to_the_replay(ledger: Ledger) -> None:
    """Without tables, for a rulebook nobody projects, a period outside the projection or an unknown
    unit, the tables give no answer (and a process that never ran a worker needs no DDL to find out)."""
    tables = ScoreTables(ledger.store)
    assert not tables.ready() and tables.period("yinchuan-2018", "2019-Q1", None) is None
    ledger.append(sample_year()[:2000])
    ProjectionWorker(ledger.store, ledger.catalogue, ["yinchuan-2018"], exclusive=False).step()
    tables = ScoreTables(ledger.store)  # a process started since (one that looked before waits a second)
    assert tables.ready()
    assert tables.period("district-info", "2019-Q1", None) is None
    assert tables.period("yinchuan-2018", "2031-Q1", None) is None
    rows = tables.period("yinchuan-2018", "2019-Q1", "no-such-unit")
    assert rows is not None and answer(rows, parse_period("2019-Q1"), "no-such-unit") is None


def test_the_service_answers_from_the_projection(sqlite_url: str) -> None:
    """With a projected rulebook, GET /v1/scores answers from the projection tables (saying so in the
    Ledger-Projected-Position header), and that answer equals the replay as known at the same time."""
    from fastapi.testclient import TestClient

    from ledger.api import create_app
    from ledger.services import Settings
    from ledger.tokens import new_token

    with TestClient(create_app(Settings(database_url=sqlite_url, project=("yinchuan-2018",)))) as client:
        token = new_token()
        client.app.state.tokens.create(token, "office", "office")  # type: ignore[attr-defined]
        auth = {"Authorization": f"Bearer {token}"}
        acts = sample_year()[:3000]
        assert client.post("/v1/events", json=acts, headers=auth).status_code == 201
        for _ in range(600):  # the first build of the projection
            if client.get("/healthz").json().get("projected_position") == 3000:
                break
            time.sleep(0.05)
        health = client.get("/healthz").json()
        assert health["projections"]["yinchuan-2018"]["position"] == 3000
        for period in ("2019-Q1", "2019"):
            answer = client.get(
                "/v1/scores", params={"rulebook": "yinchuan-2018", "period": period}, headers=auth
            )
            assert answer.headers["Ledger-Projected-Position"] == "3000"  # answered by the projection
            document = answer.json()
            assert document["known_at"] == health["projections"]["yinchuan-2018"]["known_at"]
            replay = client.get("/v1/scores", headers=auth, params={
                "rulebook": "yinchuan-2018", "period": period, "known_at": document["known_at"]})  # fmt: skip
            assert "Ledger-Projected-Position" not in replay.headers
            assert document == replay.json()
        # Read-your-writes: a fresh query waits for the act just stored.
        late = {"id": "late-1", "type": "report.filed", "occurred_on": "2019-02-03", "unit": "xingqing",
                "report": "XQ-LATE-1", "title": "补报"}  # fmt: skip
        assert client.post("/v1/events", json=late, headers=auth).status_code == 201
        query = {"rulebook": "yinchuan-2018", "period": "2019-Q1", "unit": "xingqing"}
        fresh = client.get("/v1/scores", headers=auth, params={**query, "fresh": "true"})
        assert fresh.headers["Ledger-Projected-Position"] == "3001"
        replay = client.get(
            "/v1/scores", headers=auth, params={**query, "known_at": fresh.json()["known_at"]}
        )
        assert fresh.json() == replay.json()
