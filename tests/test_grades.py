"""Grade bands (考核等次): 罗湖区政务公开工作考核暂行办法 (luohu-open, seed 004) and bands in any rulebook."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ledger.errors import RulebookError
from ledger.render import explanation, scores_csv
from ledger.rulebooks import parse_rulebook, shipped_directory
from ledger.services import Ledger

BOOK = "luohu-open"
LUOHU = (shipped_directory() / "luohu-open.toml").read_text(encoding="utf-8")
YINCHUAN = (shipped_directory() / "yinchuan-2018.toml").read_text(encoding="utf-8")
Act = dict[str, Any]
Make = Callable[..., Act]


def reg(act: Make, unit: str, cls: str = "unit") -> Act:
    return act(
        "unit.registered", "2019-01-01", id=f"reg-{unit}", unit=unit, name=f"{unit} 局", **{"class": cls}
    )


def merit(act: Make, unit: str, item: str, points: float, day: str = "2019-12-20", **more: Any) -> Act:
    return act("merit.recorded", day, unit=unit, item=item, points=points, **more)


def entry(doc: dict[str, Any], unit: str) -> dict[str, Any]:
    return next(u for u in doc["units"] if u["unit"] == unit)


# 第八条: "考核结果分为优秀、良好、合格、不合格4个等次。各等次的分值标准依次为:优秀(90分以上)……
# 良好(75分-89分)……合格(60分-74分)……不合格(59分以下)"
@pytest.mark.parametrize(
    ("total", "grade"),
    [
        (100, "优秀"),
        (90, "优秀"),
        (89.5, "良好"),  # in the gap between 89 and 90: it has not reached 90
        (89, "良好"),
        (75, "良好"),
        (74.9, "合格"),
        (60, "合格"),
        (59.5, "不合格"),
        (12, "不合格"),
    ],
)
def test_the_four_bands_grade_the_years_total(
    sqlite_ledger: Ledger, act: Make, total: float, grade: str
) -> None:
    """A year's total takes the first band whose lower mark it reaches; a fraction in a gap goes down."""
    sqlite_ledger.append([reg(act, "jyj"), merit(act, "jyj", "lh-5.2-content", total)])
    unit = entry(sqlite_ledger.score(BOOK, "2019"), "jyj")
    assert (unit["total"], unit["grade"]) == (total, grade)


def test_a_unit_with_nothing_assessed_is_graded_too(sqlite_ledger: Ledger, act: Make) -> None:
    """A registered unit with no points at all is graded 不合格, not left without a grade."""
    sqlite_ledger.append([reg(act, "wsj")])
    assert entry(sqlite_ledger.score(BOOK, "2019"), "wsj")["grade"] == "不合格"


# 第六条: "平时检查的考核成绩纳入政务公开年终考核成绩"; 第五条 lists seven contents without points;
# 第八条: "政务公开考核工作实行量化标准".
def test_the_seven_contents_and_the_half_yearly_checks_add_up_to_at_most_one_hundred(
    sqlite_ledger: Ledger, act: Make
) -> None:
    """Points assessed on the contents through the year add up; above 100 they are cut to 100."""
    # 区教育局: the first half-year's check gives 30 on 组织实施; the year-end assessment 40 on 内容 and 25 on
    # 效果: 95, 优秀. 区卫健局 is assessed 60 and 50 (110): cut to 100 by the scale's line.
    sqlite_ledger.append(
        [
            reg(act, "jyj"),
            reg(act, "wjj"),
            merit(act, "jyj", "lh-5.1-organisation", 30, "2019-06-30", reason="上半年平时检查"),
            merit(act, "jyj", "lh-5.2-content", 40),
            merit(act, "jyj", "lh-5.5-effect", 25),
            merit(act, "wjj", "lh-5.3-procedure", 60),
            merit(act, "wjj", "lh-5.6-public-opinion", 50),
        ]
    )
    doc = sqlite_ledger.score(BOOK, "2019")
    jyj, wjj = entry(doc, "jyj"), entry(doc, "wjj")
    assert (jyj["total"], jyj["grade"]) == (95, "优秀")
    assert jyj["lines"][0]["detail"] == "上半年平时检查"
    assert (wjj["total"], wjj["grade"]) == (100, "优秀")
    cut = next(li for li in wjj["lines"] if li["clause"]["id"] == "lh-8-scale")
    assert (cut["points"], cut["detail"]) == (-10, "本组项目合计110分，按上限100分计")
    for unit in (jyj, wjj):
        assert sum(li["points"] for li in unit["lines"]) == unit["total"]


# 第九条: "政务公开年终考核结果纳入全区绩效考核体系,政务公开考核分值权重不低于4%"
def test_the_total_is_weighted_at_four_percent(sqlite_ledger: Ledger, act: Make) -> None:
    """weighted_total is the total's share of a 100-point performance assessment at 4%."""
    sqlite_ledger.append([reg(act, "sjj"), merit(act, "sjj", "lh-5.4-channels", 82.5)])
    unit = entry(sqlite_ledger.score(BOOK, "2019"), "sjj")
    assert (unit["total"], unit["metrics"], unit["grade"]) == (82.5, {"weighted_total": 3.3}, "良好")


