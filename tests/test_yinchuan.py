"""银政办发〔2018〕94号 第九条 (yinchuan-2018), scored quarterly: worked examples from the seed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ledger.services import Ledger

BOOK = "yinchuan-2018"
Act = dict[str, Any]
Make = Callable[..., Act]


def reg(act: Make, unit: str, cls: str, day: str = "2019-01-01") -> Act:
    return act("unit.registered", day, id=f"reg-{unit}", unit=unit, name=f"{unit} 单位", **{"class": cls})


def filings(act: Make, unit: str, count: int, day: str, tag: str = "") -> list[Act]:
    return [
        act("report.filed", day, id=f"f-{unit}{tag}-{i}", unit=unit, report=f"{unit}{tag}-{i}", title="信息")
        for i in range(count)
    ]


def adopt(act: Make, day: str, report: str, publication: str, form: str = "item", **more: Any) -> Act:
    return act("report.adopted", day, report=report, publication=publication, form=form, **more)


def entry(doc: dict[str, Any], unit: str) -> dict[str, Any]:
    return next(u for u in doc["units"] if u["unit"] == unit)


def points(doc: dict[str, Any], unit: str, clause: str, period: str | None = None) -> int | float:
    lines = entry(doc, unit)["lines"]
    return sum(
        li["points"] for li in lines if li["clause"]["id"] == clause and period in (None, li["period"])
    )


QUOTAS = dict(county=90, department=40, institution=20, zone=20, vertical=10, liaison=30)


# 第九条(一): "各县(市)区每季度报送信息不少于90条;市政府各部门每季度报送信息不少于40条;各直属机构、事业单位每
# 季度报送信息不少于20条;银川综合保税区、银川经济技术开发区、银川滨河新区每季度报送信息不少于20条;自治区垂管机
# 构每季度报送信息不少于10条;驻京办、驻沪办、驻深办每季度报送信息不少于30条。各单位完成季度报送数量计基础分10
# 分,未完成报送任务的基础分计0分"
@pytest.mark.parametrize(("cls", "quota"), QUOTAS.items())
def test_quota_met_earns_ten_base_points_and_one_short_earns_none(
    sqlite_ledger: Ledger, act: Make, cls: str, quota: int
) -> None:
    """A unit that files its class's quarterly quota earns 10 base points; one filing short earns 0."""
    # Two units of the class: "met" files exactly the quota in 2019-Q1, "short" one report fewer.
    sqlite_ledger.append(
        [
            reg(act, "met", cls),
            reg(act, "short", cls),
            *filings(act, "met", quota, "2019-02-10"),
            *filings(act, "short", quota - 1, "2019-03-31"),
        ]
    )
    doc = sqlite_ledger.score(BOOK, "2019-Q1")
    assert entry(doc, "met")["total"] == 10
    assert entry(doc, "short")["total"] == 0
    quota_line = next(li for li in entry(doc, "short")["lines"] if li["clause"]["id"] == "9.1-quota")
    assert quota_line["detail"] == f"报送{quota - 1}条，任务数{quota}条：未完成"
    assert len(quota_line["events"]) == quota - 1


def test_quota_is_judged_against_the_class_held_on_the_quarters_last_day(
    sqlite_ledger: Ledger, act: Make
) -> None:
    """A unit reclassified within a quarter owes the quota of the class it holds when the quarter ends."""
    # 市大数据管理服务局 is an institution (20) and becomes a department (40) on 2019-03-20; its 30 filings
    # would meet the old quota but not the new one.
    sqlite_ledger.append(
        [
            reg(act, "dsj", "institution"),
            *filings(act, "dsj", 30, "2019-01-15"),
            act("unit.reclassified", "2019-03-20", unit="dsj", **{"class": "department"}),
        ]
    )
    doc = sqlite_ledger.score(BOOK, "2019-Q1")
    assert entry(doc, "dsj")["class"] == "department"
    assert entry(doc, "dsj")["total"] == 0
    assert sqlite_ledger.score(BOOK, "2019-Q1", as_of="2019-03-19")["units"][0]["total"] == 10


