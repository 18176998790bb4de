"""A report belongs to the unit that filed it: its id is that unit's for ever, and what was recorded against
a filing (adoptions, endorsements, excellence) stays bound to that filing, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from ledger.errors import BatchRejected
from ledger.projection_worker import ProjectionWorker
from ledger.services import Ledger
from tests.projected import assert_tables_replay

BOOK = "yinchuan-2018"


def units() -> list[dict[str, Any]]:
    return [
        {"id": f"u-{u}", "type": "unit.registered", "occurred_on": "2019-01-01", "unit": u, "name": n,
         "class": "county"}
        for u, n in (("xingqing", "兴庆区"), ("jinfeng", "金凤区"))
    ]  # fmt: skip


def filed(act_id: str, unit: str, report: str, day: str = "2019-07-03") -> dict[str, Any]:
    return {"id": act_id, "type": "report.filed", "occurred_on": day, "unit": unit, "report": report,
            "title": "信息"}  # fmt: skip


def adopted(act_id: str, report: str, day: str = "2019-07-10", publication: str = "guobao") -> dict[str, Any]:
    return {"id": act_id, "type": "report.adopted", "occurred_on": day, "report": report,
            "publication": publication, "form": "item"}  # fmt: skip


def voided(act_id: str, target: str) -> dict[str, Any]:
    return {"id": act_id, "type": "event.voided", "occurred_on": "2019-08-01", "target": target,
            "reason": "登记有误"}  # fmt: skip


def adoption_points(ledger: Ledger, unit: str, period: str = "2019-Q3") -> int:
    (doc,) = ledger.score(BOOK, period, unit=unit)["units"]
    return sum(li["points"] for li in doc["lines"] if li["clause"]["id"] == "9.2-adoption")


def test_a_voided_filing_takes_its_adoptions_along_and_no_other_unit_can_file_its_id(ledger: Ledger) -> None:
    """After the office voids 兴庆区's filing of an adopted report, 金凤区 cannot file that report id, and
    兴庆区's own re-filing does not inherit the adoption recorded against the voided filing."""
    # 兴庆区 files XQ-1; 《国报信息》 adopts it (5 points in Q3).
    ledger.append([*units(), filed("f1", "xingqing", "XQ-1"), adopted("a1", "XQ-1")])
    assert adoption_points(ledger, "xingqing") == 5
    # The office voids the filing: the adoption recorded against it counts no more.
    ledger.append([voided("v1", "f1")])
    assert adoption_points(ledger, "xingqing") == 0
    # 金凤区 (through the office, which may file for any unit) tries the freed report id: refused.
    head = ledger.store.head()
    with pytest.raises(BatchRejected) as refused:
        ledger.append([filed("f2", "jinfeng", "XQ-1")])
    assert "belongs to unit 'xingqing'" in str(refused.value)
    assert ledger.store.head() == head
    # 兴庆区 files XQ-1 again: the earlier adoption is not inherited; it is listed with its reason.
    ledger.append([filed("f3", "xingqing", "XQ-1", day="2019-08-02")])
    assert adoption_points(ledger, "xingqing") == 0
    (doc,) = ledger.score(BOOK, "2019-Q3", unit="xingqing")["units"]
    reasons = {nc["act"]: nc["reason"] for nc in doc["not_counted"]}
    assert reasons == {"f1": "voided", "a1": "filing_voided"}
    # An adoption recorded against the new filing counts.
    ledger.append([adopted("a2", "XQ-1", day="2019-08-05")])
    assert adoption_points(ledger, "xingqing") == 5
    # 金凤区 has nothing of 兴庆区's report, in scores or in its acts.
    assert adoption_points(ledger, "jinfeng") == 0
    assert [a.id for a in ledger.events(unit="jinfeng", report="XQ-1")] == []
    # A projection built over this history answers as the replay does.
    ProjectionWorker(ledger.store, ledger.catalogue, [BOOK], exclusive=False).step()
    assert_tables_replay(ledger, BOOK)


