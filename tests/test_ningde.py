"""宁德市政府系统信息工作考评办法, 宁政办〔2018〕202号 (ningde-2018), scored yearly: worked examples."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ledger.errors import RulebookError
from ledger.rulebooks import parse_rulebook, shipped_directory
from ledger.services import Ledger

BOOK = "ningde-2018"
NINGDE = (shipped_directory() / "ningde-2018.toml").read_text(encoding="utf-8")
Act = dict[str, Any]
Make = Callable[..., Act]


def reg(act: Make, unit: str, cls: str = "county") -> Act:
    return act(
        "unit.registered", "2018-10-01", id=f"reg-{unit}", unit=unit, name=f"{unit} 单位", **{"class": cls}
    )


def violation(act: Make, unit: str, item: str, points: float, day: str = "2018-11-01", **more: Any) -> Act:
    return act("violation.recorded", day, unit=unit, item=item, points=points, **more)


def merit(act: Make, unit: str, item: str, points: float, day: str = "2018-12-01", **more: Any) -> Act:
    return act("merit.recorded", day, unit=unit, item=item, points=points, **more)


def entry(doc: dict[str, Any], unit: str) -> dict[str, Any]:
    return next(u for u in doc["units"] if u["unit"] == unit)


def points(doc: dict[str, Any], unit: str, clause: str) -> int | float:
    return sum(li["points"] for li in entry(doc, unit)["lines"] if li["clause"]["id"] == clause)


# 三、2: "政府信息绩效考核指标按百分制方式进行考评,采取得分制、扣分制和加分制相结合,每项工作扣分均不超过
# 本项分值幅度"
def test_a_unit_with_nothing_found_keeps_the_deduction_items_and_earns_the_rest(
    sqlite_ledger: Ledger, act: Make
) -> None:
    """Deduction items start full (3 × 10); the scoring item earns what is assessed (here 52 of 70)."""
    # 蕉城区: nothing found against its organisation, leadership or training (30); its reports assessed at
    # 40 in the first round and 12 more at the year's end.
    sqlite_ledger.append(
        [
            reg(act, "jiaocheng"),
            merit(act, "jiaocheng", "nd-2.4-reports", 40, "2018-11-30", reason="第一轮评估"),
            merit(act, "jiaocheng", "nd-2.4-reports", 12, reason="年终评估"),
        ]
    )
    unit = entry(sqlite_ledger.score(BOOK, "2018"), "jiaocheng")
    assert unit["total"] == 82
    assert {li["clause"]["id"]: li["points"] for li in unit["lines"] if li["detail"] == "基础分"} == {
        "nd-2.1-organisation": 10,
        "nd-2.2-leadership": 10,
        "nd-2.3-training": 10,
    }
    assert sum(li["points"] for li in unit["lines"]) == unit["total"]


def test_each_items_deductions_stop_at_the_items_points(sqlite_ledger: Ledger, act: Make) -> None:
    """Deductions of 6 and 7 on a 10-point item take 10, not 13; the item ends at 0, others are untouched."""
    # 福安市 has no information officer (6) and no transmission equipment (7) against 二、1 (10 points), and
    # leaders who do not read the circulars (3) against 二、2.
    sqlite_ledger.append(
        [
            reg(act, "fuan"),
            violation(act, "fuan", "nd-2.1-organisation", 6, reason="未按规定配备信息报送人员"),
            violation(act, "fuan", "nd-2.1-organisation", 7, reason="未配备传输网络设备"),
            violation(act, "fuan", "nd-2.2-leadership", 3, reason="未及时批阅采用情况通报"),
        ]
    )
    doc = sqlite_ledger.score(BOOK, "2018")
    assert points(doc, "fuan", "nd-2.1-organisation") == 0
    assert points(doc, "fuan", "nd-2.2-leadership") == 7
    stop = next(li for li in entry(doc, "fuan")["lines"] if "扣完为止" in li["detail"])
    assert (stop["points"], stop["detail"]) == (3, "扣完为止：至多扣10分")
    assert entry(doc, "fuan")["total"] == 0 + 7 + 10


def test_the_scoring_item_earns_at_most_its_points_and_not_below_nothing(
    sqlite_ledger: Ledger, act: Make
) -> None:
    """Credits above 70 are cut to 70; a deduction larger than what was earned leaves the item at 0."""
    # 市发改委 (class 1) is assessed 50 and 30 on its reports: 70. 市统计局 (class 2) earns 5 and loses 8 for
    # a report found false: 0, not −3.
    sqlite_ledger.append(
        [
            reg(act, "fgw", "class-1"),
            reg(act, "tjj", "class-2"),
            merit(act, "fgw", "nd-2.4-reports", 50),
            merit(act, "fgw", "nd-2.4-reports", 30),
            merit(act, "tjj", "nd-2.4-reports", 5),
            violation(act, "tjj", "nd-2.4-reports", 8, reason="报送信息失实"),
        ]
    )
    doc = sqlite_ledger.score(BOOK, "2018")
    assert points(doc, "fgw", "nd-2.4-reports") == 70
    assert points(doc, "tjj", "nd-2.4-reports") == 0
    assert [(u["unit"], u["class"], u["total"]) for u in doc["units"]] == [
        ("fgw", "class-1", 100),
        ("tjj", "class-2", 30),
    ]


# 三、2: "采取得分制、扣分制和加分制相结合,每项工作扣分均不超过本项分值幅度"; nd-2.4-reports' reading: credit
# up to its 70, "a deduction in it ... comes off what was earned".
def test_credit_above_the_items_points_is_capped_before_a_deduction_comes_off(
    sqlite_ledger: Ledger, act: Make
) -> None:
    """On the scoring item credits are cut to 70 first and a deduction then comes off the 70 (80, −8: 62)."""
    # 市发改委 is assessed 50 and 30 on its reports (80) and loses 8 for a report found false (报送信息失实).
    # By hand: the 80 is cut to the item's 70 (a line of −10), then the 8 comes off: 62, and with its three
    # deduction items untouched (30) a total of 92. Netting first (80 − 8 = 72, cut to 70) would have let
    # the false report cost nothing and tied it with 市财政局, whose 70 earned without a fault make 100.
    sqlite_ledger.append(
        [
            reg(act, "fgw", "class-1"),
            reg(act, "czj", "class-1"),
            merit(act, "fgw", "nd-2.4-reports", 50, "2018-11-30"),
            merit(act, "fgw", "nd-2.4-reports", 30),
            violation(act, "fgw", "nd-2.4-reports", 8, "2018-12-05", reason="报送信息失实"),
            merit(act, "czj", "nd-2.4-reports", 70),
        ]
    )
    doc = sqlite_ledger.score(BOOK, "2018")
    assert points(doc, "fgw", "nd-2.4-reports") == 62
    lines = entry(doc, "fgw")["lines"]
    reports = [(li["detail"], li["points"]) for li in lines if li["clause"]["id"] == "nd-2.4-reports"]
    assert sorted(reports) == [
        ("加分记录", 80),
        ("报送信息失实", -8),
        ("计分不超过该项分值70分", -10),
    ]
    assert [(u["unit"], u["total"], u["rank"]) for u in doc["units"]] == [("czj", 100, 1), ("fgw", 92, 2)]


def test_bonuses_make_up_lost_points_but_the_total_stays_out_of_one_hundred(
    sqlite_ledger: Ledger, act: Make
) -> None:
    """A bonus adds to the total; above 100 the scale's line brings it back to 100."""
    # 霞浦县 loses 4 on training and earns 66 on reports (92) and a bonus of 5 (97). 古田县 earns 70 and a
    # bonus of 6 (106): 100.
    sqlite_ledger.append(
        [
            reg(act, "xiapu"),
            reg(act, "gutian"),
            violation(act, "xiapu", "nd-2.3-training", 4, reason="未参加跟班轮训"),
            merit(act, "xiapu", "nd-2.4-reports", 66),
            merit(act, "xiapu", "nd-3.2-bonus", 5, reason="信息被国务院办公厅采用"),
            merit(act, "gutian", "nd-2.4-reports", 70),
            merit(act, "gutian", "nd-3.2-bonus", 6),
        ]
    )
    doc = sqlite_ledger.score(BOOK, "2018")
    assert entry(doc, "xiapu")["total"] == 97
    assert entry(doc, "gutian")["total"] == 100
    cut = next(li for li in entry(doc, "gutian")["lines"] if li["clause"]["id"] == "nd-3.2-scale")
    assert (cut["points"], cut["detail"]) == (-6, "本期总分合计106分，按上限100分计")


