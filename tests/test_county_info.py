"""The county office's 《政务信息工作考核、通报办法》 (county-info): worked examples, and versions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ledger.errors import NotFound
from ledger.rulebooks import Catalogue, shipped_directory
from ledger.services import Ledger
from ledger.store import open_store

BOOK = "county-info"
Act = dict[str, Any]
Make = Callable[..., Act]
TEST_RULEBOOKS = Path(__file__).parent / "rulebooks"


def reg(act: Make, unit: str, cls: str = "town", day: str = "2019-01-01") -> Act:
    return act("unit.registered", day, id=f"reg-{unit}", unit=unit, name=f"{unit} 单位", **{"class": cls})


def filed(act: Make, unit: str, report: str, day: str = "2019-01-02") -> Act:
    return act("report.filed", day, id=f"f-{report}", unit=unit, report=report, title="信息")


def adopt(act: Make, day: str, report: str, publication: str, form: str = "item", **more: Any) -> Act:
    return act("report.adopted", day, report=report, publication=publication, form=form, **more)


def endorse(act: Make, day: str, report: str, level: str) -> Act:
    return act("endorsement.received", day, id=f"e-{report}-{level}-{day}", report=report, level=level)


def entry(doc: dict[str, Any], unit: str) -> dict[str, Any]:
    return next(u for u in doc["units"] if u["unit"] == unit)


def clause_lines(doc: dict[str, Any], unit: str, clause: str) -> list[dict[str, Any]]:
    return [li for li in entry(doc, unit)["lines"] if li["clause"]["id"] == clause]


# 一(三)1 "被国务院办公厅信息刊物采用的信息,每条记15分……被省政府信息刊物……采用的信息,每条记8分……被省政府《政务
# 情况交流》采用的,每条记15分;被市政府信息刊物《工作信息》、《信息快报》等采用的信息,每条记5分……被市政府《政务
# 工作交流》采用的,每条记10分;被县《政务信息》采用的,每条计2分"
@pytest.mark.parametrize(
    ("publication", "expected"),
    [
        ("state-council", 15),
        ("province", 8),
        ("province-exchange", 15),
        ("city", 5),
        ("city-exchange", 10),
        ("county", 2),
    ],
)
def test_each_publication_pays_its_points(
    sqlite_ledger: Ledger, act: Make, publication: str, expected: int
) -> None:
    """One adoption earns the points the seed sets for its publication."""
    sqlite_ledger.append(
        [reg(act, "zhen"), filed(act, "zhen", "R"), adopt(act, "2019-01-20", "R", publication)]
    )
    assert entry(sqlite_ledger.score(BOOK, "2019-01"), "zhen")["total"] == expected


def test_every_adoption_of_a_report_counts(sqlite_ledger: Ledger, act: Make) -> None:
    """A report taken up by the county, then the city, then the province earns each adoption's points."""
    sqlite_ledger.append(
        [
            reg(act, "zhen"),
            filed(act, "zhen", "R"),
            adopt(act, "2019-01-10", "R", "county"),
            adopt(act, "2019-02-10", "R", "city"),
            adopt(act, "2019-03-10", "R", "province"),
        ]
    )
    assert entry(sqlite_ledger.score(BOOK, "2019-Q1"), "zhen")["total"] == 2 + 5 + 8


# "获得国务院办公厅以上领导批示的,每条加30分" (15 × 2); "获得省领导批示的,每条加16分" (8 × 2) and for
# 《政务情况交流》 "获得省领导批示的,每条加30分" (15 × 2); "获得市领导批示的,每条加10分" (5 × 2) and for
# 《政务工作交流》 "每条加20分" (10 × 2); "获得县领导批示的,每条加4分" (2 × 2).
@pytest.mark.parametrize(
    ("adoptions", "level", "bonus"),
    [
        (["state-council"], "national", 30),
        (["province"], "province", 16),
        (["province-exchange"], "province", 30),
        (["province", "province-exchange"], "province", 30),  # the higher of the two at that level
        (["province-exchange"], "region", 30),  # 自治区 is the province tier
        (["city"], "city", 10),
        (["city-exchange", "city"], "city", 20),
        (["county"], "county", 4),
        (["county", "city", "province"], "county", 4),  # other levels' adoptions do not count
    ],
)
def test_an_endorsement_doubles_the_best_adoption_at_the_leaders_level(
    sqlite_ledger: Ledger, act: Make, adoptions: list[str], level: str, bonus: int
) -> None:
    """An endorsement adds twice the report's highest adoption at the endorsing leader's level."""
    acts = [reg(act, "zhen"), filed(act, "zhen", "R")]
    acts += [adopt(act, f"2019-03-0{i + 1}", "R", p, id=f"a{i}") for i, p in enumerate(adoptions)]
    sqlite_ledger.append([*acts, endorse(act, "2019-04-15", "R", level)])
    april = sqlite_ledger.score(BOOK, "2019-04")
    [line] = clause_lines(april, "zhen", "1.3-endorsement")
    assert line["points"] == bonus == entry(april, "zhen")["total"]
    assert line["events"][0] == f"e-R-{level}-2019-04-15" and line["events"][1].startswith("a")


