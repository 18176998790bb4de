"""Characters that hide or look alike: what the ledger refuses in ids and text, and how it shows them.

Ids (act, report, task and item ids, void targets) are matched byte for byte, so two ids that look the
same must be the same: an id must be in Unicode normal form NFC and hold only visible characters (no
control, format, private-use, unassigned or default-ignorable code point, no space but U+0020, and not at
either end). It is refused, not normalised, so that an id stays exactly what its client sent and a retry
or a reference never changes meaning.

Free text (names, titles, reasons) is kept as sent, in whatever normal form: the ledger never matches on
it, and NFC would rewrite CJK compatibility ideographs (U+F900-U+FAFF) into other characters. It may not
hold controls, line separators, format characters (bidi embeddings, overrides, isolates and marks,
zero-width spaces, word joiners, U+FEFF, the soft hyphen, ...) or the invisible fillers, except the
zero-width joiner and non-joiner (and the Mongolian vowel separator) inside a word of a script that needs
them: between two letters or marks neither ASCII nor East Asian wide. Chinese needs none of them.
Variation selectors are kept in text (ideographic variants, emoji presentation).

Text recorded before these rules (an old export, a ledger of an earlier version) may still hold such
characters: `visible` shows each as `<U+XXXX>`, and every page, bulletin, table and CSV goes through it.
"""

from __future__ import annotations

import re
import unicodedata

# Format characters (Cf) and the other default-ignorable code points, as of Unicode 15
# (tests/test_characters.py checks the list against the running Python's Unicode database).
_FORMAT = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e00ff\U000e01f0-\U000e0fff"
)
_FILLERS = "\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0"  # invisible, though letters or marks
_UNASSIGNED = "\ufff0-\ufff8"  # default-ignorable, reserved
_SELECTORS = "\u180b-\u180d\u180f\ufe00-\ufe0f\U000e0100-\U000e01ef"  # variation selectors
_CONTROL = "\x00-\x1f\x7f-\x9f\u2028\u2029"  # C0, DEL, C1 and Unicode line breaks
_CONTROL_BUT_LAYOUT = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029"  # all but tab, LF and CR
_SURROGATE = "\ud800-\udfff"

CONTROL = re.compile(f"[{_CONTROL}]")
# refused in text (joiners aside) and shown escaped:
HIDDEN = re.compile(f"[{_CONTROL}{_FORMAT}{_FILLERS}{_UNASSIGNED}{_SURROGATE}]")
HIDDEN_BUT_LAYOUT = re.compile(f"[{_CONTROL_BUT_LAYOUT}{_FORMAT}{_FILLERS}{_UNASSIGNED}{_SURROGATE}]")
FILLERS = re.compile(f"[{_FILLERS}]")  # what HIDDEN finds that str.isprintable() passes
INVISIBLE_IN_IDS = re.compile(f"[{_FORMAT}{_FILLERS}{_SELECTORS}]")
INVISIBLE_BUT_PRINTABLE = re.compile(f"[{_FILLERS}{_SELECTORS}]")  # what isprintable() passes of those
JOINERS = frozenset("\u200c\u200d\u180e")  # ZWNJ, ZWJ, Mongolian vowel separator

MARK = "<U+{:04X}>"


def visible(text: str, mark: str = MARK, *, layout: bool = False) -> str:
    """`text` with every character the ledger would refuse in text shown as `<U+XXXX>` (or `mark`);
    with `layout`, tab, line feed and carriage return are left as they are (HTML, where they are spaces)."""
    hidden = HIDDEN_BUT_LAYOUT if layout else HIDDEN
    if not hidden.search(text):
        return text
    return hidden.sub(lambda m: m[0] if _joins(text, m.start()) else mark.format(ord(m[0])), text)


def describe(ch: str) -> str:
    """A character as U+XXXX and its Unicode name, e.g. `U+202E RIGHT-TO-LEFT OVERRIDE`."""
    code = f"U+{ord(ch):04X}"
    name = unicodedata.name(ch, "")
    return f"{code} {name}" if name else f"{code} <{unicodedata.category(ch)}>"


