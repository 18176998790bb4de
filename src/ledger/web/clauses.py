"""A rulebook's clauses in words, for its page: each parameter under its Chinese name, unit classes and
publications by their names (not their codes), levels, severities, flags, metrics and rules in words;
clause and item ids, which the acts name, stay as they are."""

from __future__ import annotations

from typing import Any

from ledger.rulebooks import RulebookModel
from ledger.web import words

HIDDEN = {"id", "kind", "wording", "reading", "reading_en"}  # shown apart: the heading, quote and reading
CLASS_LISTS = {"classes", "exemptible"}  # lists of unit classes
CLASS_KEYED = {"part_of", "weekly_posts", "at_least", "weight"}  # tables keyed by unit class (when tables)
AS_GIVEN = {"group", "item", "clauses"}  # ids the acts and other clauses name
RUNS = {"month": "连续月数", "quarter": "连续季度数", "half": "连续半年数", "year": "连续年数"}


def clause_terms(clause: Any, rulebook: RulebookModel) -> list[tuple[str, str]]:
    """A clause's parameters as (name, words) pairs, in the order the clause gives them."""
    dumped = clause.model_dump(mode="json", exclude_none=True)
    return [
        (_name(key, clause.kind, rulebook), _words(key, value, rulebook))
        for key, value in dumped.items()
        if key not in HIDDEN and value not in ({}, [])
    ]


def _name(key: str, kind: str, rulebook: RulebookModel) -> str:
    if key == "run":  # runs of the rulebook's cadence periods: months, quarters...
        return RUNS[rulebook.cadence]
    if kind == "conversion" and key == "weight":
        return "折算分值"
    return words.label(key)


def _words(key: str, value: Any, rulebook: RulebookModel, inner: bool = False) -> str:
    if isinstance(value, dict):
        parts = [(_key(key, k, rulebook), v, _words(k, v, rulebook, True)) for k, v in value.items()]
        if inner:  # a table within a table, in brackets: 省级（迟报 -100，漏报 -200）
            return "（" + "，".join(f"{k} {text}" for k, _, text in parts) + "）"
        return "；".join(f"{k}{text}" if isinstance(v, dict) else f"{k}：{text}" for k, v, text in parts)
    if isinstance(value, list):
        if key in CLASS_LISTS:
            return "、".join(class_name(v, rulebook) for v in value)
        if key == "publications":
            return "、".join(publication_name(v, rulebook) for v in value)
        return "、".join(str(v) for v in value)
    if key == "metric":
        return words.metric(value)
    if key == "flag":
        return words.flag(value)
    if key in AS_GIVEN:
        return str(value)
    return words.value(value)


def _key(table: str, key: str, rulebook: RulebookModel) -> str:
    """A key in words: a class by its name, a severity under a level (迟报、漏报、瞒报), else a label."""
    if table in CLASS_KEYED:
        return class_name(key, rulebook)
    if table in words.LEVELS and key in words.SEVERITIES:
        return words.SEVERITIES[key]
    return words.label(key)


def class_name(slug: str, rulebook: RulebookModel) -> str:
    unit_class = rulebook.classes.get(slug)
    return unit_class.name if unit_class is not None else slug


def publication_name(slug: str, rulebook: RulebookModel) -> str:
    publication = rulebook.publications.get(slug)
    return publication.name if publication is not None else slug
