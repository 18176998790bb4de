"""修文县 政务公开工作目标考核实施方案 (xiuwen-open), scored yearly: worked examples from the seed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from ledger.services import Ledger

BOOK = "xiuwen-open"
YEAR = "2021"
FIRST_MONDAY = dt.date(2021, 1, 4)  # 2021's whole weeks run from 01-04 to 12-26: 51 of them
Act = dict[str, Any]
Make = Callable[..., Act]


def reg(act: Make, unit: str, cls: str = "class-2", day: str = "2021-01-01") -> Act:
    return act("unit.registered", day, id=f"reg-{unit}", unit=unit, name=f"{unit} 单位", **{"class": cls})


def posts(act: Make, unit: str, per_week: int, weeks: range = range(51), **exceptions: int) -> list[Act]:
    """`per_week` posts in each week of 2021 from 01-04 (week 0), except the weeks named w<N>=count."""
    out = []
    for week in weeks:
        monday = FIRST_MONDAY + dt.timedelta(weeks=week)
        for n in range(exceptions.get(f"w{week}", per_week)):
            day = (monday + dt.timedelta(days=n % 7)).isoformat()
            out.append(act("post.published", day, id=f"p-{unit}-{week}-{n}", unit=unit, title="工作动态"))
    return out


def found(act: Make, unit: str, item: str, times: int = 1, day: str = "2021-06-01", **more: Any) -> list[Act]:
    return [act("violation.recorded", day, unit=unit, item=item, **more) for _ in range(times)]


def merits(
    act: Make, unit: str, item: str, times: int = 1, day: str = "2021-06-01", **more: Any
) -> list[Act]:
    return [act("merit.recorded", day, unit=unit, item=item, **more) for _ in range(times)]


def entry(doc: dict[str, Any], unit: str) -> dict[str, Any]:
    return next(u for u in doc["units"] if u["unit"] == unit)


def points(doc: dict[str, Any], unit: str, clause: str) -> int | float:
    return round(sum(li["points"] for li in entry(doc, unit)["lines"] if li["clause"]["id"] == clause), 4)


def balanced(unit: dict[str, Any]) -> bool:
    return round(sum(li["points"] for li in unit["lines"]), 4) == unit["total"]


# 二: "20xx年政务公开工作目标考核占县目标绩效考核工作权重的4%,共40分,其中:35分作为基础考核分,5分为加分项"
def test_a_unit_that_does_everything_keeps_its_thirty_five_base_points(
    sqlite_ledger: Ledger, act: Make
) -> None:
    """With every task on time and every week's posts made, a class 1 and a class 2 unit both score 35."""
    sqlite_ledger.append(
        [
            reg(act, "longchang", "class-1"),
            reg(act, "liutun"),
            *posts(act, "longchang", 2),
            *posts(act, "liutun", 1),
        ]
    )
    doc = sqlite_ledger.score(BOOK, YEAR)
    for unit in ("longchang", "liutun"):
        assert entry(doc, unit)["total"] == 35 and balanced(entry(doc, unit))
    news = [li["detail"] for li in entry(doc, "liutun")["lines"] if li["clause"]["id"] == "xw-1.9-news"]
    assert "共考核51周，其中51周按要求发布" in news


# (一) 1-8 and (三): "(分值1分,未及时报送扣1分)" "(分值0.5分,未及时报送扣0.5分)" "(分值2分,半年及全年各1分,
# 未及时报送每次扣1分)" "(分值3分,每未及时报送1次扣1分)" "(分值2分,未及时报送扣2分)" "(分值2分,未及时更新
# 一个栏目扣0.5分)" "……得0分"; 三: "未完成考核内容的扣除相应分数,各指标分值扣完为止"
@pytest.mark.parametrize(
    ("item", "finds", "left"),
    [
        ("xw-1.1-annual-report", 1, 0),
        ("xw-1.1-annual-report", 2, 0),
        ("xw-1.2-knowledge-base", 1, 0),
        ("xw-1.3-progress-table", 1, 1),
        ("xw-1.3-progress-table", 3, 0),
        ("xw-1.4-public-participation", 1, 2),
        ("xw-1.4-public-participation", 4, 0),
        ("xw-1.5-plan", 1, 0),
        ("xw-1.6-key-points", 1, 0),
        ("xw-1.7-responsibility-list", 1, 0),
        ("xw-1.8-columns", 1, 1.5),
        ("xw-1.8-columns", 3, 0.5),
        ("xw-1.8-columns", 5, 0),
        ("xw-3-requests", 1, 0),
    ],
)
def test_each_find_costs_its_amount_until_the_items_points_are_gone(
    sqlite_ledger: Ledger, act: Make, item: str, finds: int, left: float
) -> None:
    """Every find takes the item's amount; an item never goes below 0, and no other item is touched."""
    sqlite_ledger.append(
        [reg(act, "sfj"), *posts(act, "sfj", 1), *found(act, "sfj", item, finds, reason="未及时报送")]
    )
    doc = sqlite_ledger.score(BOOK, YEAR)
    weight = {
        li["clause"]["id"]: li["points"] for li in entry(doc, "sfj")["lines"] if "基础分" in li["detail"]
    }
    assert points(doc, "sfj", item) == left
    assert entry(doc, "sfj")["total"] == round(35 - weight[item] + left, 4)
    assert balanced(entry(doc, "sfj"))


