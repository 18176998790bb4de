"""The words a reader meets on the pages: Chinese terms with the English ones beside them. The shared
vocabulary (act types, levels, forms, severities, cadences, reasons) is `ledger.terms`, re-exported here;
the rest is the pages' own."""

from __future__ import annotations

from typing import Any

from ledger.rulebook_words import PARAMETERS as PARAMETERS
from ledger.terms import ACT_ENGLISH, ACT_NAMES
from ledger.terms import CADENCES as CADENCES
from ledger.terms import FORMS as FORMS
from ledger.terms import LEVELS as LEVELS
from ledger.terms import SEVERITIES as SEVERITIES
from ledger.terms import act_name as act_name
from ledger.terms import reason as reason

ACT_TYPES = {kind: (ACT_NAMES[kind], english) for kind, english in ACT_ENGLISH.items()}
CLAUSE_KINDS = {  # a clause's kind as the rulebook page names it (the code beside it, small)
    "filing_quota": "报送任务数",
    "quota_criticism": "连续未完成报送任务",
    "adoption": "采用计分",
    "endorsement": "领导批示",
    "excellent": "优秀信息",
    "commission_missed": "约稿未完成",
    "criticism": "通报批评",
    "late_notice": "迟报、漏报、瞒报",
    "performance_adjustment": "年终绩效考核调整",
    "reward": "奖励",
    "deductions": "扣分与评先",
    "item": "考核项目",
    "group": "项目组上下限",
    "bounds": "总分上下限",
    "veto": "一票否决",
    "conversion": "折算",
    "eligibility": "评优资格",
    "threshold": "达标计分",
    "no_filing": "零报送",
    "stipend": "补贴",
}
VALUES = {
    "deduction": "扣分制 deduction",
    "credit": "得分制 credit",
    "bonus": "加分制 bonus",
    "filed": "报送 filed",
    "adopted": "采用 adopted",
    "highest": "只记最高分 highest",
    "each": "每次采用均计分 each",
}
METRICS = {
    "performance_adjustment": "绩效考核调整 performance",
    "reward_yuan": "奖励（元）reward",
    "deductions": "扣分 deductions",
    "weighted_total": "折算得分 weighted",
    "stipend_yuan": "补贴（元）stipend",
}
FLAGS = {
    "eligible_for_award": "可评先进 eligible",
    "criticized": "通报批评 criticized",
    "information_item_zero": "信息项目0分 item zero",
}
ROLES = {"office": "信息科 office", "auditor": "审计 auditor", "admin": "管理员 admin"}


def act_type(kind: str) -> str:
    chinese, english = ACT_TYPES.get(kind, (kind, ""))
    return f"{chinese} {english}".strip()


def detail(text: str) -> str:
    """A score line's detail; one that names an act type gets its words."""
    return act_type(text) if text in ACT_TYPES else text


def label(key: Any) -> str:
    """A rulebook key in words: a parameter, level, severity or form; unknown keys stay as they are."""
    text = str(key)
    for table in (PARAMETERS, LEVELS, SEVERITIES, FORMS):
        if text in table:
            return table[text]
    return text


def value(text: Any) -> str:
    """A rulebook value in words: a basis, measure or credit rule; a list joined; others as they are."""
    if isinstance(text, list):
        return "、".join(value(v) for v in text)
    return VALUES.get(str(text), str(text))


def role(role_name: str, unit_name: str = "") -> str:
    """A role in words; a unit token's by its unit's name when it is given."""
    if role_name.startswith("unit:"):
        return f"单位 unit · {unit_name or role_name.removeprefix('unit:')}"
    return ROLES.get(role_name, role_name)


def metric(name: str) -> str:
    return METRICS.get(name, name)


def flag(name: str) -> str:
    return FLAGS.get(name, name)


def grade(unit: dict[str, Any]) -> tuple[str, str]:
    """The grade (等次) shown for a unit, with a style class: the score's own grade when it carries one,
    otherwise the verdict of its flags (award eligibility, criticism)."""
    if unit.get("grade"):
        return str(unit["grade"]), "grade"
    flags = unit.get("flags", {})
    if flags.get("criticized"):
        return "通报批评", "bad"
    if flags.get("eligible_for_award") is True:
        return "可评先进", "good"
    if flags.get("eligible_for_award") is False:
        return "不可评先进", "warn"
    return "—", ""
