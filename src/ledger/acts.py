"""The act vocabulary: what an office may record, and the shape each act must have.

An act is an immutable fact about the year's information work
(报送, 采用, 批示, 迟报/漏报/瞒报, 约稿, 通报批评), or about the other assessed work the rulebooks
score: tasks assigned and completed (任务下达/完成), posts published (信息发布), items' violations (扣分)
and merits (加分/得分), and items that do not apply to a unit (不列入考核).
This module checks an act's own shape only; whether the units, reports and acts it names exist is the
ledger index's business (`ledger.index`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import orjson

from ledger.characters import CONTROL, FILLERS, Refused, check_id, check_text, refusal, seen_as_sent
from ledger.errors import ActError
from ledger.terms import ACT_NAMES

LEVELS = ("national", "region", "province", "city", "district", "county")
SEVERITIES = ("late", "missed", "concealed")
FORMS = ("item", "brief", "research", "combined")

SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")  # ASCII only: [a-z0-9] are code point ranges
MAX_ID = 128
MAX_TEXT = 2000
FIRST_DATE = dt.date(1949, 10, 1)
LAST_DATE = dt.date(2099, 12, 31)
MAX_POINTS = 1000  # no item of any seed is worth more in one act
MAX_QUANTITY = 1_000_000_000
DECIMALS = 4


class Act(NamedTuple):
    """One act as submitted: its client id (or a generated one), type, valid-time date and fields.

    Acts (and stored acts) are named tuples: immutable, and cheap to make by the million."""

    id: str
    type: str
    occurred_on: dt.date
    fields: Mapping[str, Any]
    id_given: bool = True
    canonical: bytes = b""  # content(), made when the act is parsed

    def content(self) -> bytes:
        """The canonical bytes that decide whether a repeated id is the same act (idempotency): the
        sorted JSON of its type, date and fields. The store splices its stored state from them
        (`ledger.store.base.encode`)."""
        return self.canonical or canonical(self.type, self.occurred_on.isoformat(), self.fields)


def canonical(kind: str, day: str, fields: Mapping[str, Any]) -> bytes:
    return orjson.dumps({"type": kind, "occurred_on": day, "fields": fields}, option=orjson.OPT_SORT_KEYS)


class StoredAct(NamedTuple):
    """An act as the ledger holds it: with its position (commit order) and recorded time."""

    position: int
    id: str
    type: str
    occurred_on: dt.date
    recorded_at: str
    fields: Mapping[str, Any]
    chain: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "id": self.id,
            "type": self.type,
            "occurred_on": self.occurred_on.isoformat(),
            "recorded_at": self.recorded_at,
            **self.fields,
        }


# --- field checkers: each returns the normalised value or raises ValueError with the reason ---


def _text(value: Any, *, limit: int = MAX_TEXT) -> str:
    """Free text, kept as sent; no controls, and no hidden characters (`ledger.characters`)."""
    if (
        type(value) is str
        and 0 < len(value) <= limit
        and value.isprintable()
        and not value.isspace()
        and not FILLERS.search(value)
    ):
        return value  # the common case (imports check millions): printable is no Cc, Cf, Cs, Zl or Zp
    text = _plain(value, limit)
    check_text(text)
    return text


def _identifier(value: Any) -> str:
    """An id: visible characters only, in NFC, no space at either end (`ledger.characters`)."""
    if (
        type(value) is str
        and 0 < len(value) <= MAX_ID
        and value.isprintable()  # no C* (control, format, private-use, unassigned) and no Z* but ' '
        and value[0] != " " != value[-1]
        and (value.isascii() or seen_as_sent(value))
    ):
        return value  # the common case: printable ASCII is NFC and has nothing hidden
    text = _plain(value, MAX_ID)
    check_id(text)
    return text


def _plain(value: Any, limit: int) -> str:
    """The checks every string field has always had: a non-blank string within `limit`, no controls."""
    if not isinstance(value, str):
        raise ValueError(
            f"应为字符串，而不是{_json_kind(value)} (must be a string, not {_json_english(value)})"
        )
    if not value.strip():
        raise ValueError("不能为空 (must not be empty)")
    if len(value) > limit:
        raise ValueError(f"至多 {limit} 个字符 (must be at most {limit} characters)")
    if m := CONTROL.search(value):
        raise ValueError(refusal(m[0], m.start()))
    return value


def _slug(value: Any) -> str:
    if not isinstance(value, str) or not SLUG.fullmatch(value):
        raise ValueError(
            f"应为由小写字母、数字、'-' 或 '_' 组成的代码（至多64个字符），而不是 {value!r} "
            "(must be a slug of lowercase letters, digits, '-' or '_')"
        )
    return value


def _choice(options: tuple[str, ...]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in options:
            raise ValueError(
                f"应为 {'、'.join(options)} 之一，而不是 {value!r} (must be one of {', '.join(options)})"
            )
        return str(value)

    return check


def _slugs(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise ValueError("应为非空的单位代码列表 (must be a non-empty list of unit slugs)")
    slugs = [_slug(v) for v in value]
    if len(set(slugs)) != len(slugs):
        raise ValueError("同一单位不能列出两次 (must not name a unit twice)")
    return slugs


def _positive(limit: int) -> Callable[[Any], int | float]:
    """A JSON number above 0 and at most `limit`, with at most four decimals; kept as given."""

    def check(value: Any) -> int | float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(
                f"应为数字，而不是{_json_kind(value)} (must be a number, not {_json_english(value)})"
            )
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("应为有限的数字 (must be a finite number)")
        if not 0 < value <= limit:
            raise ValueError(
                f"应大于 0 且不超过 {limit}，而不是 {value} (must be greater than 0 and at most {limit})"
            )
        if isinstance(value, float) and round(value, DECIMALS) != value:
            raise ValueError(
                f"至多 {DECIMALS} 位小数，而不是 {value} (must have at most {DECIMALS} decimals)"
            )
        return value

    return check


def _day(value: Any) -> str:
    """An ISO date within the ledger's range, kept as its text."""
    parse_date(value)
    return str(value)