# 第九条(二): "被《银川政务信息》采用的每条计3分(简讯1分),被《银川专题信息》采用的每条计5分;经市政府办公厅采编
# 上报自治区的每条计1分。" 第九条(三): "被《国报信息》采用的每条加5分,被《宁夏政务快报》采用的每条加3分(简讯1
# 分),被《宁夏政务晨报》采用的每条加1分。"
@pytest.mark.parametrize(
    ("publication", "form", "expected"),
    [
        ("yinchuan-zwxx", "item", 3),
        ("yinchuan-zwxx", "brief", 1),
        ("yinchuan-ztxx", "item", 5),
        ("yinchuan-ztxx", "research", 5),
        ("forwarded-region", "item", 1),
        ("guobao", "item", 5),
        ("ningxia-kuaibao", "item", 3),
        ("ningxia-kuaibao", "brief", 1),
        ("ningxia-chenbao", "item", 1),
    ],
)
def test_each_publication_pays_its_points(
    sqlite_ledger: Ledger, act: Make, publication: str, form: str, expected: int
) -> None:
    """A single adoption earns the points the seed sets for that publication and form."""
    sqlite_ledger.append(
        [
            reg(act, "xq", "vertical"),
            *filings(act, "xq", 1, "2019-04-01"),
            adopt(act, "2019-04-20", "xq-0", publication, form),
        ]
    )
    doc = sqlite_ledger.score(BOOK, "2019-Q2")
    assert points(doc, "xq", "9.2-adoption") == expected


# 第九条(三): "单条信息被各级信息刊物重复采用的只记最高分。"
def test_repeated_adoption_keeps_only_the_highest_and_pays_the_difference_in_its_own_quarter(
    sqlite_ledger: Ledger, act: Make
) -> None:
    """A later higher adoption adds only the difference, in its quarter; a later lower one adds nothing."""
    # 兴庆区 files R on 2019-01-08. 《银川政务信息》 adopts it on 01-20 (3 points, Q1); 《国报信息》 takes it
    # on 04-15 (worth 5: only 5 − 3 = 2 more, in Q2); 《宁夏政务晨报》 runs it on 08-01 (worth 1: nothing
    # more). A second report, adopted once by 《宁夏政务快报》 as a brief, is a separate piece of information.
    sqlite_ledger.append(
        [
            reg(act, "xq", "county"),
            *filings(act, "xq", 2, "2019-01-08"),
            adopt(act, "2019-01-20", "xq-0", "yinchuan-zwxx", id="a-zwxx"),
            adopt(act, "2019-04-15", "xq-0", "guobao", id="a-guobao"),
            adopt(act, "2019-08-01", "xq-0", "ningxia-chenbao", id="a-chenbao"),
            adopt(act, "2019-08-02", "xq-1", "ningxia-kuaibao", "brief", id="a-kuaibao"),
        ]
    )
    quarters = {q: sqlite_ledger.score(BOOK, f"2019-{q}") for q in ("Q1", "Q2", "Q3", "Q4")}
    assert [points(quarters[q], "xq", "9.2-adoption") for q in quarters] == [3, 2, 1, 0]
    year = sqlite_ledger.score(BOOK, "2019")
    assert points(year, "xq", "9.2-adoption") == 6
    q2 = next(li for li in entry(year, "xq")["lines"] if li["events"] == ["a-guobao"])
    assert (q2["period"], q2["points"]) == ("2019-Q2", 2)
    assert q2["detail"] == "《国报信息》采用（单条），此前采用已计3分，按最高分只计差额"
    q3 = [li for li in entry(year, "xq")["lines"] if li["period"] == "2019-Q3"]
    assert {tuple(li["events"]): li["points"] for li in q3 if li["clause"]["id"] == "9.2-adoption"} == {
        ("a-kuaibao",): 1,
    }
    # The lower adoption of Q3 is accounted for as not counted, with the rule that leaves it out.
    (chenbao,) = [nc for nc in entry(year, "xq")["not_counted"] if nc["act"] == "a-chenbao"]
    assert chenbao["reason"] == "superseded" and "只记最高分" in chenbao["detail"]