def test_an_endorsement_with_no_adoption_at_its_level_adds_nothing_and_warns(
    sqlite_ledger: Ledger, act: Make
) -> None:
    """A city leader's endorsement of a report the city never adopted adds 0, on a warning line."""
    # The report was run only in 县《政务信息》 (2); a city leader endorses it. A later city adoption, after
    # the endorsement, is not what the leader endorsed and does not reach back.
    sqlite_ledger.append(
        [
            reg(act, "zhen"),
            filed(act, "zhen", "R"),
            adopt(act, "2019-05-02", "R", "county"),
            endorse(act, "2019-05-20", "R", "city"),
            adopt(act, "2019-05-25", "R", "city"),
        ]
    )
    may = sqlite_ledger.score(BOOK, "2019-05")
    [line] = clause_lines(may, "zhen", "1.3-endorsement")
    assert (line["points"], line["detail"]) == (
        0,
        "市级领导批示：无同级采用可按倍数计分（提示）",
    )
    assert entry(may, "zhen")["total"] == 2 + 5


def test_a_combined_adoption_and_its_endorsement_reach_every_credited_unit(
    sqlite_ledger: Ledger, act: Make
) -> None:
    """A combined city adoption gives each listed unit 5, and a city endorsement then gives each 10."""
    sqlite_ledger.append(
        [
            reg(act, "zhen"),
            reg(act, "ju", "department"),
            reg(act, "ke", "office"),
            filed(act, "zhen", "R"),
            adopt(act, "2019-06-03", "R", "city", "combined", units=["zhen", "ju"]),
            endorse(act, "2019-06-30", "R", "city"),
        ]
    )
    doc = sqlite_ledger.score(BOOK, "2019-06")
    assert [(u["unit"], u["total"], u["rank"]) for u in doc["units"]] == [
        ("ju", 15, 1),
        ("zhen", 15, 1),
        ("ke", 0, 3),
    ]


# --- versions: a test-only county-info v2 (tests/rulebooks/county-info-v2.toml), in effect from 2019-07-01


@pytest.fixture
def versioned(sqlite_url: str) -> Iterator[Ledger]:
    """A ledger whose catalogue holds the shipped rulebooks and the test-only county-info v2."""
    catalogue = Catalogue.load([shipped_directory(), TEST_RULEBOOKS])
    with open_store(sqlite_url, catalogue.publications(), catalogue.items()) as store:
        yield Ledger(store, catalogue)


def two_adoptions(act: Make) -> list[Act]:
    # One county adoption in January (v1: 2) and one in August (v2: 3), each endorsed by a county leader.
    return [
        reg(act, "zhen"),
        filed(act, "zhen", "R1"),
        filed(act, "zhen", "R2", "2019-08-01"),
        adopt(act, "2019-01-20", "R1", "county"),
        endorse(act, "2019-01-21", "R1", "county"),
        adopt(act, "2019-08-20", "R2", "county"),
        endorse(act, "2019-08-21", "R2", "county"),
    ]


def test_a_period_spanning_two_versions_scores_each_act_by_the_version_in_effect_on_its_day(
    versioned: Ledger, act: Make
) -> None:
    """January's acts are scored by v1 and August's by v2; the year names the version at its end."""
    versioned.append(two_adoptions(act))
    year = versioned.score(BOOK, "2019")
    books = {b["version"]: b for b in year["rulebooks_used"]}
    assert sorted(books) == [1, 2]
    assert year["rulebook"] == books[2] and year["rulebook"]["id"] == BOOK
    assert entry(year, "zhen")["total"] == (2 + 4) + (3 + 6)
    assert {(li["period"], li["rulebook"], li["points"]) for li in entry(year, "zhen")["lines"]} == {
        ("2019-01", "county-info@1", 2),
        ("2019-01", "county-info@1", 4),
        ("2019-08", "county-info@2", 3),
        ("2019-08", "county-info@2", 6),
    }
    first_half = versioned.score(BOOK, "2019-H1")
    assert first_half["rulebook"]["version"] == 1 and entry(first_half, "zhen")["total"] == 6


@pytest.mark.parametrize(("name", "total"), [("county-info@1", 6 + 6), ("county-info@2", 9 + 9)])
def test_a_pinned_version_scores_every_act_of_any_period(
    versioned: Ledger, act: Make, name: str, total: int
) -> None:
    """ID@VERSION applies that one version to the whole period, even before or after its own window."""
    versioned.append(two_adoptions(act))
    doc = versioned.score(name, "2019")
    version = int(name.rsplit("@", 1)[1])
    assert doc["rulebook"]["version"] == version
    assert [b["version"] for b in doc["rulebooks_used"]] == [version]
    assert entry(doc, "zhen")["total"] == total


def test_the_two_versions_have_their_own_identity_and_an_unknown_version_is_refused(
    versioned: Ledger,
) -> None:
    """Each version has its own sha256, and naming a version that does not exist lists the ones that do."""
    v1, v2 = (versioned.catalogue.select(f"{BOOK}@{n}").versions[0] for n in (1, 2))
    assert v1.sha256 != v2.sha256 and Path(v2.source).parent == TEST_RULEBOOKS
    with pytest.raises(NotFound, match=r"没有版本 '3'（现有版本：1、2）"):
        versioned.score(f"{BOOK}@3", "2019")
