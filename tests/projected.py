"""Shared pieces of the projection tests: a city-year, later acts that reach back, and the projection
tables compared with a full replay, row by row and byte by byte."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path
from typing import Any

import orjson

from ledger.periods import parse_period
from ledger.projector import rank_figure, standard_periods
from ledger.render import board_json
from ledger.services import Ledger, Settings
from ledger.store.base import Store
from ledger.store.scores import ScoreTables, Tracked
from projections.facts import gather
from projections.scoring import score

ROOT = Path(__file__).resolve().parents[1]
Rows = dict[tuple[str, str], tuple[str, str]]


def script(name: str) -> Any:
    """A module of scripts/ (`sample_year`, `sample_export`), loaded from its file."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sample_year(seed: int = 3) -> list[dict[str, Any]]:
    acts: list[dict[str, Any]] = script("sample_year").generate(2019, seed)
    return acts


def filled_database(directory: Path, seed: int = 7) -> str:
    """A SQLite ledger holding the generated 银川 city-year 2019."""
    url = f"sqlite:///{directory / 'ledger.db'}"
    ledger = Ledger.open(Settings(database_url=url))
    try:
        ledger.append(sample_year(seed))
    finally:
        ledger.close()
    return url


def later_acts(rng: random.Random, acts: list[dict[str, Any]], n: int, batch: int) -> list[Any]:
    """Backdated adoptions (some higher, some combined), endorsements, reclassifications and voids.
    Voided adoptions are taken out of `acts`, so that no act is voided twice."""
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
    acts += [a for a in out if a["type"] in ("report.adopted", "event.voided")]
    return out


def stored_rows(store: Store, rulebook: str) -> Rows:
    """Every projected row of a rulebook: (period, unit) -> (total, document) as stored."""
    with store.transaction(commit=False) as c:
        c.execute(
            f"SELECT period, unit, total, document FROM {store.qualify('ledger_scores')} "
            f"WHERE rulebook = {store.mark}",
            (rulebook,),
        )
        return {(r["period"], r["unit"]): (r["total"], r["document"]) for r in c.fetchall()}


def replayed_rows(ledger: Ledger, rulebook: str, known_at: str, periods: set[str]) -> Rows:
    """The same rows made by a full replay of every act known at `known_at`, all units at once."""
    selection = ledger.catalogue.select(rulebook)
    acts = list(ledger.store.read(known_at=known_at, chain=False))
    rows: Rows = {}
    for label in periods:
        span = parse_period(label)
        board = score(gather(acts, span.end), selection, span, span.end)
        for s, unit in zip(board.units, board_json(board, "")["units"], strict=True):
            del unit["rank"]
            rows[(label, unit["unit"])] = (rank_figure(s), orjson.dumps(unit).decode())
    return rows


def assert_tables_replay(ledger: Ledger, rulebook: str, cadence: str = "quarter") -> Tracked:
    """The rulebook's tables hold exactly the rows of a full replay as known at their tracked position,
    which is the store's head; returns the tracking row."""
    tracked = ScoreTables(ledger.store).tracked(rulebook)
    assert tracked is not None
    assert tracked.position == ledger.store.head()[0]
    stored = stored_rows(ledger.store, rulebook)
    periods = {p.label for p in standard_periods(2019, cadence)} | {period for period, _ in stored}
    replayed = replayed_rows(ledger, rulebook, tracked.known_at, periods)
    assert stored.keys() == replayed.keys()
    different = [key for key in stored if stored[key] != replayed[key]]
    assert not different, f"{len(different)} rows differ from the replay, first {different[0]}"
    return tracked
