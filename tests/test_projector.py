"""The incremental score projection answers exactly as a full replay, act batch after act batch."""

from __future__ import annotations

import importlib.util
import random
import time
from pathlib import Path
from typing import Any

import pytest

from ledger.projector import Projector, standard_periods
from ledger.services import Ledger

ROOT = Path(__file__).resolve().parents[1]


def sample_year() -> list[dict[str, Any]]:
    spec = importlib.util.spec_from_file_location("sample_year", ROOT / "scripts" / "sample_year.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    acts: list[dict[str, Any]] = module.generate(2019, 3)
    return acts


def same_as_replay(ledger: Ledger, projector: Projector, rulebook: str, cadence: str) -> int:
    checked = 0
    for period in standard_periods(2019, cadence):
        projected = projector.document(rulebook, period.label)
        replayed = ledger.score(rulebook, period.label, known_at=projector.known_at)
        assert projected == replayed, f"{rulebook} {period.label} differs"
        checked += 1
    one = replayed["units"][-1]["unit"]
    assert projector.document(rulebook, period.label, unit=one) == ledger.score(
        rulebook, period.label, known_at=projector.known_at, unit=one
    )
    return checked


def later_acts(rng: random.Random, acts: list[dict[str, Any]], n: int, batch: int) -> list[Any]:
    """Backdated adoptions (some higher, some combined), endorsements, reclassifications and voids."""
    filings = [a for a in acts if a["type"] == "report.filed"]
    units = [a["unit"] for a in acts if a["type"] == "unit.registered"]
    voided = {a["target"] for a in acts if a["type"] == "event.voided"}
    adoptions = [a for a in acts if a["type"] == "report.adopted" and a.get("id") not in voided]
    out: list[dict[str, Any]] = []
    for k in range(n):
        roll = rng.random()
        key = f"late-{batch}-{k}"
        filing = rng.choice(filings)
        if roll < 0.35:
            out.append({"id": key, "type": "report.adopted", "occurred_on": filing["occurred_on"],
                        "report": filing["report"], "publication": rng.choice(["guobao", "yinchuan-zwxx"]),
                        "form": "item"})  # fmt: skip
        elif roll < 0.5:
            credited = rng.sample(units, 2)
            out.append({"id": key, "type": "report.adopted", "occurred_on": filing["occurred_on"],
                        "report": filing["report"], "publication": "yinchuan-ztxx", "form": "combined",
                        "units": credited})  # fmt: skip
        elif roll < 0.65:
            out.append({"id": key, "type": "endorsement.received", "occurred_on": filing["occurred_on"],
                        "report": filing["report"], "level": "city"})  # fmt: skip
        elif roll < 0.75:
            out.append({"id": key, "type": "unit.reclassified", "occurred_on": "2019-05-01",
                        "unit": rng.choice(units), "class": rng.choice(["department", "zone"])})  # fmt: skip
        elif adoptions:
            target = adoptions.pop(rng.randrange(len(adoptions)))
            out.append({"id": key, "type": "event.voided", "occurred_on": "2019-12-01",
                        "target": target["id"],
                        "reason": "登记有误"})  # fmt: skip
    return out


@pytest.mark.parametrize(("rulebook", "cadence"), [("yinchuan-2018", "quarter"), ("district-info", "month")])
def test_incremental_answers_equal_a_full_replay(sqlite_ledger: Ledger, rulebook: str, cadence: str) -> None:
    """After the year and after each batch of backdated acts and voids, every standard period's scores
    from the projection equal a full replay as known at the projection's position, unit by unit."""
    rng = random.Random(11)
    acts = sample_year()
    sqlite_ledger.append(acts)
    projector = Projector(sqlite_ledger.store, sqlite_ledger.catalogue, [rulebook])
    assert projector.catch_up() == len(acts)
    checked = same_as_replay(sqlite_ledger, projector, rulebook, cadence)
    for batch in range(2):
        extra = later_acts(rng, acts, 40, batch)
        sqlite_ledger.append(extra)
        acts += [a for a in extra if a["type"] in ("report.adopted", "event.voided")]
        assert projector.catch_up() == len(extra)
        checked += same_as_replay(sqlite_ledger, projector, rulebook, cadence)
    assert checked >= 3 * 7


def test_the_service_answers_from_the_projection(sqlite_url: str) -> None:
    """With a projected rulebook, GET /v1/scores answers a just-appended act's effect from the projection,
    and that answer equals the replay as known at the same time."""
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
        projection = client.app.state.projection  # type: ignore[attr-defined]
        for _ in range(600):  # the first build of the projection
            if projection.projector.position == 3000:
                break
            time.sleep(0.05)
        for period in ("2019-Q1", "2019"):
            answer = client.get(
                "/v1/scores", params={"rulebook": "yinchuan-2018", "period": period}, headers=auth
            )
            document = answer.json()
            assert projection.projector.position == 3000
            assert document["known_at"] == projection.projector.known_at  # answered by the projection
            replay = client.get("/v1/scores", headers=auth, params={
                "rulebook": "yinchuan-2018", "period": period, "known_at": document["known_at"]})  # fmt: skip
            assert document == replay.json()
