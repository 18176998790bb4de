"""Characters that hide or look alike: the refused set against Unicode's own tables, `visible`, and any
string through the parser and the store (refused with a named error, or kept byte for byte)."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.acts import parse_act
from ledger.cells import csv_text
from ledger.characters import (
    FILLERS,
    HIDDEN,
    INVISIBLE_BUT_PRINTABLE,
    INVISIBLE_IN_IDS,
    describe,
    visible,
)
from ledger.errors import ActError, BatchRejected
from ledger.services import Ledger

ALL = [chr(c) for c in range(sys.maxunicode + 1)]


def test_every_format_character_of_this_unicode_is_hidden() -> None:
    """Every Cf character of the running Python's Unicode database is refused in ids and, joiners aside,
    in text (the hand-written table is no older than the database)."""
    formats = [ch for ch in ALL if unicodedata.category(ch) == "Cf"]
    assert len(formats) > 150
    missing = [describe(ch) for ch in formats if not HIDDEN.match(ch) or not INVISIBLE_IN_IDS.match(ch)]
    assert missing == []


def test_the_parsers_fast_path_misses_nothing_hidden() -> None:
    """What `str.isprintable` lets through and HIDDEN finds is exactly FILLERS, so the parser's one-pass
    check of text (isprintable, then FILLERS) refuses what a full HIDDEN search would; and isprintable is
    exactly the ids' rule of no C* or Z* character but the space."""
    printable_hidden = {ch for ch in ALL if HIDDEN.match(ch) and ch.isprintable()}
    assert printable_hidden == {ch for ch in ALL if FILLERS.match(ch)}
    assert not any(HIDDEN.match(ch) for ch in ALL if ch.isascii() and ch.isprintable())
    assert all(ch.isprintable() == (unicodedata.category(ch)[0] not in "CZ" or ch == " ") for ch in ALL)
    printable_invisible = {ch for ch in ALL if INVISIBLE_IN_IDS.match(ch) and ch.isprintable()}
    assert printable_invisible == {ch for ch in ALL if INVISIBLE_BUT_PRINTABLE.match(ch)}


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("兴庆区推进老旧小区改造", "兴庆区推进老旧小区改造"),
        ("关于\u202etxt.exe", "关于<U+202E>txt.exe"),
        ("\ufeff标\u200b题\u00ad", "<U+FEFF>标<U+200B>题<U+00AD>"),
        ("a\tb\nc", "a<U+0009>b<U+000A>c"),
        ("兴庆\u200d区", "兴庆<U+200D>区"),
        ("\u0645\u200c\u0646", "\u0645\u200c\u0646"),  # a joiner inside an Arabic-script word is kept
        ("\u200c\u0645", "<U+200C>\u0645"),  # ... but not at the edge of one
        ("\u3164x\U000e0041", "<U+3164>x<U+E0041>"),
        ("葛\U000e0100 ❤\ufe0f\u3000", "葛\U000e0100 ❤\ufe0f\u3000"),  # selectors and spaces are text
    ],
)
def test_visible_shows_what_text_may_not_hold(text: str, shown: str) -> None:
    """`visible` writes each character refused in text as <U+XXXX> and leaves everything else alone."""
    assert visible(text) == shown


def test_visible_in_markup_keeps_layout_whitespace() -> None:
    """For HTML, tab, line feed and carriage return stay (they are spaces there); the rest is shown."""
    assert visible("<p>\n\t兴庆\u202e区</p>\r\n", "&lt;U+{:04X}&gt;", layout=True) == (
        "<p>\n\t兴庆&lt;U+202E&gt;区</p>\r\n"
    )


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("=1+2+cmd|'/C calc'!A0", "'=1+2+cmd|'/C calc'!A0"),
        ("+86 951", "'+86 951"),
        ("-金凤区", "'-金凤区"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "<U+0009>x"),  # a tab is shown first, so nothing is left to neutralise
        ("兴庆区=1", "兴庆区=1"),
        ("\u202e=1", "<U+202E>=1"),
    ],
)
def test_csv_text_neutralises_formula_starts(text: str, cell: str) -> None:
    """A CSV text cell beginning with = + - @ gets a leading '; hidden characters are shown first."""
    assert csv_text(text) == cell


LOOKALIKES = [
    *"\u202a\u202e\u2066\u2069\u200b\u200c\u200d\u200e\u200f\ufeff\u00ad\u2060\u3164 \u3000",
    "e\u0301",
    "\u00e9",
    "\u1100\u1161",
    "\uf900",
    "\u0645\u200c\u0646",
    "兴庆区",
    "XQ-2019-",
]
PIECES = st.one_of(st.characters(codec="utf-8"), st.sampled_from(LOOKALIKES))
TEXT = st.lists(PIECES, max_size=12).map("".join)


def filing(act_id: str = "f-1", title: str = "兴庆区推进老旧小区改造") -> dict[str, str]:
    return {"id": act_id, "type": "report.filed", "occurred_on": "2019-07-03", "unit": "xingqing",
            "report": "R-1", "title": title}  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(id_=TEXT)
def test_any_id_is_refused_by_name_or_kept_exactly(id_: str) -> None:
    """Any string as an id: an ActError naming the field 'id', or an act with exactly that id, which is
    then in NFC, of visible characters, with no space at either end."""
    try:
        parsed = parse_act(filing(act_id=id_), 1)
    except ActError as e:
        assert e.field == "id" and e.message
        return
    assert parsed.id == id_
    assert unicodedata.is_normalized("NFC", id_) and id_ == id_.strip(" ")
    assert not INVISIBLE_IN_IDS.search(id_) and all(
        unicodedata.category(c)[0] not in "CZ" or c == " " for c in id_
    )


@settings(max_examples=1500, deadline=None)
@given(title=TEXT)
def test_any_title_is_refused_by_name_or_kept_exactly(title: str) -> None:
    """Any string as a title: an ActError naming the field 'title', or an act holding exactly that title;
    a title is refused for what it hides exactly when `visible` would change it."""
    try:
        parsed = parse_act(filing(title=title), 1)
    except ActError as e:
        assert e.field == "title" and e.message
        if title.strip() and len(title) <= 2000:
            assert visible(title) != title
        return
    assert parsed.fields["title"] == title
    assert visible(title) == title


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(id_=TEXT, title=TEXT)
def test_any_id_and_title_are_refused_by_name_or_stored_and_read_back_byte_identical(
    ledger: Ledger, id_: str, title: str
) -> None:
    """Through a real store, on SQLite and PostgreSQL: an act is refused naming the id or the title with
    the store unchanged, or stored and read back with the same bytes (or is the duplicate of one stored)."""
    store = ledger.store
    if not store.head()[0]:
        ledger.append([{"id": "u", "type": "unit.registered", "occurred_on": "2019-01-01",
                        "unit": "xingqing", "name": "兴庆区", "class": "county"}])  # fmt: skip
    head = store.head()
    act = {**filing(act_id=id_, title=title), "report": f"R-{head[0]}"}
    try:
        (receipt,) = ledger.append([act])
    except BatchRejected as e:
        assert [x.field for x in e.errors] in (["id"], ["title"]) or e.conflict
        assert store.head() == head
        return
    (stored,) = [a for a in store.read() if a.id == receipt.id]
    assert stored.id.encode() == id_.encode()
    if receipt.status == "new":
        assert stored.fields["title"].encode() == title.encode()
