"""The what-if editor's fields (ledger.drafting): every number of every shipped rulebook, labelled in
Chinese, written back into its TOML one number at a time, bounded as every rulebook is."""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ledger import drafting
from ledger.errors import RulebookError
from ledger.rulebooks import Catalogue, Rulebook, load_rulebook, parse_rulebook, shipped_directory

SHIPPED = sorted(shipped_directory().glob("*.toml"))
CJK = re.compile(r"[\u4e00-\u9fff]")


def numbers(node: Any, path: str = "") -> dict[str, Any]:
    """Every numeric leaf of parsed TOML by its path, found here apart from the module under test."""
    if isinstance(node, bool):
        return {}
    if isinstance(node, int | float):
        return {path: node}
    found: dict[str, Any] = {}
    if isinstance(node, dict):
        for k, v in node.items():
            found.update(numbers(v, f"{path}.{k}" if path else k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            found.update(numbers(v, f"{path}[{i}]"))
    return found


def shipped(name: str) -> tuple[Rulebook, str]:
    path = shipped_directory() / f"{name}.toml"
    return load_rulebook(path), path.read_text(encoding="utf-8")


def test_eight_rulebooks_are_shipped() -> None:
    """The walk below covers the eight shipped rulebooks."""
    assert len(SHIPPED) == 8


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_number_of_a_shipped_rulebook_is_a_labelled_field(path: Path) -> None:
    """Each numeric leaf of the TOML is one field, with its value, a Chinese label naming no slug of a
    class or publication, and a group that is a section or a clause."""
    book, text = load_rulebook(path), path.read_text(encoding="utf-8")
    found = drafting.fields(book, text)
    leaves = numbers(tomllib.loads(text))
    assert {f.path: f.value for f in found} == {k: Decimal(str(v)) for k, v in leaves.items()}
    assert len({f.key for f in found}) == len(found)
    slugs = [*book.model.classes, *book.model.publications]
    for field in found:
        assert CJK.search(field.label), field
        assert not any(slug in field.label for slug in slugs if len(slug) > 3), field
        assert field.group != "其他 other", field


def test_labels_name_publications_classes_and_clauses() -> None:
    """A publication's points, a class's quota and a clause's points by level read as a clerk says them."""
    book, text = shipped("yinchuan-2018")
    labels = {f.path: f.label for f in drafting.fields(book, text)}
    assert labels["publications.yinchuan-zwxx.points.default"] == "《银川政务信息》每条分值"
    assert labels["publications.yinchuan-zwxx.points.brief"] == "《银川政务信息》每条分值（简讯）"
    assert labels["classes.county.quota"] == "县(市)区 季度报送任务数"
    endorsement = next(p for p in labels if p.endswith(".points.city") and p.startswith("clauses"))
    assert labels[endorsement].endswith("分值（市级）")
    band = next(f for f in drafting.fields(*shipped("luohu-open")) if f.path.startswith("grades"))
    assert band.label.startswith("「") and band.group.startswith("考核等次")


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_writing_one_number_back_changes_that_number_and_its_line_only(path: Path) -> None:
    """Each field edited alone: the new TOML differs from the old in one line, keeps its comments, and
    parses to the same data but that one number."""
    book, text = load_rulebook(path), path.read_text(encoding="utf-8")
    editable = drafting.fields(book, text)
    before = numbers(tomllib.loads(text))
    unchanged, faults = drafting.apply(text, editable, {f.path: drafting.shown(f.value) for f in editable})
    assert unchanged == text and faults == {}
    for field in editable:
        new = field.value + (1 if field.value == field.value.to_integral_value() else Decimal("0.5"))
        edited, faults = drafting.apply(text, editable, {field.path: str(new)})
        assert faults == {}
        changed = [(a, b) for a, b in zip(text.splitlines(), edited.splitlines(), strict=True) if a != b]
        assert len(changed) == 1, (field.path, changed)
        assert "#" not in changed[0][0] or "#" in changed[0][1]
        after = numbers(tomllib.loads(edited))
        assert Decimal(str(after.pop(field.path))) == new
        assert after == {k: v for k, v in before.items() if k != field.path}


def test_a_number_out_of_bounds_is_refused_naming_its_field() -> None:
    """A value that is no number is refused by the editor, one past the bounds by parse_rulebook, each
    with the path of its field."""
    book, text = shipped("yinchuan-2018")
    editable = drafting.fields(book, text)
    _, faults = drafting.apply(text, editable, {"classes.county.quota": "九十"})
    assert list(faults) == ["classes.county.quota"] and "须填一个数" in faults["classes.county.quota"]
    given = {"classes.county.quota": "2000000", "publications.yinchuan-zwxx.points.default": "3.12345"}
    edited, faults = drafting.apply(text, editable, given)
    assert faults == {}
    with pytest.raises(RulebookError) as refused:
        parse_rulebook(edited.encode(), "草案 draft")
    found = drafting.faults_of(refused.value)
    assert set(found) == set(given) and all("超出范围" in why for why in found.values())


def test_changes_are_said_in_words() -> None:
    """The draft's changes read `《银川政务信息》每条分值 3 → 4`; numbers added or removed say so."""
    book, text = shipped("yinchuan-2018")
    editable = drafting.fields(book, text)
    given = {"publications.yinchuan-zwxx.points.default": "4", "classes.county.quota": "80", "version": "2"}
    edited, _ = drafting.apply(text, editable, given)
    draft = parse_rulebook(edited.encode(), "draft")
    said = drafting.changes(editable, drafting.fields(draft, edited))
    assert said == ["版本号 1 → 2", "县(市)区 季度报送任务数 90 → 80", "《银川政务信息》每条分值 3 → 4"]
    fewer = edited.replace("points = { default = 4, brief = 1 }", "points = { default = 4 }")
    less = drafting.fields(parse_rulebook(fewer.encode(), "draft"), fewer)
    assert "删除 《银川政务信息》每条分值（简讯）（原为 1）" in drafting.changes(editable, less)


def test_a_draft_keeping_a_published_id_and_version_is_warned() -> None:
    """Same id and version as a published rulebook but other content: a warning suggesting the next
    version; the published text itself, or a new version, no warning."""
    catalogue = Catalogue.load([shipped_directory()])
    book, text = shipped("yinchuan-2018")
    edited, _ = drafting.apply(text, drafting.fields(book, text), {"classes.county.quota": "80"})
    warning = drafting.clash(parse_rulebook(edited.encode(), "draft"), catalogue)
    assert warning is not None and "第1版" in warning and "建议将版本号改为 2" in warning
    assert drafting.clash(book, catalogue) is None
    bumped = edited.replace("version = 1", "version = 2", 1)
    assert drafting.clash(parse_rulebook(bumped.encode(), "draft"), catalogue) is None
    assert drafting.next_version(catalogue, "yinchuan-2018") == 2
    assert drafting.next_version(catalogue, "no-such-family") == 1
