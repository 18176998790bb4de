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
from ledger.characters import FILLERS, HIDDEN, INVISIBLE_IN_IDS, describe, visible
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
    check of text (isprintable, then FILLERS) refuses what a full HIDDEN search would."""
    printable_hidden = {ch for ch in ALL if HIDDEN.match(ch) and ch.isprintable()}
    assert printable_hidden == {ch for ch in ALL if FILLERS.match(ch)}
    assert not any(HIDDEN.match(ch) for ch in ALL if ch.isascii() and ch.isprintable())


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


LOOKALIKES = "\u202a\u202e\u2066\u2069\u200b\u200c\u200d\u200e\u200f\ufeff\u00ad\u2060\u3164 \u3000e\u0301"
TEXT = st.text(st.one_of(st.characters(codec="utf-8"), st.sampled_from(LOOKALIKES)), max_size=30)


@settings(max_examples=1500, deadline=None)
@given(id_=TEXT, title=TEXT)
def test_any_id_and_title_are_refused_by_name_or_kept_exactly(id_: str, title: str) -> None:
    """Any string as an id and a title: an ActError naming the field, or an act holding exactly those
    strings; a title is refused for what it hides exactly when `visible` would change it."""
    act = {"id": id_, "type": "report.filed", "occurred_on": "2019-07-03", "unit": "xingqing",
           "report": "R-1", "title": title}  # fmt: skip
    try:
        parsed = parse_act(act, 1)
    except ActError as e:
        assert e.field in ("id", "title") and e.message
        if e.field == "title" and title.strip() and len(title) <= 2000:
            assert visible(title) != title
        return
    assert (parsed.id, parsed.fields["title"]) == (id_, title)
    assert visible(title) == title
    assert unicodedata.is_normalized("NFC", id_)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=TEXT)
def test_any_title_is_refused_by_name_or_stored_and_read_back_byte_identical(
    sqlite_ledger: Ledger, title: str
) -> None:
    """Through a real store: a title is refused naming the field with the store unchanged, or stored and
    read back with the same bytes."""
    store = sqlite_ledger.store
    if not store.head()[0]:
        sqlite_ledger.append([{"id": "u", "type": "unit.registered", "occurred_on": "2019-01-01",
                               "unit": "xingqing", "name": "兴庆区", "class": "county"}])  # fmt: skip
    head = store.head()
    act = {"type": "report.filed", "occurred_on": "2019-07-03", "unit": "xingqing",
           "report": f"R-{head[0]}", "title": title}  # fmt: skip
    try:
        (receipt,) = sqlite_ledger.append([act])
    except BatchRejected as e:
        assert [x.field for x in e.errors] == ["title"]
        assert store.head() == head
        return
    (stored,) = [a for a in store.read() if a.id == receipt.id]
    assert stored.fields["title"].encode() == title.encode()
