"""颍东 政务信息工作考评细则 (yingdong-2012), scored monthly: worked examples from the seed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ledger.services import Ledger

BOOK = "yingdong-2012"
Act = dict[str, Any]
Make = Callable[..., Act]


def reg(act: Make, unit: str, cls: str, day: str = "2019-01-01") -> Act:
    return act("unit.registered", day, id=f"reg-{unit}", unit=unit, name=f"{unit} 单位", **{"class": cls})


def filings(act: Make, unit: str, count: int, day: str, tag: str = "") -> list[Act]:
    return [
        act("report.filed", day, id=f"f-{unit}{tag}-{i}", unit=unit, report=f"{unit}{tag}-{i}", title="信息")
        for i in range(count)
    ]


def adopt(act: Make, day: str, report: str, publication: str = "yingdong-zwxx") -> Act:
    return act("report.adopted", day, report=report, publication=publication, form="item")


def assessed(act: Make, unit: str, points: float, day: str) -> Act:
    """Points the office assesses under the [2012]4号 standard for a month."""
    return act("merit.recorded", day, unit=unit, item="yd-3-standard", points=points, reason="[2012]4号计分")


def entry(doc: dict[str, Any], unit: str) -> dict[str, Any]:
    return next(u for u in doc["units"] if u["unit"] == unit)


def lines(doc: dict[str, Any], unit: str, clause: str) -> list[tuple[str, str, int | float]]:
    return [
        (li["period"], li["detail"], li["points"])
        for li in entry(doc, unit)["lines"]
        if li["clause"]["id"] == clause
    ]


# 三: "对区民宗局、监察局、粮食局……新农村办公室单位实行每月报送信息满2条,积5分,被区政府办公室采用2条,
# 积15分标准执行"
@pytest.mark.parametrize(("filed", "expected"), [(0, 0), (1, 0), (2, 5), (4, 5)])
def test_a_listed_unit_earns_five_for_two_reports_filed_in_a_month(
    sqlite_ledger: Ledger, act: Make, filed: int, expected: int
) -> None:
    """Two or more filings in a month earn a listed unit 5 for that month; fewer earn nothing."""
    sqlite_ledger.append([reg(act, "mzj", "listed"), *filings(act, "mzj", filed, "2019-03-12")])
    doc = sqlite_ledger.score(BOOK, "2019-03")
    assert lines(doc, "mzj", "yd-3-filed") == [
        ("2019-03", f"报送{filed}条（至少2条）：{'达标' if expected else '未达标'}", expected)
    ]


def test_a_listed_unit_earns_fifteen_for_two_adoptions_by_the_district_office_in_a_month(
    sqlite_ledger: Ledger, act: Make
) -> None:
    """Two adoptions in 《颍东政务信息》 within a month earn 15 in that month; one a month earns nothing."""
    # 区残联 files three reports in January. 《颍东政务信息》 adopts two of them in January (15) and the third
    # in February (alone in its month: 0). An adoption in another office's periodical is not the district
    # office's and does not count.
    sqlite_ledger.append(
        [
            reg(act, "cl", "listed"),
            *filings(act, "cl", 3, "2019-01-04"),
            adopt(act, "2019-01-15", "cl-0"),
            adopt(act, "2019-01-28", "cl-1"),
            adopt(act, "2019-02-02", "cl-2"),
            adopt(act, "2019-02-03", "cl-2", publication="zhengwu"),
        ]
    )
    doc = sqlite_ledger.score(BOOK, "2019-Q1")
    assert lines(doc, "cl", "yd-3-adopted") == [
        ("2019-01", "采用2条（至少2条）：达标", 15),
        ("2019-02", "采用1条（至少2条）：未达标", 0),
        ("2019-03", "采用0条（至少2条）：未达标", 0),
    ]
    assert entry(doc, "cl")["total"] == 5 + 15


# 三: "按月计分,计分标准按照《关于进一步加强政务信息工作的通知》[2012]4号文件考评办法执行"
def test_towns_and_district_units_are_scored_on_the_points_assessed_under_the_notice(
    sqlite_ledger: Ledger, act: Make
) -> None:
    """Other units earn the monthly points the office assesses; the listed units' thresholds do not apply."""
    sqlite_ledger.append(
        [
            reg(act, "xinhua", "town"),
            *filings(act, "xinhua", 2, "2019-04-01"),
            assessed(act, "xinhua", 36, "2019-04-30"),
        ]
    )
    doc = sqlite_ledger.score(BOOK, "2019-04")
    assert [(li["clause"]["id"], li["points"]) for li in entry(doc, "xinhua")["lines"]] == [
        ("yd-3-standard", 36)
    ]