# 第九条(三): "被国务院、自治区和银川市领导批示的信息,每条分别加10分、5分、3分。被评选为优秀信息的每条加2分。
# 约稿信息未按要求完成的每次扣3分。"
def test_endorsements_and_excellence_add_on_top_of_the_adoption_and_missed_commissions_cost_three(
    sqlite_ledger: Ledger, act: Make
) -> None:
    """Endorsements (10/5/3) and 优秀信息 (2) add to the highest adoption; each missed commission costs 3."""
    # 市发展改革委's report is adopted by 《国报信息》 (5) and endorsed by a State Council leader (10), a
    # region leader (5) and a city leader (3), and chosen as 优秀信息 (2): 25. Missing two 约稿 costs 2 × 3 =
    # 6: 19.
    sqlite_ledger.append(
        [
            reg(act, "fgw", "vertical"),
            *filings(act, "fgw", 1, "2019-07-02"),
            adopt(act, "2019-07-10", "fgw-0", "guobao"),
            act("endorsement.received", "2019-07-12", report="fgw-0", level="national"),
            act("endorsement.received", "2019-07-13", report="fgw-0", level="region"),
            act("endorsement.received", "2019-07-14", report="fgw-0", level="city"),
            act("report.excellent", "2019-09-01", report="fgw-0"),
            act("commission.missed", "2019-08-01", unit="fgw"),
            act("commission.missed", "2019-09-05", unit="fgw"),
        ]
    )
    doc = sqlite_ledger.score(BOOK, "2019-Q3")
    fgw = entry(doc, "fgw")
    assert points(doc, "fgw", "9.3-endorsement") == 18
    assert points(doc, "fgw", "9.3-excellent") == 2
    assert points(doc, "fgw", "9.3-commission") == -6
    assert fgw["total"] == 5 + 18 + 2 - 6
    assert sum(li["points"] for li in fgw["lines"]) == fgw["total"]


def test_an_endorsement_counts_in_the_quarter_it_was_given_not_the_quarter_of_the_adoption(
    sqlite_ledger: Ledger, act: Make
) -> None:
    """A city leader's endorsement in Q2 of a report adopted in Q1 adds its 3 points to Q2."""
    sqlite_ledger.append(
        [
            reg(act, "jf", "zone"),
            *filings(act, "jf", 1, "2019-03-01"),
            adopt(act, "2019-03-25", "jf-0", "yinchuan-zwxx"),
            act("endorsement.received", "2019-04-02", report="jf-0", level="city"),
        ]
    )
    assert entry(sqlite_ledger.score(BOOK, "2019-Q1"), "jf")["total"] == 3
    assert entry(sqlite_ledger.score(BOOK, "2019-Q2"), "jf")["total"] == 3


def test_a_combined_adoption_credits_every_listed_unit_and_their_endorsements(
    sqlite_ledger: Ledger, act: Make
) -> None:
    """A combined adoption gives each listed unit the publication's points; an endorsement reaches each."""
    # 《银川政务信息》 combines 金凤区's report with material from 西夏区 (3 each); a city leader endorses
    # it (3 each). 永宁县, not listed, earns nothing.
    sqlite_ledger.append(
        [
            reg(act, "jf", "county"),
            reg(act, "xx", "county"),
            reg(act, "yn", "county"),
            *filings(act, "jf", 1, "2019-05-06"),
            adopt(act, "2019-05-10", "jf-0", "yinchuan-zwxx", "combined", units=["jf", "xx"]),
            act("endorsement.received", "2019-05-20", report="jf-0", level="city"),
        ]
    )
    doc = sqlite_ledger.score(BOOK, "2019-Q2")
    assert [(u["unit"], u["total"], u["rank"]) for u in doc["units"]] == [
        ("jf", 6, 1),
        ("xx", 6, 1),
        ("yn", 0, 3),
    ]


