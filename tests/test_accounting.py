"""The account of a unit's period: every act of the unit that happened in the period is counted by a line
or listed under not_counted with its reason, never both and never neither."""

from __future__ import annotations

from typing import Any

from ledger.render import explanation
from ledger.services import Ledger

Act = dict[str, Any]


def registered(unit: str, cls: str, day: str = "2018-09-01", name: str = "单位") -> Act:
    return {"id": f"u-{unit}", "type": "unit.registered", "occurred_on": day, "unit": unit, "name": name,
            "class": cls}  # fmt: skip


def filed(act_id: str, unit: str, report: str, day: str) -> Act:
    return {"id": act_id, "type": "report.filed", "occurred_on": day, "unit": unit, "report": report,
            "title": "信息"}  # fmt: skip


def adopted(act_id: str, report: str, day: str, publication: str, **more: Any) -> Act:
    return {"id": act_id, "type": "report.adopted", "occurred_on": day, "report": report,
            "publication": publication, "form": "item", **more}  # fmt: skip


def unit_of(document: dict[str, Any], unit: str) -> dict[str, Any]:
    return next(u for u in document["units"] if u["unit"] == unit)


def reasons(document: dict[str, Any], unit: str) -> dict[str, str]:
    return {nc["act"]: nc["reason"] for nc in unit_of(document, unit)["not_counted"]}


def counted(document: dict[str, Any], unit: str) -> set[str]:
    return {act for line in unit_of(document, unit)["lines"] for act in line["events"]}


def test_every_act_of_a_quarter_is_counted_or_listed_with_its_reason(sqlite_ledger: Ledger) -> None:
    """Under 银川's quarterly rulebook, a quarter's filings and adoptions are counted, and the acts left out
    are listed: a voided filing, a lower repeat adoption, a filing after the as-of date, a combined adoption
    that credits other units, a post no clause scores, and a unit's own registration."""
    sqlite_ledger.append([
        registered("xq", "county"), registered("jf", "county", name="金凤区"),
        registered("xx", "county", name="西夏区"),
        registered("new", "county", day="2019-07-02"),
        filed("f1", "xq", "R1", "2019-07-03"),
        adopted("a1", "R1", "2019-07-05", "guobao"),  # 5 points
        adopted("a2", "R1", "2019-07-06", "yinchuan-zwxx"),  # 3: the report already earned 5
        filed("f2", "xq", "R2", "2019-07-04"),
        {"id": "v1", "type": "event.voided", "occurred_on": "2019-07-10", "target": "f2",
         "reason": "重复报送"},
        filed("f3", "xq", "R3", "2019-09-20"),  # after the as-of date
        adopted("c1", "R1", "2019-07-08", "yinchuan-ztxx", form="combined", units=["jf", "xx"]),
        {"id": "p1", "type": "post.published", "occurred_on": "2019-07-09", "unit": "xq", "title": "动态"},
        {"id": "old", "type": "report.filed", "occurred_on": "2019-03-01", "unit": "xq", "report": "R0",
         "title": "上季度"},
    ])  # fmt: skip
    doc = sqlite_ledger.score("yinchuan-2018", "2019-Q3", as_of="2019-08-31")
    assert reasons(doc, "xq") == {
        "a2": "superseded",
        "f2": "voided",
        "f3": "after_as_of",
        "c1": "credited_elsewhere",
        "p1": "unscored",
    }
    assert {"f1", "a1"} <= counted(doc, "xq")
    assert "old" not in reasons(doc, "xq")  # an act of another quarter is that quarter's to account for
    assert reasons(doc, "new") == {"u-new": "record"}
    assert "c1" in counted(doc, "jf") and "c1" in counted(doc, "xx")
    details = {nc["act"]: nc["detail"] for nc in unit_of(doc, "xq")["not_counted"]}
    assert "重复报送" in details["f2"] and "v1" in details["f2"]
    assert "2019-08-31" in details["f3"]
    assert "金凤区、西夏区" in details["c1"]  # the credited units by name
    # The account is complete: every act of 兴庆区 dated in the quarter is either counted or listed.
    quarter = {"occurred_from": "2019-07-01", "occurred_to": "2019-09-30"}
    mine = {a.id for a in sqlite_ledger.events(unit="xq", **quarter)}
    mine -= {"v1"}  # a void is told with the act it voids
    assert mine == (counted(doc, "xq") & mine) | set(reasons(doc, "xq"))
    assert not counted(doc, "xq") & set(reasons(doc, "xq"))
    # The explanation prints them under their own heading, in Chinese.
    (one,) = sqlite_ledger.score("yinchuan-2018", "2019-Q3", as_of="2019-08-31", unit="xq")["units"]
    text = explanation({**doc, "units": [one]})
    assert "未计分的行为 (5)" in text and "已按更高级别采用计分" in text and "晚于截止日" in text


