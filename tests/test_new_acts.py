"""The acts the assessed-work rulebooks need: tasks, posts, violations, merits and exemptions, checked
for shape and in context like every other act (the line and field named, nothing stored)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import pytest

from ledger.errors import BatchRejected
from ledger.services import Ledger

Act = dict[str, Any]
Make = Callable[..., Act]
DAY = "2018-03-01"

VALID: dict[str, Act] = {
    "task.assigned": {
        "unit": "yanfeng",
        "task": "HY-2018-07",
        "item": "hy-online-services",
        "title": "政务服务事项标准化梳理",
        "points": 20,
        "due_on": "2018-06-30",
        "required": 120,
    },
    "task.completed": {"task": "HY-2018-07", "amount": 96.5},
    "post.published": {"unit": "yanfeng", "title": "雁峰区召开政务公开工作推进会"},
    "violation.recorded": {"unit": "yanfeng", "item": "xw-5.6-typo-serious", "reason": "严重错敏字"},
    "merit.recorded": {"unit": "yanfeng", "item": "xw-4.1-interpretation", "points": 1.5},
    "item.exempted": {"unit": "yanfeng", "item": "hy-hotline", "reason": "不是12345政府服务热线单位"},
}


def registration() -> Act:
    return {"id": "reg", "type": "unit.registered", "occurred_on": "2018-01-01", "unit": "yanfeng",
            "name": "雁峰区", "class": "county"}  # fmt: skip


def valid(kind: str, day: str = DAY, **changes: Any) -> Act:
    """A valid act of `kind` with some fields changed (a value of None removes the field)."""
    out: Act = {"id": f"{kind}-1", "type": kind, "occurred_on": day, **VALID[kind]}
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def stored(ledger: Ledger) -> list[str]:
    return [a.id for a in ledger.store.read()]


def refused(ledger: Ledger, batch: list[Act]) -> BatchRejected:
    before = stored(ledger)
    with pytest.raises(BatchRejected) as caught:
        ledger.append(batch)
    assert stored(ledger) == before
    return caught.value


def test_every_new_act_type_is_stored_with_its_fields_intact(sqlite_ledger: Ledger) -> None:
    """A registered unit's task, completion, post, violation, merit and exemption are stored as given."""
    sqlite_ledger.append([registration(), *(valid(kind) for kind in VALID)])
    acts = {a.type: a for a in sqlite_ledger.store.read()}
    for kind, fields in VALID.items():
        assert dict(acts[kind].fields) == fields


@pytest.mark.parametrize(
    ("kind", "changes", "field", "fragment"),
    [
        ("task.assigned", {"task": None}, "task", "is missing"),
        ("task.assigned", {"item": ""}, "item", "must not be empty"),
        ("task.assigned", {"title": None}, "title", "is missing"),
        ("task.assigned", {"points": None}, "points", "is missing"),
        ("task.assigned", {"points": "20"}, "points", "must be a number, not a string"),
        ("task.assigned", {"points": True}, "points", "must be a number, not a boolean"),
        ("task.assigned", {"points": 0}, "points", "greater than 0"),
        ("task.assigned", {"points": -5}, "points", "greater than 0"),
        ("task.assigned", {"points": 1001}, "points", "at most 1000"),
        ("task.assigned", {"points": float("inf")}, "points", "finite"),
        ("task.assigned", {"points": 0.00001}, "points", "at most 4 decimals"),
        ("task.assigned", {"due_on": "2018-6-30"}, "due_on", "ISO date"),
        ("task.assigned", {"due_on": "2018-02-30"}, "due_on", "not a calendar date"),
        ("task.assigned", {"due_on": "2018-02-28"}, "due_on", "截止日 2018-02-28 早于任务下达日 2018-03-01"),
        ("task.assigned", {"required": 0}, "required", "greater than 0"),
        ("task.assigned", {"required": [120]}, "required", "must be a number, not a list"),
        ("task.assigned", {"deadline": "2018-06-30"}, "deadline", "is not a field of task.assigned"),
        ("task.completed", {"task": None}, "task", "is missing"),
        ("task.completed", {"amount": -1}, "amount", "greater than 0"),
        ("task.completed", {"amount": "96.5"}, "amount", "must be a number"),
        ("post.published", {"title": None}, "title", "is missing"),
        ("post.published", {"unit": "Yanfeng"}, "unit", "must be a slug"),
        ("post.published", {"title": "动态\u2028"}, "title", "control characters"),
        ("violation.recorded", {"item": None}, "item", "is missing"),
        ("violation.recorded", {"points": 0}, "points", "greater than 0"),
        ("violation.recorded", {"reason": 5}, "reason", "must be a string"),
        ("merit.recorded", {"unit": None}, "unit", "is missing"),
        ("merit.recorded", {"points": {"value": 1}}, "points", "must be a number, not an object"),
        ("item.exempted", {"reason": None}, "reason", "is missing"),
        ("item.exempted", {"item": "x" * 129}, "item", "at most 128 characters"),
    ],
)
def test_a_malformed_new_act_is_refused_naming_its_line_and_field(
    sqlite_ledger: Ledger, kind: str, changes: dict[str, Any], field: str, fragment: str
) -> None:
    """A bad field of a new act rejects the batch, naming the act's line and the field; nothing is stored."""
    error = refused(sqlite_ledger, [registration(), valid(kind, **changes)])
    assert [(e.where, e.field) for e in error.errors] == [(2, field)]
    assert f"第 2 行，字段 {field}" in str(error) and fragment in str(error), str(error)