def _json_kind(value: Any) -> str:
    """What a JSON value is, in Chinese."""
    return {dict: "对象", list: "列表", str: "字符串", bool: "布尔值"}.get(
        type(value), "数字" if isinstance(value, int | float) else "空值 null"
    )


def _json_english(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "a number" if isinstance(value, int | float) else "null"
    )


Field = tuple[Callable[[Any], Any], bool]  # (checker, required)
REQUIRED, OPTIONAL = True, False

VOCABULARY: dict[str, dict[str, Field]] = {
    "unit.registered": {
        "unit": (_slug, REQUIRED),
        "name": (_text, REQUIRED),
        "class": (_slug, REQUIRED),
    },
    "unit.reclassified": {"unit": (_slug, REQUIRED), "class": (_slug, REQUIRED)},
    "report.filed": {
        "unit": (_slug, REQUIRED),
        "report": (_identifier, REQUIRED),
        "title": (_text, REQUIRED),
    },
    "report.adopted": {
        "report": (_identifier, REQUIRED),
        "publication": (_slug, REQUIRED),
        "form": (_choice(FORMS), REQUIRED),
        "units": (_slugs, OPTIONAL),
    },
    "endorsement.received": {
        "report": (_identifier, REQUIRED),
        "level": (_choice(LEVELS), REQUIRED),
    },
    "report.excellent": {"report": (_identifier, REQUIRED)},
    "late_report.notified": {
        "unit": (_slug, REQUIRED),
        "notifier": (_choice(LEVELS), REQUIRED),
        "severity": (_choice(SEVERITIES), REQUIRED),
        "report": (_identifier, OPTIONAL),
    },
    "commission.missed": {"unit": (_slug, REQUIRED)},
    "criticism.notified": {"unit": (_slug, REQUIRED), "notifier": (_choice(LEVELS), REQUIRED)},
    "event.voided": {"target": (_identifier, REQUIRED), "reason": (_text, REQUIRED)},
    # 任务下达: a task of an item, worth `points`, due on a date, optionally of a required amount.
    "task.assigned": {
        "unit": (_slug, REQUIRED),
        "task": (_identifier, REQUIRED),
        "item": (_identifier, REQUIRED),
        "title": (_text, REQUIRED),
        "points": (_positive(MAX_POINTS), REQUIRED),
        "due_on": (_day, REQUIRED),
        "required": (_positive(MAX_QUANTITY), OPTIONAL),
    },
    # 任务完成: the task's unit completed it, `amount` of its required amount.
    "task.completed": {"task": (_identifier, REQUIRED), "amount": (_positive(MAX_QUANTITY), OPTIONAL)},
    # 信息发布: one post of the unit's news (工作动态) on its website.
    "post.published": {"unit": (_slug, REQUIRED), "title": (_text, REQUIRED)},
    # 扣分 / 加分: one find under an item; `points` where the rulebook leaves the amount to the office.
    "violation.recorded": {
        "unit": (_slug, REQUIRED),
        "item": (_identifier, REQUIRED),
        "points": (_positive(MAX_POINTS), OPTIONAL),
        "reason": (_text, OPTIONAL),
    },
    "merit.recorded": {
        "unit": (_slug, REQUIRED),
        "item": (_identifier, REQUIRED),
        "points": (_positive(MAX_POINTS), OPTIONAL),
        "reason": (_text, OPTIONAL),
    },
    # 不列入考核: the item does not apply to the unit (no hotline, no website, ...).
    "item.exempted": {
        "unit": (_slug, REQUIRED),
        "item": (_identifier, REQUIRED),
        "reason": (_text, REQUIRED),
    },
}

