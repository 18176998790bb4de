"""Property-based tests (hypothesis) of the two parsers that take outside input: acts and rulebooks.
Whatever they are given, they answer with the ledger's own clear error or a valid value, never a crash."""

from __future__ import annotations

import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.acts import VOCABULARY, parse_act
from ledger.errors import ActError, RulebookError
from ledger.rulebooks import parse_rulebook, shipped_directory

TRIED = {"acts": 0, "rulebooks": 0}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
odd_text = st.text(alphabet=string.printable + "兴庆区\x00\u2028")
field_names = st.sampled_from(sorted({f for spec in VOCABULARY.values() for f in spec} | {"id", "x"}))
acts = st.fixed_dictionaries(
    {"type": st.sampled_from([*VOCABULARY, "bogus"]), "occurred_on": st.sampled_from(
        ["2019-07-03", "2019-02-30", "1900-01-01", "2019-7-3", "", "２０１９-01-01"])},
).flatmap(
    lambda base: st.dictionaries(field_names, json_values | odd_text, max_size=6).map(
        lambda extra: {**base, **extra}
    )
)  # fmt: skip


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(raw=st.one_of(acts, json_values))
def test_act_parser_answers_any_json_with_an_act_or_a_named_error(raw: Any) -> None:
    """Any JSON value is either a valid act (which re-parses to itself) or an ActError naming the line."""
    TRIED["acts"] += 1
    try:
        act = parse_act(raw, 7)
    except ActError as e:
        assert e.where == 7 and e.message
        assert str(e).startswith("第 7 行")
        return
    again = parse_act({"id": act.id, "type": act.type, "occurred_on": act.occurred_on.isoformat(),
                       **act.fields}, 7)  # fmt: skip
    assert again == act._replace(id_given=True)  # an act without an id is given one: the same act, named


MANGLES = [
    "\n[x]\n",
    '= "',
    "\x00",
    "include = 'other.toml'\n",
    "__import__('os')",
    "met = 1e999\n",
    '\n[[clauses]]\nkind = "adoption"\n',
    "version = -1\n",
    "\ufeff",
]
SHIPPED = (shipped_directory() / "yinchuan-2018.toml").read_text(encoding="utf-8")


@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    cut=st.integers(min_value=0, max_value=len(SHIPPED)),
    insert=st.sampled_from(MANGLES),
)
def test_rulebook_loader_answers_any_text_with_a_rulebook_or_a_named_error(cut: int, insert: str) -> None:
    """A shipped rulebook mangled at any point loads or gets a RulebookError naming the source; an
    `include` or code-like value is only ever data, refused as an unknown key or kept as text."""
    TRIED["rulebooks"] += 1
    text = SHIPPED[:cut] + insert + SHIPPED[cut:]
    try:
        book = parse_rulebook(text.encode("utf-8"), "draft.toml")
    except RulebookError as e:
        assert str(e).startswith("draft.toml: ")
        return
    assert book.id == "yinchuan-2018"


@pytest.mark.parametrize("blob", [b"\xff\xfe\x00", b"a = 1\n" * 10, b"", bytes(range(256))])
def test_rulebook_loader_refuses_binary_and_empty(blob: bytes) -> None:
    """Bytes that are not a rulebook are refused with a message naming the source."""
    with pytest.raises(RulebookError, match=r"^blob: "):
        parse_rulebook(blob, "blob")


def test_property_cases_ran() -> None:
    """The property tests above tried their cases (the counts go to RELIABILITY.md)."""
    print(f"\nproperties: {TRIED['acts']} act inputs, {TRIED['rulebooks']} rulebook texts tried")
    assert TRIED["acts"] >= 1000 and TRIED["rulebooks"] >= 300
