"""Replay: the JSON a score renders, and how as-of, known-at and voids decide which acts count."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ledger.render import dumps
from ledger.rulebooks import Catalogue
from ledger.services import Ledger
from ledger.store import open_store

BOOK = "yinchuan-2018"
FAR = "2099-12-31T00:00:00Z"
Act = dict[str, Any]
Make = Callable[..., Act]


def reg(act: Make, unit: str, cls: str = "vertical", day: str = "2019-01-01") -> Act:
    return act("unit.registered", day, id=f"reg-{unit}", unit=unit, name=f"{unit} 单位", **{"class": cls})


def filed(act: Make, unit: str, report: str, day: str = "2019-01-02") -> Act:
    return act("report.filed", day, id=f"f-{report}", unit=unit, report=report, title="信息")


def adopt(act: Make, day: str, report: str, publication: str, act_id: str, form: str = "item") -> Act:
    return act("report.adopted", day, id=act_id, report=report, publication=publication, form=form)


def totals(doc: dict[str, Any]) -> dict[str, int | float]:
    return {u["unit"]: u["total"] for u in doc["units"]}


def city_quarter(act: Make) -> list[Act]:
    # Four 自治区垂管机构 in 2019-Q1: 税务局 adopted by 《国报信息》 and endorsed by a city leader (5 + 3 + 0
    # base); 调查队 and 气象局 each adopted once by 《银川专题信息》 (5); 海关 has one brief in
    # 《银川政务信息》 (1).
    acts = [reg(act, u) for u in ("swj", "dcd", "qxj", "hg")]
    acts += [filed(act, u, f"{u}-1") for u in ("swj", "dcd", "qxj", "hg")]
    acts += [
        adopt(act, "2019-02-01", "swj-1", "guobao", "a-swj"),
        act("endorsement.received", "2019-02-05", id="e-swj", report="swj-1", level="city"),
        adopt(act, "2019-02-02", "dcd-1", "yinchuan-ztxx", "a-dcd"),
        adopt(act, "2019-02-03", "qxj-1", "yinchuan-ztxx", "a-qxj"),
        adopt(act, "2019-03-01", "hg-1", "yinchuan-zwxx", "a-hg", "brief"),
    ]
    return acts


def test_the_json_names_the_rulebook_period_and_times_and_ranks_ties_alike(ledger: Ledger, act: Make) -> None:
    """The JSON holds rulebook {id, version, sha256}, period, as_of, known_at, and units ranked 1, 2, 2, 4."""
    ledger.append(city_quarter(act))
    doc = ledger.score(BOOK, "2019-Q1", known_at=FAR)
    book = ledger.catalogue.select(BOOK).latest
    assert doc["rulebook"] == {"id": BOOK, "version": 1, "sha256": book.sha256}
    assert (doc["period"], doc["as_of"], doc["known_at"]) == (
        "2019-Q1",
        "2019-03-31",
        "2099-12-31T00:00:00.000000Z",
    )
    assert [(u["unit"], u["total"], u["rank"]) for u in doc["units"]] == [
        ("swj", 8, 1),
        ("dcd", 5, 2),
        ("qxj", 5, 2),
        ("hg", 1, 4),
    ]
    swj = doc["units"][0]
    assert {"unit", "name", "class", "total", "rank", "metrics", "flags", "lines"} <= set(swj)
    assert (swj["name"], swj["class"]) == ("swj 单位", "vertical")
    for line in swj["lines"]:
        assert set(line["clause"]) == {"id", "wording"} and line["clause"]["wording"]
        assert {"points", "events"} <= set(line)
    assert {tuple(li["events"]): li["points"] for li in swj["lines"] if li["points"]} == {
        ("a-swj",): 5,
        ("e-swj",): 3,
    }
    for u in doc["units"]:
        assert sum(li["points"] for li in u["lines"]) == u["total"]
    # Asking for one unit keeps its rank among all.
    only = ledger.score(BOOK, "2019-Q1", known_at=FAR, unit="qxj")
    assert [(u["unit"], u["rank"]) for u in only["units"]] == [("qxj", 2)]


def test_replaying_the_same_acts_gives_byte_identical_json(ledger: Ledger, act: Make, tmp_path: Path) -> None:
    """Scoring the same acts again, here or in a fresh ledger fed in other batches, renders the same bytes."""
    acts = city_quarter(act)
    ledger.append(acts)
    first = dumps(ledger.score(BOOK, "2019", known_at=FAR))
    assert dumps(ledger.score(BOOK, "2019", known_at=FAR)) == first
    # The acts appended once more are duplicates and change nothing.
    assert {r.status for r in ledger.append(acts)} == {"duplicate"}
    assert dumps(ledger.score(BOOK, "2019", known_at=FAR)) == first
    catalogue = Catalogue.load()
    other_url = f"sqlite:///{tmp_path / 'other.db'}"
    with open_store(other_url, catalogue.publications(), catalogue.items()) as store:
        other = Ledger(store, catalogue)
        for start in range(0, len(acts), 3):
            other.append(acts[start : start + 3])
        assert dumps(other.score(BOOK, "2019", known_at=FAR)) == first


def test_known_at_sees_only_the_acts_recorded_by_then_voids_included(ledger: Ledger, act: Make) -> None:
    """Known at an earlier receipt's time, later batches do not count; a void counts from its recording."""
    # Batch 1: 税务局's report adopted by 《银川政务信息》 (3). Batch 2: that adoption is voided (entered in
    # error) and 《银川专题信息》's adoption recorded instead (5). Batch 3: a city leader's endorsement (3).
    batches = [
        [reg(act, "swj"), filed(act, "swj", "R"), adopt(act, "2019-02-01", "R", "yinchuan-zwxx", "a1")],
        [
            act("event.voided", "2019-02-10", target="a1", reason="录入错误"),
            adopt(act, "2019-02-01", "R", "yinchuan-ztxx", "a2"),
        ],
        [act("endorsement.received", "2019-03-01", id="e1", report="R", level="city")],
    ]
    stamps = []
    for batch in batches:
        receipts = ledger.append(batch)
        stamps.append(receipts[-1].recorded_at)
        time.sleep(0.002)
    assert stamps == sorted(set(stamps))
    seen = [totals(ledger.score(BOOK, "2019-Q1", known_at=stamp)) for stamp in stamps]
    assert seen == [{"swj": 3}, {"swj": 5}, {"swj": 8}]
    assert ledger.score(BOOK, "2019-Q1", known_at=stamps[0])["known_at"] == stamps[0]
    assert totals(ledger.score(BOOK, "2019-Q1")) == {"swj": 8}


