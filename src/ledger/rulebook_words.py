"""The words for a rulebook's keys as a reader meets them: its parameters, the levels of publications
and notifiers, the forms of an adoption and the severities of a late notice, by their English keys.

Domain data (it imports only the ledger's vocabulary, `ledger.terms`): the pages show rulebooks
through them, and the what-if editor labels a rulebook's numbers with them.
"""

from __future__ import annotations

from ledger.terms import FORMS as FORMS
from ledger.terms import LEVELS as LEVELS
from ledger.terms import SEVERITIES as SEVERITIES

PARAMETERS = {
    "met": "完成任务得分",
    "missed": "未完成任务得分",
    "run": "连续季度数",
    "points": "分值",
    "credit": "重复采用",
    "combined_points": "综合信息分值",
    "adoption_multiple": "采用分值的倍数",
    "per_criticism": "每次通报批评",
    "zero_adoption_year": "全年零采用",
    "metric": "指标",
    "endorsements": "批示奖励（元）",
    "ineligible_at": "扣分达此数不得评先",
    "criticized_at": "扣分达此数通报批评",
    "basis": "计分方式",
    "weight": "分值",
    "floor": "下限",
    "cap": "上限",
    "base": "折算基数",
    "classes": "适用类别",
    "exemptible": "可不列入考核的类别",
    "part_of": "并入其他项目计分的类别",
    "late_task": "任务逾期或未完成扣分",
    "group": "项目组",
    "per_violation": "每次扣分",
    "per_merit": "每次加分",
    "weekly_posts": "每周发布",
    "quota": "每周条数",
    "per_missing": "每少一条",
    "flag": "标记",
    "item": "考核项目",
    "below": "低于",
    "clauses": "条款",
    "measure": "计量",
    "at_least": "至少",
    "publications": "刊物",
    "per_point": "每分（元）",
}