class Refused(ValueError):
    """A character rule of this module: new acts must meet it; acts restored from an export keep what
    they were recorded with."""


def check_text(value: str) -> None:
    """Raise Refused naming the first hidden character of free text and its position (from 1)."""
    for m in HIDDEN.finditer(value):
        if not _joins(value, m.start()):
            raise Refused(refusal(m[0], m.start()))


def seen_as_sent(value: str) -> bool:
    """True when an id that str.isprintable() passes holds nothing invisible and is in NFC (the common
    case of a non-ASCII id, answered without looking at each character in Python)."""
    return not INVISIBLE_BUT_PRINTABLE.search(value) and unicodedata.is_normalized("NFC", value)


def check_id(value: str) -> None:
    """Raise Refused when an id has a space at an end, a character that is not visible, or is not NFC."""
    if value[0] == " " or value[-1] == " ":
        raise Refused("不得以空格开头或结尾 (must not begin or end with a space)")
    if value.isascii():
        return  # ASCII is NFC, and CONTROL has been checked
    for place, ch in enumerate(value):
        if ch != " " and (unicodedata.category(ch)[0] in "CZ" or INVISIBLE_IN_IDS.match(ch)):
            raise Refused(refusal(ch, place, "编号中"))
    if not unicodedata.is_normalized("NFC", value):
        raise Refused(_not_nfc(value))


def refusal(ch: str, place: int, scope: str = "") -> str:
    """Why `ch` at `place` (from 0) is refused, in Chinese with a short English label."""
    category = unicodedata.category(ch)
    if CONTROL.match(ch):
        what, english = "控制字符", "control characters"
    elif category == "Cs":
        what, english = "代理码位（非有效字符）", "surrogate code points"
    elif category == "Cf" or HIDDEN.match(ch) or INVISIBLE_IN_IDS.match(ch):
        what, english = "不可见的格式或方向控制字符", "invisible or direction-control characters"
    elif category == "Co":
        what, english = "私用区字符", "private-use characters"
    elif category == "Cn":
        what, english = "未分配的码位", "unassigned code points"
    else:
        what, english = "空格以外的空白字符", "whitespace other than U+0020"
    return (
        f"{scope}不得含有{what}：第{place + 1}个字符 {describe(ch)} "
        f"(must not contain {english}: {describe(ch)} at position {place + 1})"
    )


def _not_nfc(value: str) -> str:
    nfc = unicodedata.normalize("NFC", value)
    start = next((i for i, (a, b) in enumerate(zip(value, nfc, strict=False)) if a != b), 0)
    end_sent, end_nfc = len(value), len(nfc)
    while end_sent > start and end_nfc > start and value[end_sent - 1] == nfc[end_nfc - 1]:
        end_sent, end_nfc = end_sent - 1, end_nfc - 1
    sent = " ".join(f"U+{ord(c):04X}" for c in value[start:end_sent])
    wanted = " ".join(f"U+{ord(c):04X}" for c in nfc[start:end_nfc])
    return (
        f"不是 Unicode 规范形式 NFC：第{start + 1}个字符起为 {sent}，NFC 形式为 {wanted}；请改发 {nfc!r} "
        f"(must be in Unicode normal form NFC; send {nfc!r})"
    )


def _joins(text: str, place: int) -> bool:
    """A joiner between two letters or marks of a script that needs it (neither ASCII nor wide)."""
    if text[place] not in JOINERS or place == 0 or place == len(text) - 1:
        return False
    return _joinable(text[place - 1]) and _joinable(text[place + 1])


def _joinable(ch: str) -> bool:
    return (
        not ch.isascii()
        and unicodedata.category(ch)[0] in "LM"
        and unicodedata.east_asian_width(ch) not in ("W", "F")
    )
