"""The act vocabulary: parse_act accepts well-shaped acts and names the line and field of a bad one."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from ledger.acts import VOCABULARY, Act, StoredAct, parse_act, parse_date
from ledger.errors import ActError

DAY = "2019-03-05"

VALID: dict[str, dict[str, Any]] = {
    "unit.registered": {"unit": "xingqing", "name": "兴庆区人民政府办公室", "class": "county"},
    "unit.reclassified": {"unit": "xingqing", "class": "department"},
    "report.filed": {"unit": "xingqing", "report": "R-2019-001", "title": "兴庆区推进“放管服”改革"},
    "report.adopted": {"report": "R-2019-001", "publication": "yinchuan-zwxx", "form": "item"},
    "endorsement.received": {"report": "R-2019-001", "level": "province"},
    "report.excellent": {"report": "R-2019-001"},
    "late_report.notified": {"unit": "xingqing", "notifier": "city", "severity": "late"},
    "commission.missed": {"unit": "xingqing"},
    "criticism.notified": {"unit": "xingqing", "notifier": "region"},
    "event.voided": {"target": "a-1", "reason": "录入错误，予以更正"},
    "task.assigned": {"unit": "xingqing", "task": "T-2019-01", "item": "hy-website", "title": "IPv6改造",
                      "points": 20, "due_on": "2019-06-30", "required": 120},
    "task.completed": {"task": "T-2019-01", "amount": 96.5},
    "post.published": {"unit": "xingqing", "title": "兴庆区召开政务公开推进会"},
    "violation.recorded": {"unit": "xingqing", "item": "xw-1.10-website", "points": 1.5,
                           "reason": "栏目维护不及时"},
    "merit.recorded": {"unit": "xingqing", "item": "xw-4.1-interpretation"},
    "item.exempted": {"unit": "xingqing", "item": "hy-hotline", "reason": "不是12345政府服务热线单位"},
}  # fmt: skip


def raw(kind: str, day: str = DAY, **changes: Any) -> dict[str, Any]:
    """A valid act of `kind` with some fields changed (a value of None removes the field)."""
    out: dict[str, Any] = {"id": f"{kind}-1", "type": kind, "occurred_on": day, **VALID[kind]}
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def test_the_table_of_valid_acts_covers_the_whole_vocabulary() -> None:
    """Every act type the ledger knows has a valid example in this file."""
    assert set(VALID) == set(VOCABULARY)


@pytest.mark.parametrize("kind", sorted(VALID))
def test_a_well_formed_act_of_every_type_is_accepted_with_its_fields_intact(kind: str) -> None:
    """A valid act keeps its id, type, date and fields exactly, Chinese text included."""
    act = parse_act(raw(kind), 1)
    assert (act.id, act.type, act.occurred_on, act.id_given) == (f"{kind}-1", kind, dt.date(2019, 3, 5), True)
    assert dict(act.fields) == VALID[kind]


def test_an_act_without_an_id_gets_a_fresh_uuid() -> None:
    """When no id is given, each parse generates a distinct UUID and notes that the id was not given."""
    first, second = (
        parse_act(raw("commission.missed", id=None), 1),
        parse_act(raw("commission.missed", id=None), 1),
    )
    assert uuid.UUID(first.id) and uuid.UUID(second.id)
    assert first.id != second.id
    assert not first.id_given


def test_optional_fields_may_be_given_or_left_out() -> None:
    """A late-report notice may name its report; a combined adoption lists its credited units."""
    late = parse_act(raw("late_report.notified", report="R-1"), 1)
    combined = parse_act(raw("report.adopted", form="combined", units=["xingqing", "jinfeng"]), 1)
    assert late.fields["report"] == "R-1"
    assert combined.fields["units"] == ["xingqing", "jinfeng"]


def test_content_ignores_the_id_and_key_order_but_not_any_value() -> None:
    """Idempotency compares type, date and fields canonically; the id and key order do not matter."""
    base = parse_act(raw("report.filed"), 1)
    reordered = parse_act(dict(reversed(list(raw("report.filed", id="other").items()))), 9)
    assert base.content() == reordered.content()
    assert base.content() != parse_act(raw("report.filed", title="另一标题"), 1).content()
    assert base.content() != parse_act(raw("report.filed", day="2019-03-06"), 1).content()


def test_the_date_range_is_inclusive() -> None:
    """The first and last accepted dates are accepted; ids and texts at their length limits are too."""
    assert parse_act(raw("commission.missed", day="1949-10-01"), 1).occurred_on == dt.date(1949, 10, 1)
    assert parse_act(raw("commission.missed", day="2099-12-31"), 1).occurred_on == dt.date(2099, 12, 31)
    assert len(parse_act(raw("commission.missed", id="i" * 128), 1).id) == 128
    assert len(parse_act(raw("report.filed", title="题" * 2000), 1).fields["title"]) == 2000


def test_parse_date_reads_iso_calendar_dates_only() -> None:
    """parse_date returns the date of YYYY-MM-DD and refuses anything else with a reason."""
    assert parse_date("2019-02-28") == dt.date(2019, 2, 28)
    for bad in ("2019-02-30", "2019-2-28", "28/02/2019", "2019-02-28T00:00", 20190228, None):
        with pytest.raises(ValueError):
            parse_date(bad)


BAD: list[tuple[str, Any, str | None, str]] = [
    # (case, submitted value, field the error names, part of its message)
    ("list line", [1, 2], None, "行为应为 JSON 对象，而不是列表"),
    ("string line", "report.filed", None, "行为应为 JSON 对象，而不是字符串"),
    ("null line", None, None, "行为应为 JSON 对象，而不是空值 null"),
    ("missing type", raw("commission.missed", type=None), "type", "is missing"),
    ("unknown type", raw("commission.missed", type="report.deleted"), "type", "unknown act type"),
    ("type is a list", raw("commission.missed", type=["commission.missed"]), "type", "unknown act type"),
    ("type is an object", raw("commission.missed", type={"a": 1}), "type", "unknown act type"),
    ("extra field", raw("commission.missed", colour="red"), "colour", "is not a field of commission.missed"),
    ("client recorded_at", raw("commission.missed", recorded_at="2019-01-01"), "recorded_at", "not a field"),
    ("client position", raw("commission.missed", position=1), "position", "not a field"),
    ("field of another type", raw("report.excellent", unit="xingqing"), "unit", "not a field"),
    ("id is a number", raw("commission.missed", id=7), "id", "must be a string, not a number"),
    ("id is empty", raw("commission.missed", id=""), "id", "must not be empty"),
    ("id is blank", raw("commission.missed", id="   "), "id", "must not be empty"),
    ("id too long", raw("commission.missed", id="i" * 129), "id", "at most 128"),
    ("id with NUL", raw("commission.missed", id="a\x00b"), "id", "control characters"),
    ("id with newline", raw("commission.missed", id="a\nb"), "id", "control characters"),
    ("id with DEL", raw("commission.missed", id="a\x7fb"), "id", "control characters"),
    ("id with NEL", raw("commission.missed", id="a\x85b"), "id", "control characters"),
    ("id with line separator", raw("commission.missed", id="a\u2028b"), "id", "control characters"),
    ("missing date", raw("commission.missed", occurred_on=None), "occurred_on", "is missing"),
    ("impossible date", raw("commission.missed", day="2019-02-30"), "occurred_on", "not a calendar date"),
    ("unpadded date", raw("commission.missed", day="2019-2-3"), "occurred_on", "YYYY-MM-DD"),
    ("date with time", raw("commission.missed", day="2019-02-03T08:00"), "occurred_on", "YYYY-MM-DD"),
    ("date as number", raw("commission.missed", occurred_on=20190203), "occurred_on", "YYYY-MM-DD"),
    ("full-width date", raw("commission.missed", day="２０１９-０２-０３"), "occurred_on", "YYYY-MM-DD"),
    ("date too early", raw("commission.missed", day="1949-09-30"), "occurred_on", "must be between"),
    ("date too late", raw("commission.missed", day="2100-01-01"), "occurred_on", "must be between"),
    ("missing title", raw("report.filed", title=None), "title", "报送（report.filed）须有 unit"),
    ("missing unit", raw("commission.missed", unit=None), "unit", "is missing"),
    ("title is a number", raw("report.filed", title=5), "title", "must be a string, not a number"),
    ("title is a list", raw("report.filed", title=["t"]), "title", "must be a string, not a list"),
    ("title is a boolean", raw("report.filed", title=True), "title", "must be a string, not a boolean"),
    ("empty title", raw("report.filed", title=""), "title", "must not be empty"),
    ("title with tab", raw("report.filed", title="a\tb"), "title", "control characters"),
    ("title too long", raw("report.filed", title="题" * 2001), "title", "at most 2000"),
    ("empty report id", raw("report.excellent", report=""), "report", "must not be empty"),
    ("uppercase unit", raw("commission.missed", unit="Xingqing"), "unit", "must be a slug"),
    ("Chinese unit", raw("commission.missed", unit="兴庆区"), "unit", "must be a slug"),
    ("unit too long", raw("commission.missed", unit="u" * 65), "unit", "must be a slug"),
    ("unit is a number", raw("commission.missed", unit=3), "unit", "must be a slug"),
    ("unknown form", raw("report.adopted", form="editorial"), "form", "must be one of item"),
    ("unknown level", raw("endorsement.received", level="galaxy"), "level", "must be one of national"),
    ("unknown severity", raw("late_report.notified", severity="lost"), "severity", "must be one of late"),
    ("combined without units", raw("report.adopted", form="combined"), "units", "须列出计分的单位"),
    ("units on an item", raw("report.adopted", units=["xingqing"]), "units", "only for form 'combined'"),
    ("empty units", raw("report.adopted", form="combined", units=[]), "units", "non-empty list"),
    ("units not a list", raw("report.adopted", form="combined", units="xingqing"), "units", "non-empty list"),
    ("unit listed twice", raw("report.adopted", form="combined", units=["a", "a"]), "units", "twice"),
    ("bad unit in units", raw("report.adopted", form="combined", units=["a", "B"]), "units", "slug"),
    ("void without reason", raw("event.voided", reason=None), "reason", "is missing"),
    ("void of a number", raw("event.voided", target=12), "target", "must be a string"),
    # Ids that look like others: not NFC, or holding what cannot be seen (ledger.characters).
    ("NFD id", raw("commission.missed", id="cafe\u0301"), "id", "send 'caf\u00e9'"),
    ("NFD report id", raw("report.excellent", report="R-e\u0301"), "report", "normal form NFC"),
    ("NFD task id", raw("task.completed", task="T-\u1100\u1161"), "task", "send 'T-\uac00'"),
    ("NFD item id", raw("merit.recorded", item="xw-e\u0301"), "item", "normal form NFC"),
    ("NFD void target", raw("event.voided", target="a-\u0041\u030a"), "target", "send 'a-\u00c5'"),
    ("compatibility ideograph id", raw("report.excellent", report="R-\uf900"), "report", "NFC"),
    ("zero-width space in id", raw("commission.missed", id="a\u200bb"), "id", "U+200B ZERO WIDTH SPACE"),
    ("BOM in id", raw("commission.missed", id="\ufeffa-1"), "id", "U+FEFF"),
    ("word joiner in report", raw("report.excellent", report="R\u20601"), "report", "U+2060 WORD JOINER"),
    ("RLM in target", raw("event.voided", target="a\u200f1"), "target", "U+200F RIGHT-TO-LEFT MARK"),
    ("soft hyphen in id", raw("commission.missed", id="a\u00adb"), "id", "U+00AD SOFT HYPHEN"),
    ("variation selector in id", raw("commission.missed", id="a\ufe0f"), "id", "VARIATION SELECTOR-16"),
    ("Hangul filler in id", raw("commission.missed", id="a\u3164"), "id", "U+3164 HANGUL FILLER"),
    ("no-break space in id", raw("commission.missed", id="a\u00a0b"), "id", "whitespace other than U+0020"),
    ("ideographic space in id", raw("commission.missed", id="甲\u3000乙"), "id", "U+3000 IDEOGRAPHIC SPACE"),
    ("private-use id", raw("commission.missed", id="a\ue000"), "id", "private-use"),
    ("unassigned id", raw("commission.missed", id="a\U0003ffff"), "id", "unassigned"),
    ("id ending in a space", raw("commission.missed", id="f-1 "), "id", "must not begin or end with a space"),
    ("report id after a space", raw("report.excellent", report=" R-1"), "report", "begin or end with"),
    ("RTL override in title", raw("report.filed", title="报告\u202eexe.txt"), "title",
     "第3个字符 U+202E RIGHT-TO-LEFT OVERRIDE"),
    ("LTR embedding in name", raw("unit.registered", name="\u202a兴庆区"), "name", "U+202A"),
    ("isolate in reason", raw("event.voided", reason="误录\u2066x\u2069"), "reason", "U+2066"),
    ("LRM in title", raw("post.published", title="动态\u200e"), "title", "U+200E LEFT-TO-RIGHT MARK"),
    ("zero-width space in title", raw("report.filed", title="兴庆\u200b区"), "title", "U+200B"),
    ("joiner between Han in title", raw("report.filed", title="兴庆\u200d区"), "title", "U+200D"),
    ("BOM in title", raw("report.filed", title="\ufeff标题"), "title", "U+FEFF"),
    ("soft hyphen in title", raw("report.filed", title="infor\u00admation"), "title", "U+00AD"),
    ("Hangul filler as a name", raw("unit.registered", name="\u3164"), "name", "U+3164 HANGUL FILLER"),
    ("tag character in reason", raw("item.exempted", reason="x\U000e0041"), "reason", "U+E0041"),
    ("Cyrillic letter in unit", raw("commission.missed", unit="xingqing\u0430"), "unit", "must be a slug"),
    ("zero-width space in publication", raw("report.adopted", publication="yinchuan\u200b-zwxx"),
     "publication", "must be a slug"),
    ("full-width class", raw("unit.registered", **{"class": "ｃｏｕｎｔｙ"}), "class", "must be a slug"),
    ("dotless i in units", raw("report.adopted", form="combined", units=["j\u0131nfeng"]), "units", "slug"),
]


@pytest.mark.parametrize(("value", "field", "fragment"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_bad_act_is_refused_naming_its_line_and_field(value: Any, field: str | None, fragment: str) -> None:
    """Each malformed act raises ActError whose message starts with its line and names the field."""
    with pytest.raises(ActError) as caught:
        parse_act(value, 7)
    error = caught.value
    assert (error.where, error.field) == (7, field)
    prefix = "第 7 行：" if field is None else f"第 7 行，字段 {field}："
    assert str(error).startswith(prefix)
    assert fragment in error.message


LOOKALIKE_BUT_KEPT: list[tuple[str, str, str]] = [
    # (case, field of report.filed, value): accepted and kept exactly as sent
    ("NFD title kept as sent", "title", "Cafe\u0301 兴庆区"),
    ("compatibility ideograph in a title", "title", "\uf900 兴庆区"),
    ("ideographic spaces and no-break space", "title", "\u3000\u3000兴庆区\u00a0改造 "),
    ("variation selectors", "title", "葛\U000e0100 ❤\ufe0f"),
    ("Uyghur with a zero-width non-joiner", "title", "\u0645\u06d5\u200c\u0643\u062a\u06d5\u067e"),
    ("emoji, private-use character", "title", "\U0001f600\ue000"),
    ("non-ASCII report id in NFC", "report", "兴庆-Café-Å-가"),
    ("report id with an inner space", "report", "XQ 2019 101"),
]


@pytest.mark.parametrize(("field", "value"), [c[1:] for c in LOOKALIKE_BUT_KEPT],
                         ids=[c[0] for c in LOOKALIKE_BUT_KEPT])  # fmt: skip
def test_text_is_kept_as_sent_and_visible_nfc_ids_pass(field: str, value: str) -> None:
    """Free text is kept byte for byte in whatever normal form, with the spaces, selectors and joiners
    it may hold; an id in NFC of visible characters passes, non-ASCII or not."""
    act = parse_act(raw("report.filed", **{field: value}), 1)
    assert act.fields[field] == value
    assert act.fields[field].encode() == value.encode()


def test_a_restored_act_keeps_what_an_earlier_version_recorded() -> None:
    """A line of an export (`restored`) keeps an NFD id and a title with U+202E as recorded; the rules
    that were always there (a control character) still refuse it."""
    old = raw("report.filed", id="cafe\u0301", report="R-e\u0301", title="报告\u202eexe.txt")
    act = parse_act(old, 1, restored=True)
    assert (act.id, act.fields["report"], act.fields["title"]) == (old["id"], old["report"], old["title"])
    with pytest.raises(ActError, match="control characters"):
        parse_act({**old, "title": "a\x07b"}, 1, restored=True)


def test_stored_act_as_json_flattens_the_fields_beside_the_envelope() -> None:
    """A stored act renders as one flat JSON object with its position and recorded time."""
    stored = StoredAct(
        3, "f1", "commission.missed", dt.date(2019, 3, 5), "2019-03-05T01:00:00.000000Z", {"unit": "x"}
    )
    assert stored.as_json() == {
        "position": 3,
        "id": "f1",
        "type": "commission.missed",
        "occurred_on": "2019-03-05",
        "recorded_at": "2019-03-05T01:00:00.000000Z",
        "unit": "x",
    }


def test_act_is_immutable() -> None:
    """A parsed act cannot be changed after the fact."""
    act = parse_act(raw("commission.missed"), 1)
    assert isinstance(act, Act)
    with pytest.raises(AttributeError):
        act.id = "other"  # type: ignore[misc]