CONTEXT = [
    ("task of an unknown unit", [valid("task.assigned", unit="zhuhui")], "unit", "unknown unit 'zhuhui'"),
    ("post of an unknown unit", [valid("post.published", unit="zhuhui")], "unit", "unknown unit"),
    ("violation of an unknown unit", [valid("violation.recorded", unit="zhuhui")], "unit", "unknown unit"),
    ("merit of an unknown unit", [valid("merit.recorded", unit="zhuhui")], "unit", "unknown unit"),
    ("exemption of an unknown unit", [valid("item.exempted", unit="zhuhui")], "unit", "unknown unit"),
    ("completion of an unknown task", [valid("task.completed")], "task", "unknown task 'HY-2018-07'"),
    (
        "completion before the assignment",
        [valid("task.assigned"), valid("task.completed", "2018-02-27")],
        "occurred_on",
        "2018-02-27 is before task 'HY-2018-07' was assigned (2018-03-01)",
    ),
    (
        "a task assigned twice",
        [valid("task.assigned"), valid("task.assigned", id="again", title="另一任务")],
        "task",
        "already assigned",
    ),
    (
        "a task completed twice",
        [valid("task.assigned"), valid("task.completed"), valid("task.completed", "2018-04-01", id="c2")],
        "task",
        "already completed (void that completion first)",
    ),
    (
        "no amount for a task that requires one",
        [valid("task.assigned"), valid("task.completed", amount=None)],
        "amount",
        "requires an amount of 120",
    ),
    (
        "an amount for a task that requires none",
        [valid("task.assigned", required=None), valid("task.completed")],
        "amount",
        "sets no required amount",
    ),
    (
        "voiding an assignment that has a completion",
        [
            valid("task.assigned"),
            valid("task.completed"),
            {
                "id": "v",
                "type": "event.voided",
                "occurred_on": DAY,
                "target": "task.assigned-1",
                "reason": "错",
            },
        ],
        "target",
        "has a completion ('task.completed-1'); void it first",
    ),
]


@pytest.mark.parametrize(
    ("batch", "field", "fragment"), [c[1:] for c in CONTEXT], ids=[c[0] for c in CONTEXT]
)
def test_a_new_act_out_of_context_rejects_its_batch(
    sqlite_ledger: Ledger, batch: list[Act], field: str, fragment: str
) -> None:
    """An act naming an unknown unit or task, or out of order with its task, is refused where it stands."""
    sqlite_ledger.append([registration()])
    error = refused(sqlite_ledger, batch)
    assert [(e.where, e.field) for e in error.errors] == [(len(batch), field)]
    assert f"第 {len(batch)} 行，字段 {field}" in str(error) and fragment in str(error), str(error)


MISSPELT = [
    ("task.assigned", "hy-online-service"),
    ("violation.recorded", "xw-5.6-typo-seriuos"),
    ("merit.recorded", "xw-4.1-interpretaton"),
    ("item.exempted", "hy-hotlines"),
]