# 第九条(一): "对连续2个季度未完成报送数量的单位进行通报批评"; 第九条(四): "政务信息工作被通报批评的单位,每通
# 报1次,年终绩效考核扣0.1分;全年信息“零采用”的,年终绩效考核扣0.2分。"
def test_two_quarters_below_quota_bring_a_criticism_worth_a_tenth_off_performance_not_the_total(
    sqlite_ledger: Ledger, act: Make
) -> None:
    """Each run of two quarters below quota is a criticism (−0.1); a zero-adoption year costs 0.2 more."""
    # 市教育局 (quota 40) files 10 reports a quarter all year and nothing is adopted: criticised after Q2
    # and after Q4 (the run starts again after each criticism), −0.2, and −0.2 for 零采用: −0.4. 市科技局
    # files the same but has one adoption and one criticism recorded by the office in Q3: three criticisms,
    # −0.3.
    acts = [reg(act, "jyj", "department"), reg(act, "kjj", "department")]
    for month in ("02", "05", "08", "11"):
        acts += filings(act, "jyj", 10, f"2019-{month}-01", tag=month) + filings(
            act, "kjj", 10, f"2019-{month}-01", tag=month
        )
    acts += [
        adopt(act, "2019-11-20", "kjj11-0", "yinchuan-zwxx", "brief"),
        act("criticism.notified", "2019-09-10", unit="kjj", notifier="city"),
    ]
    sqlite_ledger.append(acts)
    year = sqlite_ledger.score(BOOK, "2019")
    jyj, kjj = entry(year, "jyj"), entry(year, "kjj")
    assert jyj["total"] == 0 and jyj["metrics"] == {"performance_adjustment": -0.4}
    assert kjj["total"] == 1 and kjj["metrics"] == {"performance_adjustment": -0.3}
    criticised = [li["period"] for li in jyj["lines"] if li["clause"]["id"] == "9.1-criticism"]
    assert criticised == ["2019-Q2", "2019-Q4"]
    # A quarter alone carries only its own criticisms; 零采用 is a judgement on a whole year.
    assert entry(sqlite_ledger.score(BOOK, "2019-Q2"), "jyj")["metrics"] == {"performance_adjustment": -0.1}
    assert entry(sqlite_ledger.score(BOOK, "2019-Q1"), "jyj")["metrics"] == {"performance_adjustment": 0}


def test_a_run_below_quota_crosses_the_year_boundary(sqlite_ledger: Ledger, act: Make) -> None:
    """2018-Q4 and 2019-Q1 below quota make a criticism that falls in 2019-Q1."""
    # 银川市气象局 (quota 10) meets its quota in 2018-Q3, files 3 in 2018-Q4 and none in 2019-Q1.
    sqlite_ledger.append(
        [
            reg(act, "qxj", "vertical", "2018-07-01"),
            *filings(act, "qxj", 10, "2018-08-01", tag="a"),
            *filings(act, "qxj", 3, "2018-11-01", tag="b"),
        ]
    )
    # 2018 holds no criticism yet, only the year's 零采用 (−0.2).
    assert entry(sqlite_ledger.score(BOOK, "2018"), "qxj")["metrics"]["performance_adjustment"] == -0.2
    q1 = entry(sqlite_ledger.score(BOOK, "2019-Q1"), "qxj")
    assert [li["detail"] for li in q1["lines"] if li["clause"]["id"] == "9.1-criticism"] == [
        "2018-Q4、2019-Q1 连续未完成报送任务：通报批评"
    ]
    assert q1["metrics"]["performance_adjustment"] == -0.1


@pytest.mark.parametrize("registered", ["2019-01-15", "2019-02-15", "2019-03-31"])
def test_the_quarter_of_registration_counts_towards_a_run(
    sqlite_ledger: Ledger, act: Make, registered: str
) -> None:
    """A unit registered during a quarter owes its whole quota, so that quarter starts a run below quota."""
    # 银川滨河新区 is registered during 2019-Q1 and files nothing in Q1 or Q2: base 0 twice, then criticised.
    sqlite_ledger.append([reg(act, "bhxq", "zone", registered)])
    doc = sqlite_ledger.score(BOOK, "2019-H1")
    bhxq = entry(doc, "bhxq")
    assert points(doc, "bhxq", "9.1-quota", "2019-Q1") == 0
    assert [li["period"] for li in bhxq["lines"] if li["clause"]["id"] == "9.1-criticism"] == ["2019-Q2"]
    assert bhxq["metrics"] == {"performance_adjustment": -0.1}