# 三、3: "东侨经济技术开发区管委会政务信息工作绩效评估单独设置考评细则;市直单位按照1、2类单位进行考评"
def test_the_zone_is_left_to_its_own_rules_and_not_ranked(sqlite_ledger: Ledger, act: Make) -> None:
    """东侨 has no items here and is not ranked: its rank is null with the reason, listed after the others."""
    # 寿宁县 keeps its three deduction items (30). 柘荣县 loses all three (0): it is last of the ranked
    # units, second, and alone there. 东侨 has a bonus recorded under this rulebook by mistake: its class has
    # no items, so no lines and no conversion; it takes no place (it would have tied 柘荣 at 0 before).
    sqlite_ledger.append(
        [
            reg(act, "dongqiao", "zone"),
            reg(act, "shouning"),
            reg(act, "zherong"),
            merit(act, "dongqiao", "nd-3.2-bonus", 3),
        ]
        + [violation(act, "zherong", item, 10) for item in ("nd-2.1-organisation", "nd-2.2-leadership")]
        + [violation(act, "zherong", "nd-2.3-training", 10)]
    )
    doc = sqlite_ledger.score(BOOK, "2018")
    dongqiao = entry(doc, "dongqiao")
    assert (dongqiao["lines"], dongqiao["metrics"]) == ([], {})
    assert [(u["unit"], u["total"], u["rank"]) for u in doc["units"]] == [
        ("shouning", 30, 1),
        ("zherong", 0, 2),
        ("dongqiao", 0, None),
    ]
    assert dongqiao["not_ranked"].startswith("东侨经济技术开发区管委会政务信息工作绩效评估单独设置考评细则")
    assert "not_ranked" not in entry(doc, "zherong")
    assert list(dongqiao)[:6] == ["unit", "name", "class", "total", "rank", "not_ranked"]
    alone = sqlite_ledger.score(BOOK, "2018", unit="dongqiao")
    assert [(u["unit"], u["rank"]) for u in alone["units"]] == [("dongqiao", None)]