# (一) 9: "一类考核单位每周发布2条此信息,二类考核单位每周发布1条此信息。(分值6分,一类考核单位每周缺少1条信息
# 扣0.1分,二类考核单位每周缺少1条信息扣0.2分)"
def test_each_post_short_of_the_weekly_quota_costs_by_class(sqlite_ledger: Ledger, act: Make) -> None:
    """Class 1 owes 2 a week (−0.1 each short), class 2 one (−0.2); a busy week does not cover an idle one."""
    # 县教育局 (class 1) posts 1 in five weeks and none in three (11 short: −1.1), and 6 in week 20. 县民政局
    # (class 2) posts nothing in ten weeks (−2). 县统计局 (class 2) posts nothing all year: 51 × 0.2 = 10.2,
    # stopped at the item's 6.
    short = {f"w{w}": 1 for w in (3, 9, 15, 30, 44)} | {f"w{w}": 0 for w in (1, 2, 50)} | {"w20": 6}
    idle = {f"w{w}": 0 for w in range(10, 20)}
    sqlite_ledger.append(
        [
            reg(act, "jyj", "class-1"),
            reg(act, "mzj"),
            reg(act, "tjj"),
            *posts(act, "jyj", 2, **short),
            *posts(act, "mzj", 1, **idle),
        ]
    )
    doc = sqlite_ledger.score(BOOK, YEAR)
    assert (points(doc, "jyj", "xw-1.9-news"), points(doc, "mzj", "xw-1.9-news")) == (4.9, 4)
    assert points(doc, "tjj", "xw-1.9-news") == 0
    week = next(li for li in entry(doc, "jyj")["lines"] if li["detail"].startswith("2021年第04周"))
    assert (week["detail"], week["points"], len(week["events"])) == (
        "2021年第04周（01-25至01-31）：发布1条，应发2条",
        -0.1,
        1,
    )
    assert [u["total"] for u in doc["units"]] == [33.9, 33, 29]


def test_weeks_are_owed_from_registration_and_judged_once_they_end(sqlite_ledger: Ledger, act: Make) -> None:
    """A unit registered on a Thursday owes from the next Monday; a week still running is not judged."""
    # 县投资促进局 (class 2) is registered on 2021-07-01 and posts nothing: from 07-05 to 12-26, 25 weeks,
    # −5. Judged on 2021-07-14, only the week of 07-05 to 07-11 has ended: −0.2.
    sqlite_ledger.append([reg(act, "tcj", day="2021-07-01")])
    assert points(sqlite_ledger.score(BOOK, YEAR), "tcj", "xw-1.9-news") == 1
    early = sqlite_ledger.score(BOOK, YEAR, as_of="2021-07-14")
    assert points(early, "tcj", "xw-1.9-news") == 5.8