def test_an_open_quarter_is_judged_on_the_filings_so_far_and_criticises_nobody_yet(
    sqlite_ledger: Ledger, act: Make
) -> None:
    """As of a day inside a quarter, its quota counts filings up to that day and its run is not yet judged."""
    # 贺兰县 (quota 90) files nothing in Q2 and 90 reports on 2019-08-10; 永宁县 files nothing at all.
    sqlite_ledger.append(
        [
            reg(act, "hl", "county", "2019-04-01"),
            reg(act, "yn", "county", "2019-04-01"),
            *filings(act, "hl", 90, "2019-08-10"),
        ]
    )
    early = sqlite_ledger.score(BOOK, "2019-Q3", as_of="2019-08-09")
    assert early["as_of"] == "2019-08-09"
    assert entry(early, "hl")["total"] == 0
    assert entry(early, "yn")["metrics"]["performance_adjustment"] == 0
    assert "9.1-criticism" not in {li["clause"]["id"] for li in entry(early, "yn")["lines"]}
    # As of the same day the year holds Q2 and the open Q3, and no later quarter.
    assert {
        li["period"] for li in entry(sqlite_ledger.score(BOOK, "2019", as_of="2019-08-09"), "yn")["lines"]
    } == {
        "2019-Q2",
        "2019-Q3",
    }
    later = sqlite_ledger.score(BOOK, "2019-Q3", as_of="2019-08-10")
    assert entry(later, "hl")["total"] == 10
    closed = sqlite_ledger.score(BOOK, "2019-Q3")
    assert entry(closed, "yn")["metrics"]["performance_adjustment"] == -0.1


def test_a_year_is_the_sum_of_its_quarters(sqlite_ledger: Ledger, act: Make) -> None:
    """Under the quarterly rulebook a year's total and adjustment are the sums of its four quarters'."""
    # Three units through 2019: quotas met in some quarters, adoptions raised later, an endorsement, a 约稿
    # missed, and runs below quota.
    acts = [reg(act, "xq", "county"), reg(act, "zjb", "liaison"), reg(act, "swj", "vertical")]
    acts += filings(act, "xq", 90, "2019-01-10", "a") + filings(act, "xq", 90, "2019-07-10", "c")
    acts += filings(act, "zjb", 30, "2019-04-10", "b") + filings(act, "swj", 10, "2019-10-10", "d")
    acts += [
        adopt(act, "2019-01-20", "xqa-0", "yinchuan-zwxx", "brief"),
        adopt(act, "2019-06-20", "xqa-0", "ningxia-kuaibao"),
        adopt(act, "2019-10-20", "xqa-0", "guobao"),
        adopt(act, "2019-05-01", "zjbb-0", "yinchuan-ztxx", "combined", units=["zjb", "swj"]),
        act("endorsement.received", "2019-12-30", report="zjbb-0", level="region"),
        act("commission.missed", "2019-03-03", unit="swj"),
    ]
    sqlite_ledger.append(acts)
    year = sqlite_ledger.score(BOOK, "2019")
    quarters = [sqlite_ledger.score(BOOK, f"2019-Q{q}") for q in range(1, 5)]
    for unit in ("xq", "zjb", "swj"):
        assert entry(year, unit)["total"] == sum(entry(q, unit)["total"] for q in quarters)
        assert sum(li["points"] for li in entry(year, unit)["lines"]) == entry(year, unit)["total"]
    # 兴庆区 10 + 1 (Q1), 2 (Q2), 10 (Q3), 2 (Q4); 驻京办 10 + 5 (Q2), 5 (Q4);
    # 税务局 −3 (Q1), 5 (Q2), 10 + 5 (Q4).
    assert {u: entry(year, u)["total"] for u in ("xq", "zjb", "swj")} == {"xq": 25, "zjb": 20, "swj": 17}
    adjustments = {u: entry(year, u)["metrics"]["performance_adjustment"] for u in ("xq", "zjb", "swj")}
    assert adjustments == {"xq": 0, "zjb": -0.1, "swj": -0.1}
    assert adjustments["swj"] == sum(entry(q, "swj")["metrics"]["performance_adjustment"] for q in quarters)
    # Halves are sums of quarters too.
    halves = [sqlite_ledger.score(BOOK, f"2019-H{h}") for h in (1, 2)]
    assert entry(year, "xq")["total"] == sum(entry(h, "xq")["total"] for h in halves)