# 三、2: "最终绩效考评得分按照市绩效考评指标体系确定的分值进行折算"
def test_the_total_is_converted_to_the_citys_weight(sqlite_ledger: Ledger, act: Make, tmp_path: Path) -> None:
    """weighted_total is total × weight / 100: shipped weights of 100 keep the score; a draft's convert it."""
    # 周宁县 scores 85. Under a draft that sets the city's weights (county 4, class 1 3, class 2 2.5), it is
    # 3.4; 市农业农村局 (class 2) scoring 62 is 1.55.
    sqlite_ledger.append(
        [
            reg(act, "zhouning"),
            reg(act, "nyj", "class-2"),
            merit(act, "zhouning", "nd-2.4-reports", 55),
            merit(act, "nyj", "nd-2.4-reports", 32),
        ]
    )
    shipped = sqlite_ledger.score(BOOK, "2018")
    assert entry(shipped, "zhouning")["metrics"] == {"weighted_total": 85}
    draft = tmp_path / "ningde-weights.toml"
    draft.write_text(
        NINGDE.replace("weight = { county = 100, class-1 = 100, class-2 = 100 }",
                       "weight = { county = 4, class-1 = 3, class-2 = 2.5 }"),
        encoding="utf-8",
    )  # fmt: skip
    converted = sqlite_ledger.score(str(draft), "2018")
    assert entry(converted, "zhouning")["metrics"] == {"weighted_total": 3.4}
    assert (entry(converted, "nyj")["total"], entry(converted, "nyj")["metrics"]) == (
        62,
        {"weighted_total": 1.55},
    )


