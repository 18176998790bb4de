"""The district office's 《政务信息工作考核规定》 (district-info), scored monthly: worked examples."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ledger.services import Ledger

BOOK = "district-info"
Act = dict[str, Any]
Make = Callable[..., Act]


def reg(act: Make, unit: str, cls: str = "unit", day: str = "2019-01-01") -> Act:
    return act("unit.registered", day, id=f"reg-{unit}", unit=unit, name=f"{unit} 单位", **{"class": cls})


def filed(act: Make, unit: str, report: str, day: str = "2019-01-02") -> Act:
    return act("report.filed", day, id=f"f-{report}", unit=unit, report=report, title="信息")


def adopt(act: Make, day: str, report: str, publication: str, form: str = "item", **more: Any) -> Act:
    return act("report.adopted", day, report=report, publication=publication, form=form, **more)


def entry(doc: dict[str, Any], unit: str) -> dict[str, Any]:
    return next(u for u in doc["units"] if u["unit"] == unit)


def points(doc: dict[str, Any], unit: str, clause: str) -> int | float:
    return sum(li["points"] for li in entry(doc, unit)["lines"] if li["clause"]["id"] == clause)


# 三(一)3 "被《政务》采用单条信息计10分,简讯每条5分,“每日要情”采用每条10分"; 4 "被市政府办公厅信息刊物(《政府
# 专报》、《政府公报》)采用单条计50分,综合调研信息每篇100分"; 5 "被省政府办公厅信息刊物采用单条计100分,综合调
# 研信息每篇300分"; 7 "被政府网站“今日”采用的信息,每条计5分". 四、奖励办法 (一) "被区政府办公室《政务》采用的
# 综合信息每条奖励20元,简讯每条奖励10元,“每日要情”每条奖励20元" (二) "被政府网站“今日”采用的信息每条奖励10元"
# (三) "被区政府办公室《政办通报》采用的综合调研信息……每期篇奖励100元" (四) 市 "单条信息每条奖励100元,综合调研
# 信息每篇奖励300元" (五) 省 "单条信息每条奖励200元,综合调研信息奖励500元".
@pytest.mark.parametrize(
    ("publication", "form", "expected", "yuan"),
    [
        ("zhengwu", "item", 10, 20),
        ("zhengwu", "brief", 5, 10),
        ("zhengwu", "research", 10, 20),  # a form 《政务》 does not price earns its single-item points
        ("daily-brief", "item", 10, 20),
        ("city-office", "item", 50, 100),
        ("city-office", "research", 100, 300),
        ("province-office", "item", 100, 200),
        ("province-office", "research", 300, 500),
        ("website-today", "item", 5, 10),
        ("zhengban-tongbao", "research", 0, 100),  # 《政办通报》 pays yuan only
    ],
)
def test_each_adoption_pays_its_points_and_its_reward(
    sqlite_ledger: Ledger, act: Make, publication: str, form: str, expected: int, yuan: int
) -> None:
    """An adoption earns the publication's points by form, and its yuan reward on the metric reward_yuan."""
    sqlite_ledger.append(
        [reg(act, "mzj"), filed(act, "mzj", "R"), adopt(act, "2019-03-05", "R", publication, form)]
    )
    doc = sqlite_ledger.score(BOOK, "2019-03")
    assert entry(doc, "mzj")["total"] == expected
    assert entry(doc, "mzj")["metrics"]["reward_yuan"] == yuan


# 三(一)6 "一条信息被多个刊物采用的,可重复计分"
def test_every_adoption_of_the_same_report_counts_again(sqlite_ledger: Ledger, act: Make) -> None:
    """Unlike highest-only, each adoption of one report earns its full points and reward."""
    # 区民政局's report is run in 《政务》 (10, 20元) and 每日要情 (10, 20元) in March, taken up by the city's
    # 《政府专报》 (50, 100元) in April and run in 《政务》 once more in May (10, 20元): 80 points, 160元.
    sqlite_ledger.append(
        [
            reg(act, "mzj"),
            filed(act, "mzj", "R"),
            adopt(act, "2019-03-05", "R", "zhengwu"),
            adopt(act, "2019-03-06", "R", "daily-brief"),
            adopt(act, "2019-04-10", "R", "city-office"),
            adopt(act, "2019-05-02", "R", "zhengwu"),
        ]
    )
    doc = sqlite_ledger.score(BOOK, "2019")
    assert entry(doc, "mzj")["total"] == 80
    assert entry(doc, "mzj")["metrics"]["reward_yuan"] == 160
    months = [sqlite_ledger.score(BOOK, f"2019-{m:02d}") for m in (3, 4, 5)]
    assert [entry(m, "mzj")["total"] for m in months] == [20, 50, 10]