# (一) 10: "(分值6分,根据维护或报送的情况,按比例扣分)"; (二): "(该项工作目标考核分值为9分,根据及时公开情况
# 按比例扣分)"
def test_proportional_deductions_take_the_points_the_office_assesses(
    sqlite_ledger: Ledger, act: Make
) -> None:
    """按比例扣分 sets no amount: each violation carries its points, within the item's weight."""
    # 县水务局 loses 1.5 and 2 on website upkeep (6 → 2.5) and 12 on standardisation (9 → 0, not −3).
    sqlite_ledger.append(
        [
            reg(act, "swj"),
            *posts(act, "swj", 1),
            *found(act, "swj", "xw-1.10-website", points=1.5, reason="栏目维护不及时"),
            *found(act, "swj", "xw-1.10-website", points=2, reason="资料报送不全"),
            *found(act, "swj", "xw-2-standardisation", points=12),
            *found(act, "swj", "xw-2-standardisation"),
        ]
    )
    doc = sqlite_ledger.score(BOOK, YEAR)
    assert (points(doc, "swj", "xw-1.10-website"), points(doc, "swj", "xw-2-standardisation")) == (2.5, 0)
    unscored = [
        li["detail"] for li in entry(doc, "swj")["lines"] if li["clause"]["id"] == "xw-2-standardisation"
    ]
    assert "扣分记录：未填分值，考核办法亦未规定分值" in unscored


# (四): "(每次加1.5分,加分最高不超过3分)" "(每个加2分,加分最高不超过4分)" "(每个加0.1分,加分最高不超过1分)"
# "(每次加2分,加分最高不超过4分)" "(每次加1分,加分最高不超过2分)" "(每次加1分,最高不超过2分)"
# "(每次加0.3分,加分最高不超过3分)" "(每次加0.3分,最高不超过3分)"
@pytest.mark.parametrize(
    ("item", "times", "earned"),
    [
        ("xw-4.1-interpretation", 1, 1.5),
        ("xw-4.1-interpretation", 3, 3),
        ("xw-4.2-normative-filing", 1, 2),
        ("xw-4.2-normative-filing", 3, 4),
        ("xw-4.3-normative-cleanup", 7, 0.7),
        ("xw-4.3-normative-cleanup", 12, 1),
        ("xw-4.3b-major-decisions", 1, 2),
        ("xw-4.4-consultation", 3, 2),
        ("xw-4.5-survey", 1, 1),
        ("xw-4.6-mailbox", 4, 1.2),
        ("xw-4.6-mailbox", 11, 3),
        ("xw-4.7-plans", 10, 3),
    ],
)
def test_each_bonus_item_pays_per_merit_up_to_its_own_cap(
    sqlite_ledger: Ledger, act: Make, item: str, times: int, earned: float
) -> None:
    """A bonus earns its amount for each merit, and no more than the item's cap."""
    sqlite_ledger.append([reg(act, "zzj"), *posts(act, "zzj", 1), *merits(act, "zzj", item, times)])
    doc = sqlite_ledger.score(BOOK, YEAR)
    assert points(doc, "zzj", item) == earned
    assert entry(doc, "zzj")["total"] == round(35 + earned, 4)


# (四): "以上加分项甲类累计最高5分,超过5分的按5分计算"
def test_the_bonus_items_together_count_for_at_most_five(sqlite_ledger: Ledger, act: Make) -> None:
    """Bonuses of 3 + 2 + 0.9 are 5.9; the year counts 5, and a line of the bonus total takes 0.9 off."""
    sqlite_ledger.append(
        [
            reg(act, "jkj"),
            *posts(act, "jkj", 1),
            *merits(act, "jkj", "xw-4.1-interpretation", 2, reason="局长解读政策文件"),
            *merits(act, "jkj", "xw-4.2-normative-filing"),
            *merits(act, "jkj", "xw-4.6-mailbox", 3),
        ]
    )
    unit = entry(sqlite_ledger.score(BOOK, YEAR), "jkj")
    cap = next(li for li in unit["lines"] if li["clause"]["id"] == "xw-4-bonus-total")
    assert (cap["points"], cap["detail"]) == (-0.9, "本组项目合计5.9分，按上限5分计")
    assert unit["total"] == 40 and balanced(unit)