# 五: "乡镇办事处月积分30分(含30分),区直单位月积分15(含15分)以上的单位,按实际得分总数,每得一分奖励一元,按季度
# 兑现。不满30分、15分的单位,不予奖励。"
@pytest.mark.parametrize(
    ("cls", "points", "yuan"),
    [
        ("town", 30, 30),
        ("town", 29.5, 0),
        ("town", 42, 42),
        ("unit", 15, 15),
        ("unit", 14, 0),
        ("unit", 23.5, 23.5),
    ],
)
def test_a_month_at_or_above_the_mark_pays_a_yuan_a_point(
    sqlite_ledger: Ledger, act: Make, cls: str, points: float, yuan: float
) -> None:
    """A town at 30 or more, a district unit at 15 or more, earns 1 yuan for every point of the month."""
    sqlite_ledger.append(
        [reg(act, "u", cls), *filings(act, "u", 1, "2019-05-02"), assessed(act, "u", points, "2019-05-31")]
    )
    assert entry(sqlite_ledger.score(BOOK, "2019-05"), "u")["metrics"] == {"reward_yuan": yuan}


def test_the_stipend_is_earned_month_by_month_and_paid_as_the_quarters_sum(
    sqlite_ledger: Ledger, act: Make
) -> None:
    """Points are not carried between months; a quarter's reward is the sum of its months'."""
    # 杨楼孜镇 earns 34 in April, 20 in May and 31 in June: 34 + 0 + 31 = 65 yuan for Q2, though May's 20 and
    # the others add up to more than 30 twice over. A listed unit meeting both thresholds in June (20 points)
    # earns 20 yuan; meeting only the filing threshold (5) in May, nothing.
    acts = [reg(act, "ylz", "town"), reg(act, "fpb", "listed")]
    for month, points in (("04", 34), ("05", 20), ("06", 31)):
        acts += [
            *filings(act, "ylz", 1, f"2019-{month}-02", month),
            assessed(act, "ylz", points, f"2019-{month}-28"),
        ]
    acts += filings(act, "fpb", 2, "2019-05-06", "a") + filings(act, "fpb", 2, "2019-06-06", "b")
    acts += [adopt(act, "2019-06-20", "fpba-0"), adopt(act, "2019-06-21", "fpbb-1")]
    sqlite_ledger.append(acts)
    months = [sqlite_ledger.score(BOOK, f"2019-{m}") for m in ("04", "05", "06")]
    assert [entry(m, "ylz")["metrics"]["reward_yuan"] for m in months] == [34, 0, 31]
    q2 = sqlite_ledger.score(BOOK, "2019-Q2")
    assert entry(q2, "ylz")["metrics"]["reward_yuan"] == 65
    # 扶贫办: June's 20 points pay 20 yuan, and the two adoptions in 《颍东政务信息》 50 yuan each.
    assert [entry(m, "fpb")["total"] for m in months] == [0, 5, 20]
    assert entry(q2, "fpb")["metrics"]["reward_yuan"] == 20 + 2 * 50


# 五: "被《颍东政务信息》刊物采用的信息外,除按考评办法计分外,每采用一篇,另单独给予50元奖励"
def test_each_adoption_in_the_district_bulletin_pays_fifty_yuan_besides_the_stipend(
    sqlite_ledger: Ledger, act: Make
) -> None:
    """50 yuan per adoption in 《颍东政务信息》 goes to the filer even when its month is below the mark."""
    # 区商务局 (a district unit) is assessed 8 in July, below 15: no stipend, but its one adoption pays 50.
    sqlite_ledger.append(
        [
            reg(act, "swj", "unit"),
            *filings(act, "swj", 1, "2019-07-01"),
            adopt(act, "2019-07-09", "swj-0"),
            assessed(act, "swj", 8, "2019-07-31"),
        ]
    )
    unit = entry(sqlite_ledger.score(BOOK, "2019-07"), "swj")
    assert (unit["total"], unit["metrics"]) == (8, {"reward_yuan": 50})


# 七: "对有一个月出现0信息报送的单位,给予通报批评,并提交书面说明,连续三个月出现0信息报送的单位,
# 年终政府目标考核,政务信息报项目给予0分"
def test_a_month_with_no_report_is_a_criticism_and_three_in_a_row_zero_the_years_information_item(
    sqlite_ledger: Ledger, act: Make
) -> None:
    """Each silent month is a 0-point criticism; the third in a row sets information_item_zero."""
    # 区粮食局 files in January, then nothing in February, March and April, and files again in May.
    sqlite_ledger.append(
        [
            reg(act, "lsj", "listed"),
            *filings(act, "lsj", 2, "2019-01-10", "a"),
            *filings(act, "lsj", 2, "2019-05-10", "e"),
        ]
    )
    year = sqlite_ledger.score(BOOK, "2019")
    silent = [(p, d) for p, d, _ in lines(year, "lsj", "yd-7-no-filing")]
    assert [p for p, _ in silent][:3] == ["2019-02", "2019-03", "2019-04"]
    assert silent[2][1].endswith("连续3期未报送：信息项目计0分")
    assert entry(year, "lsj")["flags"] == {
        "criticized": True,
        "eligible_for_award": True,
        "information_item_zero": True,
    }
    # February alone is a criticism, not yet the zero; April alone holds the third month of the run.
    assert entry(sqlite_ledger.score(BOOK, "2019-02"), "lsj")["flags"]["information_item_zero"] is False
    assert entry(sqlite_ledger.score(BOOK, "2019-04"), "lsj")["flags"]["information_item_zero"] is True
    assert entry(sqlite_ledger.score(BOOK, "2019-05"), "lsj")["flags"]["criticized"] is False


