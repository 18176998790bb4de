"""Drafting (起草草案): a rulebook's numbers as the fields of an editor, and the draft the edits make.

Every number written in a rulebook's TOML (its version, quotas, publication points and rewards, clause
points, caps, floors, thresholds, runs, grade bands ...) is a field: where it is (`clauses[3].points.city`),
what it is for comparing two rulebooks (`clauses[9.2-endorsement].points.city`, by clause id, not place),
its Chinese label and the section or clause it belongs to. Edited values are written back into the TOML
text with its comments and layout kept, and the text is then bounded by `parse_rulebook` as every
rulebook is. No I/O here.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import tomlkit

from ledger.errors import RulebookError
from ledger.rulebook_words import FORMS, LEVELS, PARAMETERS, SEVERITIES
from ledger.rulebooks import Catalogue, Rulebook, RulebookModel

Key = str | int
CADENCE_WORDS = {"month": "每月", "quarter": "季度", "half": "半年", "year": "年度"}
MORE_PARAMETERS = {"late_task": "任务逾期或未完成扣分", "per_missing": "每少发一条", "quota": "每周条数"}
VERSION = "version"
SECTIONS = {
    "version": "版本 version",
    "classes": "单位类别与报送任务 classes",
    "publications": "刊物采用分值 publications",
}


@dataclass(frozen=True)
class Field:
    """One number of a rulebook, as the editor shows it."""

    keys: tuple[Key, ...]  # where it is in the TOML document
    key: str  # what it is, the same in two versions of a rulebook whose clauses moved
    group: str
    wording: str | None  # the seed's sentence of the clause it belongs to
    label: str
    value: Decimal

    @property
    def path(self) -> str:
        return path_of(self.keys)


def path_of(keys: Sequence[Key]) -> str:
    """`clauses[3].points.city`: the form `parse_rulebook` names a key in."""
    out = ""
    for k in keys:
        out += f"[{k}]" if isinstance(k, int) else (f".{k}" if out else k)
    return out


def fields(book: Rulebook, text: str) -> list[Field]:
    """Every number of the rulebook's TOML text, in the order the text gives them."""
    return [_field(book.model, keys, value) for keys, value in _numbers(tomllib.loads(text), ())]