@pytest.mark.parametrize(("kind", "item"), MISSPELT, ids=[kind for kind, _ in MISSPELT])
def test_an_act_naming_an_item_no_rulebook_has_is_refused(ledger: Ledger, kind: str, item: str) -> None:
    """A misspelt item is refused on its line and field, naming the nearest items; the head does not move."""
    ledger.append([registration()])
    head = ledger.store.head()
    error = refused(ledger, [valid("post.published"), valid(kind, item=item)])
    assert [(e.where, e.field) for e in error.errors] == [(2, "item")]
    meant = VALID[kind]["item"]
    assert f"第 2 行，字段 item：未知的考核项目 {item!r}（最接近的：{meant}" in str(error), str(error)
    assert "个项目）" in str(error)
    assert ledger.store.head() == head


def test_items_of_every_rulebook_are_accepted_and_a_veto_takes_only_violations(ledger: Ledger) -> None:
    """Items of the Luohu, Ningde and Yingdong rulebooks are stored; a veto clause takes a violation, and a
    merit naming it is refused (a veto is fed by violations only)."""
    ledger.append([registration()])
    ledger.append(
        [
            valid("violation.recorded", id="lh", item="lh-5.3-procedure"),
            valid("merit.recorded", id="nd", item="nd-3.2-bonus", points=1),
            valid("item.exempted", id="yd", item="yd-3-standard"),
            valid("violation.recorded", id="veto", item="xw-5.1-secrets", reason="泄密"),
        ]
    )
    assert stored(ledger)[-4:] == ["lh", "nd", "yd", "veto"]
    error = refused(ledger, [valid("merit.recorded", id="m", item="xw-5.1-secrets")])
    assert str(error.errors[0]) == (
        "第 1 行，字段 item：考核项目 'xw-5.1-secrets' 只接受 violation.recorded，不接受 merit.recorded "
        "(item 'xw-5.1-secrets' is fed by violation.recorded only, not merit.recorded)"
    )


def test_a_file_naming_an_unknown_item_is_refused_by_line(ledger: Ledger) -> None:
    """Imported as JSON Lines, the line naming an unknown item is named; nothing of the file is stored."""
    lines = [registration(), valid("post.published"), valid("violation.recorded", item="xw-5.6")]
    with pytest.raises(BatchRejected) as caught:
        ledger.import_lines(orjson.dumps(line) for line in lines)
    assert [(e.where, e.field) for e in caught.value.errors] == [(3, "item")]
    assert "未知的考核项目 'xw-5.6'" in str(caught.value)
    assert stored(ledger) == []


def test_voids_free_a_completion_and_then_its_assignment(sqlite_ledger: Ledger) -> None:
    """Voiding a completion lets the task be completed again; voiding the assignment frees its task id."""
    sqlite_ledger.append([registration(), valid("task.assigned"), valid("task.completed")])
    void = {"type": "event.voided", "occurred_on": DAY, "reason": "录入有误"}
    sqlite_ledger.append([{**void, "id": "v1", "target": "task.completed-1"}])
    sqlite_ledger.append([valid("task.completed", "2018-05-01", id="c2", amount=120)])
    sqlite_ledger.append(
        [{**void, "id": "v2", "target": "c2"}, {**void, "id": "v3", "target": "task.assigned-1"}]
    )
    sqlite_ledger.append([valid("task.assigned", "2018-04-01", id="a2", required=None)])
    assert stored(sqlite_ledger)[-1] == "a2"


def test_a_file_of_new_acts_names_every_bad_line(sqlite_ledger: Ledger) -> None:
    """Imported as JSON Lines, each bad new act is named by its line number, those of the wrong shape and
    those the ledger refuses alike, in one run; the file is refused whole."""
    lines = [
        registration(),
        valid("post.published"),
        valid("merit.recorded", points=-1.5),
        valid("task.assigned"),
        valid("task.completed", "2018-02-01"),
    ]
    with pytest.raises(BatchRejected) as caught:
        sqlite_ledger.import_lines(orjson.dumps(line) for line in lines)
    assert [(e.where, e.field) for e in caught.value.errors] == [(3, "points"), (5, "occurred_on")]
    assert stored(sqlite_ledger) == []
    with pytest.raises(BatchRejected) as caught:
        sqlite_ledger.import_lines(orjson.dumps(line) for line in [*lines[:2], *lines[3:]])
    assert [(e.where, e.field) for e in caught.value.errors] == [(4, "occurred_on")]
    assert stored(sqlite_ledger) == []