def test_acts_before_the_rulebook_took_effect_are_listed_as_such(sqlite_ledger: Ledger) -> None:
    """银川's rulebook takes effect on 2018-06-01: a filing of 2018-03 is listed as outside its window."""
    sqlite_ledger.append(
        [registered("xq", "county", day="2018-01-01"), filed("f1", "xq", "R1", "2018-03-05")]
    )
    doc = sqlite_ledger.score("yinchuan-2018", "2018-Q1")
    (listed,) = [nc for nc in unit_of(doc, "xq")["not_counted"] if nc["act"] == "f1"]
    assert listed["reason"] == "no_rulebook"
    assert "2018-06-01" in listed["detail"]


def test_item_acts_left_out_name_the_exemption_or_the_class(sqlite_ledger: Ledger) -> None:
    """Under 衡阳, a violation of an item a department is exempt from (不列入考核) is listed as exempted;
    under 宁德, a violation of an item that does not assess the unit's class is listed as such."""
    sqlite_ledger.append([
        registered("dept", "department"), registered("zone", "zone"),
        {"id": "ex", "type": "item.exempted", "occurred_on": "2018-02-01", "unit": "dept",
         "item": "hy-website", "reason": "无门户网站"},
        {"id": "vio", "type": "violation.recorded", "occurred_on": "2018-03-01", "unit": "dept",
         "item": "hy-website", "points": 2},
        {"id": "nd", "type": "violation.recorded", "occurred_on": "2018-10-09", "unit": "zone",
         "item": "nd-2.1-organisation"},
    ])  # fmt: skip
    hengyang = sqlite_ledger.score("hengyang-2018", "2018")
    assert reasons(hengyang, "dept").get("vio") == "exempted"
    assert "ex" in counted(hengyang, "dept")
    ningde = sqlite_ledger.score("ningde-2018", "2018")
    assert reasons(ningde, "zone").get("nd") == "class_not_covered"


def test_a_task_is_accounted_for_in_the_period_of_its_due_date(sqlite_ledger: Ledger) -> None:
    """Under 颍东's monthly rulebook a task assigned in January and due in February is counted in February
    and listed in January as belonging to its due date's period."""
    sqlite_ledger.append([
        registered("town", "town", day="2019-01-01"),
        {"id": "t1", "type": "task.assigned", "occurred_on": "2019-01-20", "unit": "town", "task": "T1",
         "item": "yd-3-standard", "title": "专项任务", "points": 2, "due_on": "2019-02-10"},
        {"id": "t1-done", "type": "task.completed", "occurred_on": "2019-02-05", "task": "T1"},
    ])  # fmt: skip
    january = sqlite_ledger.score("yingdong-2012", "2019-01")
    assert reasons(january, "town") == {"u-town": "record", "t1": "elsewhere"}
    february = sqlite_ledger.score("yingdong-2012", "2019-02")
    assert {"t1", "t1-done"} <= counted(february, "town")
    assert reasons(february, "town") == {}