def test_a_void_removes_its_target_whatever_date_the_void_bears(ledger: Ledger, act: Make) -> None:
    """A void dated after the as-of day still removes its target from that day's view."""
    # The void of 海关's Q1 adoption is dated 2019-12-31, yet Q1 scored as of 03-31 no longer counts it.
    ledger.append(
        [
            reg(act, "hg"),
            filed(act, "hg", "R"),
            adopt(act, "2019-03-01", "R", "guobao", "a1"),
            act("event.voided", "2019-12-31", target="a1", reason="重复录入"),
        ]
    )
    assert totals(ledger.score(BOOK, "2019-Q1", as_of="2019-03-31")) == {"hg": 0}


def test_voiding_a_filing_or_a_registration_takes_what_hangs_on_it(ledger: Ledger, act: Make) -> None:
    """A voided filing takes its adoptions and endorsements with it; a voided registration takes the unit."""
    ledger.append(city_quarter(act))
    ledger.append(
        [
            act("event.voided", "2019-04-01", target="f-swj-1", reason="误报"),
            act("event.voided", "2019-04-01", target="reg-hg", reason="误登记"),
        ]
    )
    assert totals(ledger.score(BOOK, "2019-Q1")) == {"swj": 0, "dcd": 5, "qxj": 5}


def test_as_of_counts_only_acts_on_or_before_that_day(ledger: Ledger, act: Make) -> None:
    """As of a day, later acts do not count; by default the period's last day is the as-of day."""
    ledger.append(city_quarter(act))
    assert totals(ledger.score(BOOK, "2019-Q1", as_of="2019-02-01")) == {
        "swj": 5,
        "dcd": 0,
        "qxj": 0,
        "hg": 0,
    }
    assert totals(ledger.score(BOOK, "2019-Q1", as_of="2019-02-04")) == {
        "swj": 5,
        "dcd": 5,
        "qxj": 5,
        "hg": 0,
    }
    default = ledger.score(BOOK, "2019-Q1", known_at=FAR)
    assert default == ledger.score(BOOK, "2019-Q1", as_of="2019-03-31", known_at=FAR)
    later = ledger.score(BOOK, "2019-Q1", as_of="2019-06-30", known_at=FAR)
    assert later["as_of"] == "2019-06-30"
    assert totals(later) == totals(default)


def test_a_later_combined_adoption_does_not_move_an_earlier_endorsement(ledger: Ledger, act: Make) -> None:
    """An endorsement stays with the units credited on its own day; a later combined adoption leaves it be."""
    # 灵武市's report is endorsed by a city leader in Q1 (3 to 灵武市, the filer). In Q3 《银川专题信息》
    # combines it with 永宁县's material and credits both (5 each). The Q1 endorsement stays 灵武市's, in the
    # year and in Q1 seen from any later day.
    ledger.append(
        [
            reg(act, "lw", "county"),
            reg(act, "yn", "county"),
            filed(act, "lw", "R"),
            act("endorsement.received", "2019-02-01", report="R", level="city"),
            act("report.adopted", "2019-08-01", report="R", publication="yinchuan-ztxx", form="combined",
                units=["lw", "yn"]),
        ]
    )  # fmt: skip
    assert totals(ledger.score(BOOK, "2019")) == {"lw": 3 + 5, "yn": 5}
    assert totals(ledger.score(BOOK, "2019-Q1", as_of="2019-12-31")) == {"lw": 3, "yn": 0}