def test_a_deduction_without_points_is_shown_but_scores_nothing(sqlite_ledger: Ledger, act: Make) -> None:
    """The seed sets no amounts, so a violation recorded without points is a 0 line that says why."""
    sqlite_ledger.append(
        [
            reg(act, "pingnan"),
            act("violation.recorded", "2018-11-05", unit="pingnan", item="nd-2.2-leadership"),
        ]
    )
    lines = entry(sqlite_ledger.score(BOOK, "2018"), "pingnan")["lines"]
    found = next(li for li in lines if li["clause"]["id"] == "nd-2.2-leadership" and li["events"])
    assert (found["detail"], found["points"]) == (
        "扣分记录：未填分值，考核办法亦未规定分值",
        0,
    )


def test_each_year_is_scored_on_its_own_acts(sqlite_ledger: Ledger, act: Make) -> None:
    """Only the year's own acts count: a bonus of 2018 is not in 2019, which starts from the items again."""
    sqlite_ledger.append([reg(act, "zherong"), merit(act, "zherong", "nd-3.2-bonus", 2)])
    assert entry(sqlite_ledger.score(BOOK, "2018"), "zherong")["total"] == 32
    assert entry(sqlite_ledger.score(BOOK, "2019"), "zherong")["total"] == 30
    with pytest.raises(Exception, match="短于考核办法的计分周期"):
        sqlite_ledger.score(BOOK, "2018-Q4")


BAD_ITEMS = {
    "a deduction item without a weight": ("weight = 10\nclasses", "classes", "clauses[0]"),
    "a floor above the weight": ("weight = 70\n", "weight = 70\nfloor = 80\n", "clauses[3]"),
    "a negative weight": ("weight = 70", "weight = -70", "clauses[3].weight"),
    "a positive amount per violation": (
        "weight = 70\n",
        "weight = 70\nper_violation = 2\n",
        "clauses[3].per_violation",
    ),
    "an unknown basis": ('basis = "bonus"', 'basis = "extra"', "clauses[4].basis"),
    "a positive amount for a late task": (
        "weight = 10\nclasses",
        "weight = 10\nlate_task = 1\nclasses",
        "clauses[0].late_task",
    ),
    "a late task amount on a credit item": ("weight = 70\n", "weight = 70\nlate_task = -1\n", "clauses[3]"),
    "a class not ranked with an empty reason": (
        'not_ranked = "',
        'not_ranked = "" #',
        "classes.zone.not_ranked",
    ),
    "an unknown class": ('classes = ["county", "class-1", "class-2"]', 'classes = ["town"]', "clauses"),
    "a group with no group clause": ('basis = "bonus"\n', 'basis = "bonus"\ngroup = "extras"\n', "clauses"),
    "bounds with neither cap nor floor": ("cap = 100\nfloor = 0\n", "", "clauses[5]"),
    "a conversion weight for an unknown class": ("class-2 = 100 }", "class-3 = 100 }", "clauses"),
    "a conversion base of zero": (
        'metric = "weighted_total"\n',
        'metric = "weighted_total"\nbase = 0\n',
        "clauses[6].base",
    ),
}


@pytest.mark.parametrize("name", BAD_ITEMS)
def test_a_bad_item_structure_is_refused_naming_the_key(name: str) -> None:
    """Items, bounds and conversions that cannot be scored are a RulebookError naming the key path."""
    old, new, key = BAD_ITEMS[name]
    assert old in NINGDE, old
    with pytest.raises(RulebookError) as error:
        parse_rulebook(NINGDE.replace(old, new, 1).encode(), "drafts/bad.toml")
    assert re.search(rf"键 '{re.escape(key)}'", str(error.value)), str(error.value)