# (五) 1-4: "……执行一票否决,全年政务公开分值扣为0分"
@pytest.mark.parametrize(
    "veto", ["xw-5.1-secrets", "xw-5.2-web-security", "xw-5.3-political-terms", "xw-5.4-major-harm"]
)
def test_a_veto_zeroes_the_whole_year(sqlite_ledger: Ledger, act: Make, veto: str) -> None:
    """One veto find makes the year 0, bonuses and all; the neighbour's year is untouched."""
    sqlite_ledger.append(
        [
            reg(act, "gaj"),
            reg(act, "jtj"),
            *posts(act, "gaj", 1),
            *posts(act, "jtj", 1),
            *merits(act, "gaj", "xw-4.1-interpretation", 2),
            *found(act, "gaj", veto, day="2021-11-03", reason="被省有关部门监测到"),
        ]
    )
    doc = sqlite_ledger.score(BOOK, YEAR)
    line = next(li for li in entry(doc, "gaj")["lines"] if li["clause"]["id"] == veto)
    assert (line["detail"], line["points"]) == ("一票否决：被省有关部门监测到", -38)
    assert entry(doc, "gaj")["total"] == 0 and balanced(entry(doc, "gaj"))
    assert entry(doc, "jtj")["total"] == 35
    assert entry(sqlite_ledger.score(BOOK, YEAR, as_of="2021-11-02"), "gaj")["total"] == 38


# (五) 5: "……涉及单位每出现一项扣5分,最多扣40分" 7: "……每发现一条扣5分,最多扣40分"
# 8: "……每发现一个扣2分,最多扣40分"
@pytest.mark.parametrize(
    ("item", "finds", "taken"),
    [
        ("xw-5.5-transparency-list", 1, -5),
        ("xw-5.5-transparency-list", 9, -40),
        ("xw-5.7-false-information", 2, -10),
        ("xw-5.8-personal-data", 3, -6),
        ("xw-5.8-personal-data", 21, -40),
    ],
)
def test_extra_deductions_come_off_the_year_up_to_forty_each(
    sqlite_ledger: Ledger, act: Make, item: str, finds: int, taken: int
) -> None:
    """An extra deduction item takes its amount per find off the total, at most 40."""
    sqlite_ledger.append([reg(act, "yjj"), *posts(act, "yjj", 1), *found(act, "yjj", item, finds)])
    doc = sqlite_ledger.score(BOOK, YEAR)
    assert points(doc, "yjj", item) == taken
    assert entry(doc, "yjj")["total"] == max(0, 35 + taken)


# (五) 6: "政务公开信息,出现一般错敏字,每发现一个扣0.2分;出现严重错敏字,每发现一个扣5分,最多扣40分"
def test_general_and_serious_wrong_words_share_one_cap_of_forty(sqlite_ledger: Ledger, act: Make) -> None:
    """10 general (−2) and 8 serious (−40) wrong words take 40 in all, not 42; 10 general alone take 2."""
    sqlite_ledger.append(
        [
            reg(act, "wlj"),
            reg(act, "shj"),
            *posts(act, "wlj", 1),
            *posts(act, "shj", 1),
            *found(act, "wlj", "xw-5.6-typo-general", 10),
            *found(act, "wlj", "xw-5.6-typo-serious", 8),
            *found(act, "shj", "xw-5.6-typo-general", 10),
        ]
    )
    doc = sqlite_ledger.score(BOOK, YEAR)
    typos = ("xw-5.6-typo-general", "xw-5.6-typo-serious", "xw-5.6-typos-total")
    assert [points(doc, "wlj", c) for c in typos] == [-2, -40, 2]
    assert entry(doc, "shj")["total"] == 33


# 三: "各指标分值扣完为止"; (五) 1: "全年政务公开分值扣为0分" (the lowest a year comes to)
def test_the_year_does_not_go_below_zero(sqlite_ledger: Ledger, act: Make) -> None:
    """35 less 40 and 10 of extra deductions is −15; the year's floor brings it back to 0."""
    sqlite_ledger.append(
        [
            reg(act, "zjj"),
            *posts(act, "zjj", 1),
            *found(act, "zjj", "xw-5.5-transparency-list", 8),
            *found(act, "zjj", "xw-5.7-false-information", 2),
        ]
    )
    unit = entry(sqlite_ledger.score(BOOK, YEAR), "zjj")
    floor = next(li for li in unit["lines"] if li["clause"]["id"] == "xw-year-floor")
    assert (floor["points"], floor["detail"]) == (15, "本期总分合计-15分，按下限0分计")
    assert unit["total"] == 0 and balanced(unit)