def test_a_month_still_open_is_not_yet_silent(sqlite_ledger: Ledger, act: Make) -> None:
    """On 2019-06-20 June has no filing yet but is not judged; once it has ended, it is."""
    sqlite_ledger.append([reg(act, "ajb", "unit", "2019-06-01")])
    assert lines(sqlite_ledger.score(BOOK, "2019-06", as_of="2019-06-20"), "ajb", "yd-7-no-filing") == []
    assert len(lines(sqlite_ledger.score(BOOK, "2019-06"), "ajb", "yd-7-no-filing")) == 1


def test_a_run_of_silent_months_crosses_the_year_boundary(sqlite_ledger: Ledger, act: Make) -> None:
    """November and December 2018 and January 2019 without a report set the flag in January 2019."""
    sqlite_ledger.append([reg(act, "xnc", "listed", "2018-10-01"), *filings(act, "xnc", 1, "2018-10-08")])
    assert entry(sqlite_ledger.score(BOOK, "2018"), "xnc")["flags"]["information_item_zero"] is False
    january = entry(sqlite_ledger.score(BOOK, "2019-01"), "xnc")
    assert january["flags"]["information_item_zero"] is True


# 七: "对重大信息瞒报、迟报、漏报的,每次扣20分,并视情况取消年终评优资格,情节严重者,给予通报批评,并追究责任"
@pytest.mark.parametrize("severity", ["late", "missed", "concealed"])
def test_each_major_report_concealed_late_or_missed_costs_twenty_and_the_award(
    sqlite_ledger: Ledger, act: Make, severity: str
) -> None:
    """A notice of a major report 瞒报/迟报/漏报 costs 20 in its month and the unit's award eligibility."""
    sqlite_ledger.append(
        [
            reg(act, "yjj", "unit"),
            reg(act, "wsj", "unit"),
            *filings(act, "yjj", 1, "2019-08-01", "y"),
            *filings(act, "wsj", 1, "2019-08-01", "w"),
            act("late_report.notified", "2019-08-15", unit="yjj", notifier="district", severity=severity),
            act("late_report.notified", "2019-08-20", unit="yjj", notifier="city", severity=severity),
        ]
    )
    doc = sqlite_ledger.score(BOOK, "2019-08")
    assert (entry(doc, "yjj")["total"], entry(doc, "yjj")["flags"]["eligible_for_award"]) == (-40, False)
    assert (entry(doc, "wsj")["total"], entry(doc, "wsj")["flags"]["eligible_for_award"]) == (0, True)
    assert entry(sqlite_ledger.score(BOOK, "2019"), "yjj")["flags"]["eligible_for_award"] is False


def test_a_criticism_for_a_serious_case_takes_no_points_but_is_flagged(
    sqlite_ledger: Ledger, act: Make
) -> None:
    """情节严重者 are criticised by the office: the act sets criticized and scores 0."""
    sqlite_ledger.append(
        [
            reg(act, "gxj", "unit"),
            *filings(act, "gxj", 1, "2019-09-01"),
            act("late_report.notified", "2019-09-02", unit="gxj", notifier="district", severity="concealed"),
            act("criticism.notified", "2019-09-05", unit="gxj", notifier="district"),
        ]
    )
    unit = entry(sqlite_ledger.score(BOOK, "2019-09"), "gxj")
    assert unit["total"] == -20
    assert unit["flags"] == {"criticized": True, "eligible_for_award": False, "information_item_zero": False}


def test_deductions_count_against_the_months_stipend(sqlite_ledger: Ledger, act: Make) -> None:
    """按实际得分总数: a town's 45 points less a 20-point deduction is 25, below 30, so no stipend."""
    sqlite_ledger.append(
        [
            reg(act, "xy", "town"),
            *filings(act, "xy", 1, "2019-10-02"),
            assessed(act, "xy", 45, "2019-10-31"),
            act("late_report.notified", "2019-10-12", unit="xy", notifier="district", severity="late"),
        ]
    )
    unit = entry(sqlite_ledger.score(BOOK, "2019-10"), "xy")
    assert (unit["total"], unit["metrics"]) == (25, {"reward_yuan": 0})
    assert sum(li["points"] for li in unit["lines"]) == unit["total"]