# 三(一)6 "综合多个单位的信息,每单位10分"; 四 pays no yuan for it.
def test_a_combined_adoption_gives_ten_to_each_credited_unit_and_no_reward(
    sqlite_ledger: Ledger, act: Make
) -> None:
    """A combined adoption earns 10 for each listed unit whatever the publication, and no yuan."""
    # The province office's periodical combines material from 城关镇 and 区财政局 into one item: 10 each, not
    # 100, and no reward; 区审计局 filed the report but is not listed, so earns nothing.
    sqlite_ledger.append(
        [
            reg(act, "sjj"),
            reg(act, "cgz", "town"),
            reg(act, "czj"),
            filed(act, "sjj", "R"),
            adopt(act, "2019-06-01", "R", "province-office", "combined", units=["cgz", "czj"]),
        ]
    )
    doc = sqlite_ledger.score(BOOK, "2019-06")
    assert [(u["unit"], u["total"], u["metrics"]["reward_yuan"]) for u in doc["units"]] == [
        ("cgz", 10, 0),
        ("czj", 10, 0),
        ("sjj", 0, 0),
    ]


# 三(一)8-10 "被区领导批示的信息,每次加20分" "被市领导批示的信息,每次加40分" "被省领导批示的信息,每次加80分";
# 四(六)-(八) "每条次另奖励100元" "300元" "500元".
def test_endorsements_add_twenty_forty_eighty_and_a_reward_each(sqlite_ledger: Ledger, act: Make) -> None:
    """District, city and province endorsements add 20, 40 and 80 points and 100, 300 and 500 yuan."""
    # 区发改局's item in 《政务》 (10, 20元) in July is endorsed in August by a district, a city and a region
    # (自治区, the province tier) leader: August holds 140 points and 900元; July keeps only the adoption.
    sqlite_ledger.append(
        [
            reg(act, "fgj"),
            filed(act, "fgj", "R", "2019-07-01"),
            adopt(act, "2019-07-20", "R", "zhengwu"),
            act("endorsement.received", "2019-08-01", report="R", level="district"),
            act("endorsement.received", "2019-08-02", report="R", level="city"),
            act("endorsement.received", "2019-08-03", report="R", level="region"),
        ]
    )
    july, august = sqlite_ledger.score(BOOK, "2019-07"), sqlite_ledger.score(BOOK, "2019-08")
    assert (entry(july, "fgj")["total"], entry(july, "fgj")["metrics"]["reward_yuan"]) == (10, 20)
    assert (entry(august, "fgj")["total"], entry(august, "fgj")["metrics"]["reward_yuan"]) == (140, 900)
    assert points(august, "fgj", "3.1-endorsement") == 140
    q3 = sqlite_ledger.score(BOOK, "2019-Q3")
    assert entry(q3, "fgj")["total"] == 150 and entry(q3, "fgj")["metrics"]["reward_yuan"] == 920


# 三(二)4 "紧急信息迟报,被省政府办公厅通报的,扣100分;漏报、瞒报被省政府办公厅通报的,扣200分" 5 "……被市政府办公
# 厅通报的,扣50分;漏报、瞒报……扣100分" 6 "……被区政府办公室通报的,扣30分;漏报、瞒报……扣60分"
@pytest.mark.parametrize(
    ("notifier", "severity", "expected"),
    [
        ("province", "late", -100),
        ("province", "missed", -200),
        ("province", "concealed", -200),
        ("region", "late", -100),
        ("city", "late", -50),
        ("city", "missed", -100),
        ("city", "concealed", -100),
        ("district", "late", -30),
        ("district", "missed", -60),
        ("district", "concealed", -60),
    ],
)
def test_late_missed_and_concealed_notices_cost_by_the_notifying_office(
    sqlite_ledger: Ledger, act: Make, notifier: str, severity: str, expected: int
) -> None:
    """A 迟报/漏报/瞒报 notice costs what the seed sets for the office that issued it."""
    sqlite_ledger.append(
        [
            reg(act, "ajj"),
            act("late_report.notified", "2019-02-11", unit="ajj", notifier=notifier, severity=severity),
        ]
    )
    doc = sqlite_ledger.score(BOOK, "2019-02")
    assert entry(doc, "ajj")["total"] == expected
    assert entry(doc, "ajj")["metrics"]["deductions"] == -expected