def test_ids_under_a_units_slug_are_that_units_own(ledger: Ledger) -> None:
    """A report id or act id that begins with a registered unit's slug and '/' is kept for that unit's own
    filings: no other unit's filing and no other act may take it."""
    ledger.append(units())
    head = ledger.store.head()
    for bad, field in (
        (filed("f1", "jinfeng", "xingqing/2019-001"), "report"),
        (filed("xingqing/f1", "jinfeng", "JF-1"), "id"),
        ({**adopted("xingqing/a1", "JF-1"), "report": "JF-0"}, "id"),
    ):
        with pytest.raises(BatchRejected) as refused:
            ledger.append([filed("f0", "jinfeng", "JF-0"), bad])
        assert refused.value.errors[0].field == field, refused.value.errors
        assert ledger.store.head() == head
    ledger.append([filed("xingqing/f1", "xingqing", "xingqing/2019-001")])
    assert ledger.store.head()[0] == head[0] + 1
    # A slug whose ids another unit uses already cannot become a unit: its token would meet them.
    ledger.append([filed("f2", "jinfeng", "xixia/2019-001")])
    newcomer = {"id": "u-xixia", "type": "unit.registered", "occurred_on": "2019-02-01", "unit": "xixia",
                "name": "西夏区", "class": "county"}  # fmt: skip
    head = ledger.store.head()
    with pytest.raises(BatchRejected) as refused:
        ledger.append([newcomer])
    assert refused.value.errors[0].field == "unit" and "'xixia/'" in str(refused.value)
    assert ledger.store.head() == head
    # A unit registered again after its registration was voided keeps its own ids.
    ledger.append([voided("v-xq", "u-xingqing")])
    ledger.append([{**units()[0], "id": "u-xingqing-2"}])


def test_endorsements_stay_with_the_filing_they_were_recorded_against(ledger: Ledger) -> None:
    """An endorsement and an excellence mark of a voided filing are not counted and say why; the report's
    re-filing starts with no bonuses."""
    endorsement = {"id": "e1", "type": "endorsement.received", "occurred_on": "2019-07-12",
                   "report": "XQ-1", "level": "city"}  # fmt: skip
    excellent = {"id": "x1", "type": "report.excellent", "occurred_on": "2019-07-13", "report": "XQ-1"}
    ledger.append([*units(), filed("f1", "xingqing", "XQ-1"), adopted("a1", "XQ-1"), endorsement, excellent])
    (doc,) = ledger.score(BOOK, "2019-Q3", unit="xingqing")["units"]
    assert doc["total"] > 5 and doc["not_counted"] == []
    ledger.append([voided("v1", "f1"), filed("f2", "xingqing", "XQ-1", day="2019-08-02")])
    (doc,) = ledger.score(BOOK, "2019-Q3", unit="xingqing")["units"]
    assert not any(set(li["events"]) & {"a1", "e1", "x1"} for li in doc["lines"])
    reasons = {nc["act"]: nc["reason"] for nc in doc["not_counted"]}
    assert reasons == {"f1": "voided", "a1": "filing_voided", "e1": "filing_voided", "x1": "filing_voided"}


def test_the_served_projection_answers_as_the_replay_after_a_void_and_a_refused_refiling(
    sqlite_url: str,
) -> None:
    """With `serve --project`, after the office voids a filing of an adopted report and another unit's
    filing of the same id is refused, a fresh projected answer equals the replay pinned to its known-at
    time and `ledger score`, for every unit."""
    from fastapi.testclient import TestClient

    from ledger.api import create_app
    from ledger.services import Settings
    from ledger.tokens import new_token

    with TestClient(create_app(Settings(database_url=sqlite_url, project=(BOOK,)))) as client:
        token = new_token()
        client.app.state.tokens.create(token, "office", "office")  # type: ignore[attr-defined]
        auth = {"Authorization": f"Bearer {token}"}
        history = [
            *units(),
            filed("f1", "xingqing", "XQ-1"),
            adopted("a1", "XQ-1"),
            filed("f9", "jinfeng", "JF-1"),
            adopted("a9", "JF-1", publication="yinchuan-zwxx"),
        ]
        assert client.post("/v1/events", json=history, headers=auth).status_code == 201
        assert client.post("/v1/events", json=voided("v1", "f1"), headers=auth).status_code == 201
        squat = client.post("/v1/events", json=filed("f2", "jinfeng", "XQ-1"), headers=auth)
        assert squat.status_code == 422 and "belongs to unit 'xingqing'" in squat.text
        refiled = filed("f3", "xingqing", "XQ-1", day="2019-08-02")
        assert client.post("/v1/events", json=refiled, headers=auth).status_code == 201
        query = {"rulebook": BOOK, "period": "2019-Q3", "fresh": "true"}
        fresh = client.get("/v1/scores", params=query, headers=auth)
        assert fresh.headers["Ledger-Projected-Position"] == "8"
        known_at = fresh.json()["known_at"]
        pinned = client.get("/v1/scores", params={**query, "fresh": "0", "known_at": known_at}, headers=auth)
        assert "Ledger-Projected-Position" not in pinned.headers
        assert fresh.json() == pinned.json()
        ledger = client.app.state.ledger  # type: ignore[attr-defined]
        assert fresh.json() == ledger.score(BOOK, "2019-Q3", known_at=fresh.json()["known_at"])
        totals = {u["unit"]: u["total"] for u in fresh.json()["units"]}
        assert adoption_points(ledger, "xingqing") == 0 and adoption_points(ledger, "jinfeng") == 3
        assert totals["xingqing"] < totals["jinfeng"]
