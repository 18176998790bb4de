"""The ledger index: contextual checks of a batch, idempotency, and all-or-nothing admission."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.acts import Act, StoredAct, parse_act
from ledger.errors import BatchRejected
from ledger.index import LedgerIndex
from ledger.rulebooks import Catalogue

CATALOGUE = Catalogue.load()
PUBLICATIONS, ITEMS = CATALOGUE.publications(), CATALOGUE.items()


def act(act_id: str, kind: str, day: str = "2019-03-05", **fields: Any) -> Act:
    return parse_act({"id": act_id, "type": kind, "occurred_on": day, **fields}, 1)


def unit(act_id: str, slug: str = "xingqing", day: str = "2019-01-02") -> Act:
    return act(act_id, "unit.registered", day, unit=slug, name="兴庆区", **{"class": "county"})


def filing(act_id: str, report: str = "R1", slug: str = "xingqing", day: str = "2019-03-01") -> Act:
    return act(act_id, "report.filed", day, unit=slug, report=report, title="银川市政务信息")


def adoption(act_id: str, report: str = "R1", day: str = "2019-03-05", **fields: Any) -> Act:
    return act(
        act_id,
        "report.adopted",
        day,
        report=report,
        **{"publication": "yinchuan-zwxx", "form": "item", **fields},
    )


def void(act_id: str, target: str, day: str = "2019-03-06") -> Act:
    return act(act_id, "event.voided", day, target=target, reason="录入有误")


def numbered(*acts: Act) -> list[tuple[int, Act]]:
    return list(enumerate(acts, start=1))


def state(index: LedgerIndex) -> Any:
    """Everything the index knows, as a comparable copy."""
    keys = ("position", "acts", "voided", "units", "reports", "defines", "located")
    return copy.deepcopy({key: getattr(index, key) for key in keys})


def admitted(*acts: Act) -> LedgerIndex:
    index = LedgerIndex(PUBLICATIONS, ITEMS)
    index.admit(numbered(*acts))
    index.commit(len(acts))
    return index


def rejected(index: LedgerIndex, *acts: Act) -> BatchRejected:
    before = state(index)
    with pytest.raises(BatchRejected) as caught:
        index.admit(numbered(*acts))
    assert state(index) == before
    return caught.value


def test_new_acts_are_admitted_and_an_identical_repeat_is_a_duplicate() -> None:
    """admit answers True for a new act and False for an id already held with the same content."""
    index = LedgerIndex(PUBLICATIONS, ITEMS)
    assert index.admit(numbered(unit("u1"), filing("f1"))) == [True, True]
    index.commit(2)
    assert index.admit(numbered(filing("f1"), adoption("a1"))) == [False, True]
    index.commit(3)
    assert index.position == 3


def test_an_id_reused_with_other_content_is_a_conflict() -> None:
    """The same id with different content is rejected as a conflict naming the line and the id field."""
    index = admitted(unit("u1"), filing("f1"))
    error = rejected(index, adoption("a1"), filing("f1", day="2019-03-02"))
    assert error.conflict
    assert [(e.where, e.field) for e in error.errors] == [(2, "id")]
    assert "第 2 行，字段 id" in str(error)


def test_a_batch_may_repeat_and_reference_its_own_acts() -> None:
    """Later acts of a batch may name earlier ones; an identical repeat within the batch is a duplicate."""
    index = LedgerIndex(PUBLICATIONS, ITEMS)
    batch = numbered(unit("u1"), filing("f1"), adoption("a1"), void("v1", "a1"), unit("u1"))
    assert index.admit(batch) == [True, True, True, True, False]
    conflict = rejected(LedgerIndex(PUBLICATIONS, ITEMS), unit("u1"), unit("u1", slug="jinfeng"))
    assert conflict.conflict


CONTEXT_ERRORS = [
    ("unknown unit", act("x", "commission.missed", unit="jinfeng"), "unit", "unknown unit 'jinfeng'"),
    ("unknown unit of a filing", filing("x", "R2", slug="jinfeng"), "unit", "unknown unit"),
    (
        "unknown unit in units",
        adoption("x", form="combined", units=["xingqing", "jinfeng"]),
        "units",
        "unknown unit",
    ),
    ("unit registered twice", unit("x"), "unit", "already registered"),
    (
        "reclassify unknown unit",
        act("x", "unit.reclassified", unit="jinfeng", **{"class": "zone"}),
        "unit",
        "unknown",
    ),
    ("unknown report", adoption("x", "R9"), "report", "unknown report 'R9'"),
    (
        "endorsement of unknown report",
        act("x", "endorsement.received", report="R9", level="city"),
        "report",
        "unknown",
    ),
    (
        "adoption before filing",
        adoption("x", day="2019-02-28"),
        "occurred_on",
        "before report 'R1' was filed",
    ),
    ("report filed twice", filing("x"), "report", "already filed"),
    ("unknown publication", adoption("x", publication="daily-news"), "publication", "unknown publication"),
    ("void of unknown act", void("x", "nope"), "target", "unknown act 'nope'"),
    ("void of a void", void("x", "v1"), "target", "a void cannot be voided"),
    ("void twice", void("x", "a1"), "target", "already voided"),
]


@pytest.mark.parametrize(
    ("bad", "field", "fragment"), [c[1:] for c in CONTEXT_ERRORS], ids=[c[0] for c in CONTEXT_ERRORS]
)
def test_an_act_out_of_context_rejects_its_batch(bad: Act, field: str, fragment: str) -> None:
    """An act naming what the ledger does not hold is rejected with its line and field; nothing is kept."""
    index = admitted(unit("u1"), filing("f1"), adoption("a1"), void("v1", "a1"))
    error = rejected(index, act("ok", "commission.missed", unit="xingqing"), bad)
    assert not error.conflict
    assert [(e.where, e.field) for e in error.errors] == [(2, field)]
    assert f"第 2 行，字段 {field}" in str(error) and fragment in str(error)


def test_a_rejected_batch_lists_every_bad_act_and_its_ids_may_be_reused() -> None:
    """Every bad act is reported; afterwards a good batch reusing the rejected ids is admitted."""
    index = admitted(unit("u1"))
    error = rejected(index, filing("f1"), adoption("a1", "R9"), void("v1", "f1"), void("v2", "zz"))
    assert [(e.where, e.field) for e in error.errors] == [(2, "report"), (4, "target")]
    assert index.admit(numbered(filing("f1", "R2"), adoption("a1", "R2"), void("v1", "a1"))) == [True] * 3


def test_many_errors_are_summarised() -> None:
    """A batch with more than twenty bad acts shows the first twenty and counts the rest."""
    index = LedgerIndex(PUBLICATIONS, ITEMS)
    error = rejected(index, *(adoption(f"a{i}", "R9") for i in range(25)))
    assert len(error.errors) == 25
    assert str(error).startswith("25 处错误，未存入任何行为（25 bad act(s); nothing was stored）：")
    assert str(error).endswith("另有 5 处错误未列出 (... and 5 more)")


def test_rollback_forgets_an_admitted_batch_the_store_refused() -> None:
    """After admit, rollback returns the index to its state before the batch."""
    index = admitted(unit("u1"), filing("f1"))
    before = state(index)
    index.admit(numbered(void("v1", "f1"), filing("f2"), unit("u2", "jinfeng")))
    index.rollback()
    assert state(index) == before


def test_voiding_a_filing_frees_its_report_id() -> None:
    """After its filing is voided a report is unknown, and the same report id may be filed again."""
    index = admitted(unit("u1"), filing("f1"), void("v1", "f1"))
    rejected(index, adoption("a1"))
    assert index.admit(numbered(filing("f2", day="2019-04-01"), adoption("a1", day="2019-04-02"))) == [
        True,
        True,
    ]
    assert index.reports["R1"].act_id == "f2"


def test_voiding_a_registration_unregisters_the_unit() -> None:
    """A voided registration leaves the unit unknown until it is registered again."""
    index = admitted(unit("u1"), void("v1", "u1"))
    rejected(index, act("x", "commission.missed", unit="xingqing"))
    assert index.admit(numbered(unit("u2"), act("x", "commission.missed", unit="xingqing"))) == [True, True]


def test_folding_stored_acts_recognises_their_duplicates() -> None:
    """A folded stored act is located, sets the position, and an identical resubmission is a duplicate."""
    index = LedgerIndex(PUBLICATIONS, ITEMS)
    fields = {"unit": "xingqing", "name": "兴庆区", "class": "county"}
    index.fold(
        StoredAct(1, "u1", "unit.registered", dt.date(2019, 1, 2), "2019-01-02T00:00:00.000000Z", fields)
    )
    assert (index.position, index.located["u1"]) == (1, (1, "2019-01-02T00:00:00.000000Z"))
    assert index.admit(numbered(unit("u1"))) == [False]
    assert rejected(index, unit("u1", "jinfeng")).conflict


# --- property: a rejected batch never leaves a trace -------------------------------------------

IDS = [f"e{i}" for i in range(8)]
TARGETS = ["u0", "f0", *IDS]
UNITS = ["xingqing", "jinfeng"]
REPORTS = ["R1", "R2"]
DAYS = ["2019-03-01", "2019-03-05", "2019-03-09"]


@st.composite
def acts(draw: st.DrawFn) -> Act:
    day = draw(st.sampled_from(DAYS))
    units, reports = st.sampled_from(UNITS), st.sampled_from(REPORTS)
    kind, fields = draw(
        st.one_of(
            st.tuples(
                st.just("unit.registered"),
                st.fixed_dictionaries({"unit": units, "name": st.just("区"), "class": st.just("county")}),
            ),
            st.tuples(
                st.just("report.filed"),
                st.fixed_dictionaries(
                    {"unit": units, "report": reports, "title": st.sampled_from(["甲", "乙"])}
                ),
            ),
            st.tuples(
                st.just("report.adopted"),
                st.fixed_dictionaries(
                    {
                        "report": reports,
                        "publication": st.sampled_from(["yinchuan-zwxx", "nowhere"]),
                        "form": st.just("item"),
                    }
                ),
            ),
            st.tuples(st.just("commission.missed"), st.fixed_dictionaries({"unit": units})),
            st.tuples(
                st.just("event.voided"),
                st.fixed_dictionaries({"target": st.sampled_from(TARGETS), "reason": st.just("错")}),
            ),
        )
    )
    return act(draw(st.sampled_from(IDS)), kind, day, **fields)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(acts(), min_size=1, max_size=3), min_size=1, max_size=10))
def test_rejected_batches_never_change_the_index(batches: list[list[Act]]) -> None:
    """Over random batches, a rejected one leaves the index unchanged, so only accepted batches count."""
    accepted: list[list[Act]] = [[unit("u0"), filing("f0")]]
    index, position = admitted(*accepted[0]), 2
    for batch in batches:
        before = state(index)
        try:
            fresh = index.admit(numbered(*batch))
        except BatchRejected:
            assert state(index) == before
            continue
        position += sum(fresh)
        index.commit(position)
        accepted.append(batch)
    replay = LedgerIndex(PUBLICATIONS, ITEMS)
    for batch in accepted:  # the starting history, then only the accepted batches
        replay.admit(numbered(*batch))
        replay.commit(position)
    assert state(replay) == state(index)


def test_a_short_list_of_items_is_given_whole_when_an_item_is_unknown() -> None:
    """With few items, the error for an unknown one lists them all; the index is left unchanged."""
    index = LedgerIndex(PUBLICATIONS, {"1.1": ["violation.recorded"], "1.2": ["violation.recorded"]})
    index.admit(numbered(unit("u1")))
    before = state(index)
    find = act("v1", "violation.recorded", unit="xingqing", item="1.9x")
    with pytest.raises(BatchRejected) as caught:
        index.admit(numbered(find))
    assert str(caught.value.errors[0]) == (
        "第 1 行，字段 item：未知的考核项目 '1.9x'（可用的项目：1.1、1.2）(unknown item)"
    )
    assert state(index) == before
