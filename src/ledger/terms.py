"""The ledger's Chinese vocabulary, one place for every reader: act types, levels, forms, severities,
cadences and the reasons an act is not counted, each by its English code as acts and rulebooks spell it.

Domain data only (no I/O, no imports of the ledger): the projections write their explanations with it,
and the CLI, the pages and the bulletin show codes through it, so one word is spelt one way everywhere.
"""

from __future__ import annotations

ACT_NAMES = {  # what a reader calls each act type
    "unit.registered": "单位登记",
    "unit.reclassified": "类别调整",
    "report.filed": "报送",
    "report.adopted": "采用",
    "endorsement.received": "批示",
    "report.excellent": "优秀信息",
    "late_report.notified": "迟报/漏报/瞒报",
    "commission.missed": "约稿未完成",
    "criticism.notified": "通报批评",
    "event.voided": "作废",
    "task.assigned": "任务下达",
    "task.completed": "任务完成",
    "post.published": "信息发布",
    "violation.recorded": "扣分记录",
    "merit.recorded": "加分记录",
    "item.exempted": "不列入考核",
}
ACT_ENGLISH = {  # the short English secondary label of each act type
    "unit.registered": "registered",
    "unit.reclassified": "reclassified",
    "report.filed": "filed",
    "report.adopted": "adopted",
    "endorsement.received": "endorsement",
    "report.excellent": "excellent",
    "late_report.notified": "late notice",
    "commission.missed": "commission missed",
    "criticism.notified": "criticism",
    "event.voided": "voided",
    "task.assigned": "task assigned",
    "task.completed": "task completed",
    "post.published": "post published",
    "violation.recorded": "violation",
    "merit.recorded": "merit",
    "item.exempted": "item exempted",
}
LEVELS = {  # the tier of a leader, a notifier or a publication
    "national": "国家级",
    "region": "自治区级",
    "province": "省级",
    "city": "市级",
    "district": "区级",
    "county": "县级",
}
FORMS = {  # the form of an adoption
    "item": "单条",
    "brief": "简讯",
    "research": "综合调研",
    "combined": "综合多个单位",
    "default": "默认",
}
SEVERITIES = {"late": "迟报", "missed": "漏报", "concealed": "瞒报"}
CADENCES = {"month": "按月", "quarter": "按季度", "half": "按半年", "year": "按年"}
FLAGS = {  # what a score's flags (and a rulebook's own flags) mean
    "eligible_for_award": "可评先进",
    "criticized": "通报批评",
    "information_item_zero": "信息项目计0分",
}
REASONS = {  # why an act is not counted: reason code -> what a reader calls it
    "voided": "已作废",
    "after_as_of": "晚于截止日",
    "filing_voided": "所属报送已作废",
    "superseded": "已按更高级别采用计分",
    "credited_elsewhere": "计入综合采用的单位",
    "exempted": "不列入考核",
    "class_not_covered": "单位类别不适用",
    "elsewhere": "计入其他期间",
    "no_rulebook": "无生效的考核办法",
    "record": "登记事项，不计分",
    "unscored": "无条款计分",
}


def act_name(kind: str) -> str:
    """An act type in Chinese (报送, 采用 ...); an unknown type as it is."""
    return ACT_NAMES.get(kind, kind)


def level(code: str) -> str:
    """A level in Chinese (市级); an unknown one as it is."""
    return LEVELS.get(code, code)


def form(code: str) -> str:
    """An adoption's form in Chinese (简讯); an unknown one as it is."""
    return FORMS.get(code, code)


def severity(code: str) -> str:
    return SEVERITIES.get(code, code)


def flag(code: str) -> str:
    """A flag in Chinese (可评先进); an unknown one as it is."""
    return FLAGS.get(code, code)


def reason(code: str) -> str:
    """Why an act was not counted, as a reader calls it; an unknown code as it is."""
    return REASONS.get(code, code)