ENVELOPE = ("id", "type", "occurred_on")
ITEM_ACTS = ("violation.recorded", "merit.recorded", "item.exempted", "task.assigned")  # acts naming an item

NAMES = ACT_NAMES  # what a reader calls each act type (the vocabulary of `ledger.terms`)


MISSING = "缺少此字段 (is missing)"
_DATES: dict[str, dt.date] = {}  # dates already checked (at most the ~55,000 of the ledger's range)


def parse_date(value: Any) -> dt.date:
    """An ISO calendar date (YYYY-MM-DD) within the range the ledger accepts."""
    if type(value) is str:
        day = _DATES.get(value)
        if day is not None:
            return day
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError(f"应为 YYYY-MM-DD 格式的日期，而不是 {value!r} (must be an ISO date YYYY-MM-DD)")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"不是存在的日期：{value!r} (not a calendar date)") from None
    if not FIRST_DATE <= day <= LAST_DATE:
        raise ValueError(
            f"应在 {FIRST_DATE} 至 {LAST_DATE} 之间，而不是 {value} "
            f"(must be between {FIRST_DATE} and {LAST_DATE})"
        )
    _DATES[value] = day
    return day


def parse_act(raw: Any, where: int, *, restored: bool = False) -> Act:
    """Check one submitted JSON value against the vocabulary; `where` is its line (or item) number.

    A `restored` act (a line of an export) was recorded already: the character rules added since
    (`ledger.characters`) do not refuse it, so that every acknowledged act can be restored as it was."""
    if not isinstance(raw, dict):
        raise ActError(
            where, None, f"行为应为 JSON 对象，而不是{_json_kind(raw)} (an act must be a JSON object)"
        )
    kind = raw.get("type")
    if kind is None:
        raise ActError(where, "type", MISSING)
    if not isinstance(kind, str) or kind not in VOCABULARY:
        known = "、".join(sorted(VOCABULARY))
        raise ActError(where, "type", f"未知的行为类型 {kind!r}（可用：{known}）(unknown act type)")
    spec = VOCABULARY[kind]
    for key in raw:
        if key not in spec and key not in ENVELOPE:
            raise ActError(where, key, f"不是{_named(kind)}的字段 (is not a field of {kind})")

    if "id" in raw:
        try:
            act_id = _identifier(raw["id"])
        except ValueError as e:
            act_id = _kept(e, raw["id"], ActError(where, "id", str(e)), restored)
        id_given = True
    else:
        act_id, id_given = str(uuid.uuid4()), False
    if "occurred_on" not in raw:
        raise ActError(where, "occurred_on", MISSING)
    try:
        occurred_on = parse_date(raw["occurred_on"])
    except ValueError as e:
        raise ActError(where, "occurred_on", str(e)) from None

    fields: dict[str, Any] = {}
    for name, (check, required) in spec.items():
        if name not in raw:
            if required:
                raise ActError(where, name, f"{MISSING}；{_named(kind)}须有 {_required(spec)}")
            continue
        try:
            fields[name] = check(raw[name])
        except ValueError as e:
            fields[name] = _kept(e, raw[name], ActError(where, name, str(e)), restored)

    if kind == "report.adopted":
        combined = fields["form"] == "combined"
        if combined and "units" not in fields:
            raise ActError(where, "units", f"{MISSING}；综合多个单位的采用须列出计分的单位")
        if not combined and "units" in fields:
            raise ActError(where, "units", "仅用于形式 combined（综合多个单位）(is only for form 'combined')")
    if kind == "task.assigned" and fields["due_on"] < occurred_on.isoformat():
        early = f"截止日 {fields['due_on']} 早于任务下达日 {occurred_on} (is before the task was assigned)"
        raise ActError(where, "due_on", early)
    content = canonical(kind, raw["occurred_on"], fields)
    return _new(Act, (act_id, kind, occurred_on, fields, id_given, content))  # Act(...), made faster


_new = tuple.__new__


def _kept(refusal: ValueError, value: Any, error: ActError, restored: bool) -> Any:
    """A value a character rule refused, kept as recorded when the act is restored; else the error."""
    if restored and isinstance(refusal, Refused):
        return value
    raise error from None


def _named(kind: str) -> str:
    """An act type as a reader calls it, with its code: 报送（report.filed）."""
    return f"{ACT_NAMES.get(kind, kind)}（{kind}）"


def _required(spec: Mapping[str, Field]) -> str:
    return ", ".join(name for name, (_, required) in spec.items() if required)
