"""The sample city-year as the ledger would hold it after being kept through the year: an export (the
file `ledger export` writes and `ledger restore` loads), with each act's recorded time and chain hash.

Each act is recorded one to five days after it occurred, in office hours (China time); some are
recorded late, after their quarter has ended. One report of 兴庆区 is filed under a wrong title, its
filing voided in October and filed again (with its adoption recorded again); and an endorsement of one
of its third-quarter reports reaches the office only in November. So a score as known at 2019-10-05
differs from the same score as known at 2019-12-31 (`scripts/demo` shows both).

Usage: ``python scripts/sample_export.py [--year 2019] [--seed 7] --out FILE [--acts FILE]``
(``--acts`` also writes the same acts as plain JSON Lines, for `ledger import`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from ledger.acts import parse_act
from ledger.store.base import GENESIS, decode, encode

CHINA = dt.timezone(dt.timedelta(hours=8))
LATE = 0.03  # share of acts recorded late: 20 to 50 days after they occurred
UNIT = "xingqing"  # the unit whose third quarter changes between the two known-at times


def _sample_year() -> Any:
    spec = importlib.util.spec_from_file_location("sample_year", Path(__file__).with_name("sample_year.py"))
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _corrections(acts: list[dict[str, Any]], year: int) -> list[tuple[dict[str, Any], dt.datetime]]:
    """A void and re-filing of one of the unit's third-quarter reports, and a late endorsement of
    another, each with the time it is recorded (China time)."""
    q3 = (dt.date(year, 7, 1).isoformat(), dt.date(year, 9, 30).isoformat())
    filed = {a["report"]: a for a in acts if a["type"] == "report.filed" and a["unit"] == UNIT}
    adopted = [
        a
        for a in acts
        if a["type"] == "report.adopted"
        and a["report"] in filed
        and q3[0] <= filed[a["report"]]["occurred_on"] <= a["occurred_on"] <= q3[1]
        and "units" not in a
    ]
    wrong, endorsed = adopted[0], adopted[-1]
    filing = filed[wrong["report"]]
    prefix = f"yc{year}-fix"
    void = {
        "id": f"{prefix}-1",
        "type": "event.voided",
        "occurred_on": f"{year}-10-15",
        "target": filing["id"],
        "reason": "标题有误，重新报送",
    }
    again = {**filing, "id": f"{prefix}-2", "title": f"{filing['title']}（更正）"}
    readopted = {**wrong, "id": f"{prefix}-3"}
    endorsement = {
        "id": f"{prefix}-4",
        "type": "endorsement.received",
        "occurred_on": endorsed["occurred_on"],
        "report": endorsed["report"],
        "level": "region",
    }
    at = dt.datetime(year, 10, 16, 10, 30, tzinfo=CHINA)
    late = dt.datetime(year, 11, 12, 15, 5, tzinfo=CHINA)
    return [(void, at), (again, at), (readopted, at), (endorsement, late)]


def recorded_year(year: int = 2019, seed: int = 7) -> list[tuple[dict[str, Any], str]]:
    """The acts of the sample year in the order they were recorded, each with its recorded time (UTC)."""
    acts: list[dict[str, Any]] = _sample_year().generate(year, seed)
    rng = random.Random(year * 7919 + seed)
    when: dict[str, dt.datetime] = {}  # act id -> recorded time
    defined: dict[str, dt.datetime] = {}  # unit slug or report id -> when its defining act was recorded
    timed: list[tuple[dt.datetime, int, dict[str, Any]]] = []
    extra = _corrections(acts, year)
    for seq, act in enumerate([*acts, *(a for a, _ in extra)]):
        day = dt.date.fromisoformat(act["occurred_on"])
        late = rng.random() < LATE and act["type"] != "unit.registered"
        days = rng.randint(20, 50) if late else rng.randint(1, 5)
        moment = dt.datetime.combine(day + dt.timedelta(days), dt.time(9), CHINA)
        moment += dt.timedelta(minutes=rng.randint(0, 510))
        moment = next((at for a, at in extra if a is act), moment)
        after = [defined.get(act.get(key, "")) for key in ("unit", "report")]
        after += [when.get(act.get("target", ""))]
        moment = max([moment, *(t + dt.timedelta(seconds=1) for t in after if t is not None)])
        when[act["id"]] = moment
        if act["type"] in ("unit.registered", "report.filed"):
            defined[act.get("report") or act["unit"]] = moment
        timed.append((moment, seq, act))
    timed.sort(key=lambda t: (t[0], t[1]))
    return [(act, _utc(moment)) for moment, _, act in timed]


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def export_lines(recorded: Sequence[tuple[dict[str, Any], str]]) -> list[bytes]:
    """The lines `ledger export` would write for these acts, recorded at these times: positions from 1
    and the hash chain, as the store makes them."""
    lines, chain = [], GENESIS
    for position, (item, recorded_at) in enumerate(recorded, start=1):
        state, chain = encode(parse_act(item, position), orjson.dumps(recorded_at), position, chain)
        stored = decode(position, state)
        lines.append(orjson.dumps({**stored.as_json(), "chain": stored.chain}) + b"\n")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the sample year as an export of a kept ledger.")
    parser.add_argument("--year", type=int, default=2019)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", required=True, help="the export (for ledger restore)")
    parser.add_argument("--acts", help="the same acts as JSON Lines (for ledger import)")
    args = parser.parse_args(argv)
    recorded = recorded_year(args.year, args.seed)
    Path(args.out).write_bytes(b"".join(export_lines(recorded)))
    if args.acts:
        Path(args.acts).write_bytes(b"".join(orjson.dumps(act) + b"\n" for act, _ in recorded))
    return 0


if __name__ == "__main__":
    sys.exit(main())
