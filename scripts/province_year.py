"""A deterministic synthetic province-year for benchmarks: ~1,500 units in ~14 cities, ~1,000,000 acts.

    python scripts/province_year.py --out province.jsonl [--year 2019] [--seed 1] [--scale 1.0]

The mix follows a real year under yinchuan-2018: registrations, filings around each class's quarterly
quota, adoptions across publication levels (some adopted again, higher, in a later quarter), endorsements,
excellence, late-report notices, missed commissions, criticisms, voids of mistaken acts, and about 1% of
acts recorded late (placed later in the file than their date). Unit slugs are `cNN-<n>`, so a city's units
share the prefix `cNN-`. Standard library only; the same arguments give the same bytes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
from collections.abc import Iterator
from typing import Any

CLASSES = [
    ("county", 90, 9),
    ("department", 40, 55),
    ("institution", 20, 30),
    ("zone", 20, 3),
    ("vertical", 10, 8),
    ("liaison", 30, 2),
]  # fmt: skip  (class, quarterly quota, units per city)
PUBLICATIONS = [("yinchuan-zwxx", 0.55), ("yinchuan-ztxx", 0.15), ("forwarded-region", 0.12),
                ("ningxia-kuaibao", 0.1), ("ningxia-chenbao", 0.06), ("guobao", 0.02)]  # fmt: skip
CITIES = 14


def generate(year: int, seed: int, scale: float = 1.0) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    start = dt.date(year, 1, 1)
    days = [start + dt.timedelta(d) for d in range((dt.date(year + 1, 1, 1) - start).days)]
    workdays = [d for d in days if d.weekday() < 5]
    counter = 0

    def act(kind: str, day: dt.date, **fields: Any) -> dict[str, Any]:
        nonlocal counter
        counter += 1
        return {"id": f"p{year}-{counter:07d}", "type": kind, "occurred_on": day.isoformat(), **fields}

    units: list[tuple[str, int]] = []
    for city in range(1, CITIES + 1):
        for cls, quota, per_city in CLASSES:
            for n in range(per_city):
                slug = f"c{city:02d}-{cls[:3]}{n:02d}"
                units.append((slug, quota))
                yield act("unit.registered", start, unit=slug, name=f"第{city}市{cls}{n}", **{"class": cls})
    late: list[dict[str, Any]] = []
    for quarter in range(4):
        qdays = [d for d in workdays if (d.month - 1) // 3 == quarter]
        batch: list[dict[str, Any]] = []
        for slug, quota in units:
            filed = int(quota * rng.uniform(0.75, 1.5) * scale * 3.3)
            for k in range(filed):
                day = qdays[rng.randrange(len(qdays))]
                report = f"{slug}-{quarter}-{k}"
                batch.append(act("report.filed", day, unit=slug, report=report, title="信息"))
                roll = rng.random()
                if roll < 0.22:
                    later = min(day + dt.timedelta(rng.randint(1, 20)), days[-1])
                    pub = rng.choices([p for p, _ in PUBLICATIONS], [w for _, w in PUBLICATIONS])[0]
                    form = "brief" if rng.random() < 0.2 else "item"
                    batch.append(act("report.adopted", later, report=report, publication=pub, form=form))
                    if rng.random() < 0.1:
                        again = min(later + dt.timedelta(rng.randint(10, 80)), days[-1])
                        batch.append(
                            act("report.adopted", again, report=report, publication="guobao", form="item")
                        )
                    if rng.random() < 0.08:
                        level = rng.choice(["city", "city", "region", "national"])
                        batch.append(act("endorsement.received", later, report=report, level=level))
                    if rng.random() < 0.02:
                        batch.append(act("report.excellent", later, report=report))
            for kind, p in (
                ("commission.missed", 0.05),
                ("late_report.notified", 0.03),
                ("criticism.notified", 0.01),
            ):
                if rng.random() < p:
                    fields: dict[str, Any] = {"unit": slug}
                    if kind == "late_report.notified":
                        fields |= {
                            "notifier": "city",
                            "severity": rng.choice(["late", "missed", "concealed"]),
                        }
                    if kind == "criticism.notified":
                        fields |= {"notifier": "city"}
                    batch.append(act(kind, qdays[rng.randrange(len(qdays))], **fields))
        batch.sort(key=lambda a: a["occurred_on"])
        for item in batch:
            # Voids and late recording only for acts nothing refers to.
            if item["type"] in ("report.adopted", "commission.missed") and rng.random() < 0.01:
                yield item
                yield act("event.voided", dt.date.fromisoformat(item["occurred_on"]), target=item["id"],
                          reason="重复登记")  # fmt: skip
            elif (
                item["type"] in ("endorsement.received", "report.excellent", "criticism.notified")
                and rng.random() < 0.1
            ):
                late.append(item)
            else:
                yield item
        yield from late
        late = []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--year", type=int, default=2019)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--out", default="-")
    args = parser.parse_args(argv)
    out = sys.stdout if args.out == "-" else open(args.out, "w", encoding="utf-8")  # noqa: SIM115
    try:
        for item in generate(args.year, args.seed, args.scale):
            out.write(json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