def test_a_rulebook_without_bands_gives_every_unit_a_null_grade(sqlite_ledger: Ledger, act: Make) -> None:
    """Under yinchuan-2018, which names no bands, a unit's grade is null and the CSV has no grade column."""
    sqlite_ledger.append([reg(act, "xq", "county")])
    doc = sqlite_ledger.score("yinchuan-2018", "2019-Q1")
    assert entry(doc, "xq")["grade"] is None
    assert "grade" not in scores_csv(doc).splitlines()[0].split(",")
    assert ", grade" not in explanation(doc)


def test_the_grade_is_a_csv_column_and_in_the_explanation(sqlite_ledger: Ledger, act: Make) -> None:
    """A graded document's CSV ends with a grade column; the explanation names each unit's grade."""
    sqlite_ledger.append([reg(act, "jyj"), reg(act, "wjj"), merit(act, "jyj", "lh-5.2-content", 61)])
    doc = sqlite_ledger.score(BOOK, "2019")
    rows = scores_csv(doc).splitlines()
    assert rows[0] == "rank,unit,name,class,total,weighted_total,grade"
    assert rows[1:] == ["1,jyj,jyj 局,unit,61,2.44,合格", "2,wjj,wjj 局,unit,0,0,不合格"]
    assert "第 1 名 jyj 局（jyj，unit）：总分 61，等级 合格" in explanation(doc)


BANDS = """
[grades]
name = "罗湖区政务公开考核等次(第八条)"
of = "total"
wording = "优秀(90分以上)……良好(75分-89分)……合格(60分-74分)……不合格(59分以下)"
bands = [
    { grade = "优秀", at_least = 90 },
    { grade = "良好", at_least = 75 },
    { grade = "合格", at_least = 60 },
    { grade = "不合格" },
]
"""


def test_any_rulebook_can_name_the_same_bands(sqlite_ledger: Ledger, act: Make, tmp_path: Path) -> None:
    """The 罗湖 [grades] table added to a yinchuan-2018 draft grades that rulebook's units by their totals."""
    # A draft of yinchuan-2018 with the bands: 兴庆区 meets its quota (10), 西夏区 does not (0).
    draft = tmp_path / "yinchuan-graded.toml"
    draft.write_text(YINCHUAN + BANDS, encoding="utf-8")
    filings = [
        act("report.filed", "2019-02-01", unit="xq", report=f"xq-{i}", title="信息") for i in range(90)
    ]
    sqlite_ledger.append([reg(act, "xq", "county"), reg(act, "xx", "county"), *filings])
    doc = sqlite_ledger.score(str(draft), "2019-Q1")
    assert [(u["unit"], u["total"], u["grade"]) for u in doc["units"]] == [
        ("xq", 10, "不合格"),
        ("xx", 0, "不合格"),
    ]


def test_bands_may_grade_a_metric(sqlite_ledger: Ledger, act: Make, tmp_path: Path) -> None:
    """Bands whose `of` names a metric grade that metric's value (here weighted_total, out of 4)."""
    draft = tmp_path / "luohu-weighted.toml"
    draft.write_text(
        LUOHU.replace('of = "total"', 'of = "weighted_total"')
        .replace("at_least = 90", "at_least = 3.6")
        .replace("at_least = 75", "at_least = 3")
        .replace("at_least = 60", "at_least = 2.4"),
        encoding="utf-8",
    )
    sqlite_ledger.append([reg(act, "jyj"), merit(act, "jyj", "lh-5.2-content", 76)])
    assert entry(sqlite_ledger.score(str(draft), "2019"), "jyj")["grade"] == "良好"


BAD_BANDS = {
    "marks not descending": ("at_least = 75", "at_least = 95", "grades.bands"),
    "a mark missing above the last": (
        '{ grade = "良好", at_least = 75 }',
        '{ grade = "良好" }',
        "grades.bands",
    ),
    "the last band with a mark": (
        '{ grade = "不合格" }',
        '{ grade = "不合格", at_least = 0 }',
        "grades.bands",
    ),
    "a grade named twice": ('grade = "合格"', 'grade = "良好"', "grades.bands"),
    "a single band": (
        '    { grade = "优秀", at_least = 90 },\n    { grade = "良好", at_least = 75 },\n'
        '    { grade = "合格", at_least = 60 },\n',
        "",
        "grades.bands",
    ),
    "a mark that is text": ("at_least = 60", 'at_least = "60"', "grades.bands[2].at_least"),
    "an unknown key": ('of = "total"', 'of = "total"\ncolour = "red"', "grades.colour"),
    "an unknown metric": ('of = "total"', 'of = "reward_yuan"', "grades"),
    "no wording": ('wording = "优秀(90分以上)', 'note = "优秀(90分以上)', "grades.wording"),
}


@pytest.mark.parametrize("name", BAD_BANDS)
def test_bad_bands_are_refused_naming_the_key(name: str) -> None:
    """Bands out of order, incomplete or naming what the rulebook lacks are a RulebookError with the key."""
    old, new, key = BAD_BANDS[name]
    assert old in LUOHU
    with pytest.raises(RulebookError) as error:
        parse_rulebook(LUOHU.replace(old, new, 1).encode(), "drafts/bad.toml")
    assert re.search(rf"键 '{re.escape(key)}'", str(error.value)), str(error.value)