# 三(二)7 "区政府办公室约稿信息迟报或不报的,扣50分" 8 "受到区政府办公室通报批评的,扣100分"; 五(四) "全年扣分超
# 过100分(含100分)的单位和个人,不能参加评选先进单位和先进个人。对政务信息扣分超过200分(含200分)的单位,予以通报
# 批评。"
def test_deductions_close_the_award_at_one_hundred_and_bring_criticism_at_two_hundred(
    sqlite_ledger: Ledger, act: Make
) -> None:
    """Deductions are positive; from 100 a unit is ineligible, from 200 (or on a criticism) criticized."""

    # Over 2019: 甲 three district 迟报 (90: still eligible); 乙 two city 迟报 (100: ineligible); 丙 a 约稿
    # missed and two district 漏报 (170); 丁 a province 漏报 (200: criticized); 戊 one 通报批评 (100,
    # criticized by the act). 乙 also earns 300 from a province research piece: points do not offset
    # deductions.
    def late(unit: str, notifier: str, severity: str, day: str) -> Act:
        return act("late_report.notified", day, unit=unit, notifier=notifier, severity=severity)

    sqlite_ledger.append(
        [reg(act, u) for u in ("jia", "yi", "bing", "ding", "wu")]
        + [late("jia", "district", "late", d) for d in ("2019-01-05", "2019-05-05", "2019-09-05")]
        + [late("yi", "city", "late", "2019-03-01"), late("yi", "city", "late", "2019-04-01")]
        + [filed(act, "yi", "R"), adopt(act, "2019-06-01", "R", "province-office", "research")]
        + [act("commission.missed", "2019-02-02", unit="bing")]
        + [late("bing", "district", "missed", "2019-02-03"), late("bing", "district", "missed", "2019-12-31")]
        + [late("ding", "province", "missed", "2019-07-07")]
        + [act("criticism.notified", "2019-10-10", unit="wu", notifier="district")]
    )
    doc = sqlite_ledger.score(BOOK, "2019")
    summary = {
        u["unit"]: (
            u["total"],
            u["metrics"]["deductions"],
            u["flags"]["eligible_for_award"],
            u["flags"]["criticized"],
        )
        for u in doc["units"]
    }
    assert summary == {
        "jia": (-90, 90, True, False),
        "yi": (200, 100, False, False),
        "bing": (-170, 170, False, False),
        "ding": (-200, 200, False, True),
        "wu": (-100, 100, False, True),
    }
    # There is no floor: the total goes below zero, and the ranking follows it.
    assert [u["unit"] for u in doc["units"]] == ["yi", "jia", "wu", "bing", "ding"]
    # Judged month by month, 甲's 30 a month never reaches 100.
    assert entry(sqlite_ledger.score(BOOK, "2019-05"), "jia")["flags"] == {
        "criticized": False,
        "eligible_for_award": True,
    }


def test_notices_from_offices_the_seed_does_not_name_score_nothing(sqlite_ledger: Ledger, act: Make) -> None:
    """A notice from a national or county office has no price in the seed: a 0 line that says so."""
    sqlite_ledger.append(
        [
            reg(act, "ajj"),
            act("late_report.notified", "2019-02-11", unit="ajj", notifier="national", severity="late"),
            act("late_report.notified", "2019-02-12", unit="ajj", notifier="county", severity="missed"),
        ]
    )
    lines = entry(sqlite_ledger.score(BOOK, "2019-02"), "ajj")["lines"]
    assert [(li["detail"], li["points"]) for li in lines] == [
        ("漏报，县级通报：不计分", 0),
        ("迟报，国家级通报：不计分", 0),
    ]


def test_a_month_quarter_and_year_add_up(sqlite_ledger: Ledger, act: Make) -> None:
    """Each act counts in the month of its own date; a quarter and the year are the sums of their months."""
    acts = [reg(act, "a"), reg(act, "b", "town"), filed(act, "a", "RA"), filed(act, "b", "RB")]
    acts += [
        adopt(act, "2019-01-31", "RA", "zhengwu", "brief"),
        adopt(act, "2019-02-01", "RA", "city-office", "research"),
        adopt(act, "2019-03-15", "RB", "website-today"),
        act("endorsement.received", "2019-04-01", report="RA", level="city"),
        act("commission.missed", "2019-03-31", unit="b"),
        adopt(act, "2019-11-11", "RB", "daily-brief", "combined", units=["a", "b"]),
    ]
    sqlite_ledger.append(acts)
    year = sqlite_ledger.score(BOOK, "2019")
    months = [sqlite_ledger.score(BOOK, f"2019-{m:02d}") for m in range(1, 13)]
    q1 = sqlite_ledger.score(BOOK, "2019-Q1")
    for unit in ("a", "b"):
        assert entry(year, unit)["total"] == sum(entry(m, unit)["total"] for m in months)
        assert entry(q1, unit)["total"] == sum(entry(m, unit)["total"] for m in months[:3])
        assert entry(year, unit)["metrics"]["reward_yuan"] == sum(
            entry(m, unit)["metrics"]["reward_yuan"] for m in months
        )
    assert (entry(year, "a")["total"], entry(year, "b")["total"]) == (5 + 100 + 40 + 10, 5 - 50 + 10)
    assert [entry(m, "a")["total"] for m in months[:4]] == [5, 100, 0, 40]