def _numbers(node: Any, keys: tuple[Key, ...]) -> Iterator[tuple[tuple[Key, ...], Decimal]]:
    if isinstance(node, bool):
        return
    if isinstance(node, int | float):
        yield keys, Decimal(str(node))
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from _numbers(v, (*keys, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _numbers(v, (*keys, i))


def _field(model: RulebookModel, keys: tuple[Key, ...], value: Decimal) -> Field:
    head, rest = keys[0], keys[1:]
    if head == VERSION and not rest:
        return Field(keys, VERSION, SECTIONS[VERSION], None, "版本号", value)
    if head == "classes" and rest[1:] == ("quota",):
        name = model.classes[str(rest[0])].name
        label = f"{name} {CADENCE_WORDS[model.cadence]}报送任务数"
        return Field(keys, path_of(keys), SECTIONS["classes"], None, label, value)
    if head == "publications" and len(rest) == 3:
        name, table, form = model.publications[str(rest[0])].name, rest[1], str(rest[2])
        noun = "每条分值" if table == "points" else "每条奖励（元）"
        label = name + noun + ("" if form == "default" else f"（{FORMS.get(form, form)}）")
        return Field(keys, path_of(keys), SECTIONS["publications"], None, label, value)
    if head == "clauses" and isinstance(rest[0], int) and len(rest) > 1:
        clause = model.clauses[rest[0]]
        key = path_of(("clauses", *rest[1:])).replace("clauses", f"clauses[{clause.id}]", 1)
        label = f"{clause.id} {_parameter(model, rest[1:])}"
        return Field(keys, key, f"条款 {clause.id}", clause.wording, label, value)
    if head == "grades" and model.grades is not None and rest[:1] == ("bands",) and len(rest) == 3:
        band = model.grades.bands[int(rest[1])]
        key = f"grades.bands[{band.grade}].{rest[2]}"
        label = f"「{band.grade}」{PARAMETERS.get(str(rest[2]), str(rest[2]))}"
        return Field(keys, key, f"考核等次 {model.grades.name}", model.grades.wording, label, value)
    return Field(keys, path_of(keys), "其他 other", None, path_of(keys), value)


def _parameter(model: RulebookModel, keys: Sequence[Key]) -> str:
    """A clause's key in words, the classes, levels, severities and forms under it in brackets:
    `分值（市级·迟报）`, `每周发布 每周条数（一类单位）`."""
    said, qualifiers = [], []
    for place, k in enumerate(keys):
        text = str(k)
        if place and text in model.classes:
            qualifiers.append(model.classes[text].name)
        elif place and (text in LEVELS or text in SEVERITIES or text in FORMS):
            qualifiers.append(LEVELS.get(text) or SEVERITIES.get(text) or FORMS[text])
        else:
            said.append(PARAMETERS.get(text) or MORE_PARAMETERS.get(text, text))
    return " ".join(said) + (f"（{'·'.join(qualifiers)}）" if qualifiers else "")


def apply(text: str, editable: Sequence[Field], given: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """The TOML text with the given values (by path) written in place of the fields' own, and what is
    wrong with any value that is not a number. Values left as they were leave their text untouched."""
    document = tomlkit.parse(text)
    faults: dict[str, str] = {}
    for field in editable:
        raw = given.get(field.path)
        if raw is None:
            continue
        try:
            value = Decimal(raw.strip())
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():
            faults[field.path] = f"须填一个数 (must be a number), 不是 {raw.strip()!r}"
            continue
        if value != field.value:
            _put(document, field.keys, value)
    return tomlkit.dumps(document), faults


def _put(document: Any, keys: tuple[Key, ...], value: Decimal) -> None:
    node = document
    for k in keys[:-1]:
        node = node[k]
    node[keys[-1]] = int(value) if value == value.to_integral_value() else float(value)


FAULT = re.compile(r"键 '([^']*)'：(.*?)(?=；键 '|$)", re.S)


def faults_of(error: RulebookError) -> dict[str, str]:
    """The keys `parse_rulebook` refused, with why, from its message (`键 'classes.county.quota'：…`)."""
    found: dict[str, str] = {}
    for where, why in FAULT.findall(str(error)):
        found.setdefault(where, why.strip())
    return found


def changes(before: Sequence[Field], after: Sequence[Field]) -> list[str]:
    """What a draft changes, in words: `《银川政务信息》每条分值 3 → 4`, numbers added and removed."""
    old, new = {f.key: f for f in before}, {f.key: f for f in after}
    said = []
    for field in after:
        was = old.get(field.key)
        if was is None:
            said.append(f"新增 {field.label} {shown(field.value)}")
        elif was.value != field.value:
            said.append(f"{field.label} {shown(was.value)} → {shown(field.value)}")
    said += [f"删除 {f.label}（原为 {shown(f.value)}）" for f in before if f.key not in new]
    return said


def shown(value: Decimal) -> str:
    return f"{value.normalize():f}"


def next_version(catalogue: Catalogue, family: str) -> int:
    """The version a new draft of a family takes: one past the last the catalogue holds."""
    return max((b.version for b in catalogue.families.get(family, ())), default=0) + 1


def clash(draft: Rulebook, catalogue: Catalogue) -> str | None:
    """A warning when the draft keeps the id and version of a known rulebook but not its content: the
    ledger names every score by id and version, so the draft would pass for the published one."""
    known = next((b for b in catalogue.families.get(draft.id, ()) if b.version == draft.version), None)
    if known is None or known.sha256 == draft.sha256:
        return None
    suggested = next_version(catalogue, draft.id)
    return (
        f"草案沿用了已发布的《{known.model.title}》（{draft.id}）第{draft.version}版的编号和版本号，"
        f"内容却与之不同：已发布的版本不可改动，修订须另立新版本。建议将版本号改为 {suggested}。"
        f"(The draft keeps the id and version of a published rulebook; suggested version: {suggested}.)"
    )