# (六): "对所有临时增加的工作任务,根据实际情况确定加分数和扣分数"
def test_new_tasks_add_and_deduct_what_the_office_decides_outside_the_bonus_cap(
    sqlite_ledger: Ledger, act: Make
) -> None:
    """Merits and violations of new tasks carry their points, and are not held to the 5-point bonus cap."""
    sqlite_ledger.append(
        [
            reg(act, "spj"),
            *posts(act, "spj", 1),
            *merits(act, "spj", "xw-4.2-normative-filing", 3),
            *merits(act, "spj", "xw-6-new-tasks", points=2, reason="完成临时专项公开任务"),
            *found(act, "spj", "xw-6-new-tasks", points=0.5, reason="临时任务逾期"),
        ]
    )
    doc = sqlite_ledger.score(BOOK, YEAR)
    assert points(doc, "spj", "xw-6-new-tasks") == 1.5
    assert entry(doc, "spj")["total"] == 35 + 4 + 1.5


def deadline(act: Make, unit: str, task_id: str, item: str, due: str, title: str) -> Act:
    return act(
        "task.assigned", "2021-01-11", id=f"t-{task_id}", unit=unit, task=task_id, item=item, title=title,
        points=1, due_on=due,
    )  # fmt: skip


# (一) 1: "及时报送本单位政府信息公开工作年度报告。(分值1分,未及时报送扣1分)"; (一) 7: "及时梳理报送《基层政务
# 公开工作责任清单》(分值1分,未及时报送扣1分)"
def test_a_deadline_recorded_as_a_task_costs_the_items_amount_when_missed(
    sqlite_ledger: Ledger, act: Make
) -> None:
    """A task on a deduction item takes off its 未及时 amount when done late or not done, nothing on time."""
    # The county office records both deadlines as tasks: the annual report due 01-31, the responsibility
    # list due 03-31, each worth the item's 1 point. The year is judged on 2022-03-01, after it ends.
    # 龙场街道 sends the report late (02-10): 1 − 1 = 0; its list on time (03-25): 1 kept. 六屯镇 never
    # sends the report: 0; it sends its list on 2022-01-05, after the year: not counted for 2021, so the
    # list is missed too: 0. Before, each task added credit above the item's 1 and was capped: 1 and 1.
    sqlite_ledger.append(
        [
            reg(act, "longchang", "class-1"),
            reg(act, "liutun"),
            deadline(act, "longchang", "LC-1.1", "xw-1.1-annual-report", "2021-01-31", "2020年度报告"),
            deadline(act, "longchang", "LC-1.7", "xw-1.7-responsibility-list", "2021-03-31", "责任清单"),
            deadline(act, "liutun", "LT-1.1", "xw-1.1-annual-report", "2021-01-31", "2020年度报告"),
            deadline(act, "liutun", "LT-1.7", "xw-1.7-responsibility-list", "2021-03-31", "责任清单"),
            act("task.completed", "2021-02-10", task="LC-1.1"),
            act("task.completed", "2021-03-25", task="LC-1.7"),
            act("task.completed", "2022-01-05", task="LT-1.7"),
        ]
    )
    doc = sqlite_ledger.score(BOOK, YEAR, as_of="2022-03-01")
    report, duty = "xw-1.1-annual-report", "xw-1.7-responsibility-list"
    assert (points(doc, "longchang", report), points(doc, "longchang", duty)) == (0, 1)
    assert (points(doc, "liutun", report), points(doc, "liutun", duty)) == (0, 0)
    lines = [li for u in doc["units"] for li in u["lines"] if li["detail"].startswith("任务")]
    late = "-1分（考核办法规定的逾期扣分：未及时）"
    assert {li["detail"]: li["points"] for li in lines} == {
        f"任务 LC-1.1《2020年度报告》（2021-01-31截止）：逾期完成（2021-02-10）：{late}": -1,
        "任务 LC-1.7《责任清单》（2021-03-31截止）：按时完成（2021-03-25）：不扣分": 0,
        f"任务 LT-1.1《2020年度报告》（2021-01-31截止）：截止日前未完成：{late}": -1,
        "任务 LT-1.7《责任清单》（2021-03-31截止）：2022-01-05完成，晚于本期考核日"
        f"（2021-12-31）：{late}": -1,
    }
    assert all(balanced(u) for u in doc["units"])
    # Judged on 01-20, before the report is due, 六屯镇's open task takes nothing off yet.
    early = sqlite_ledger.score(BOOK, YEAR, as_of="2021-01-20")
    assert points(early, "liutun", "xw-1.1-annual-report") == 1
