"""The shapes the API documents: the act vocabulary as JSON Schema, and the answers' models."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from ledger.acts import FORMS, LEVELS, MAX_POINTS, MAX_QUANTITY, SEVERITIES, VOCABULARY

SLUG = {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,63}$"}
TEXT = {"type": "string", "minLength": 1, "maxLength": 2000}
IDENT = {"type": "string", "minLength": 1, "maxLength": 128}
FIELD_SCHEMAS: dict[str, dict[str, Any]] = {
    "unit": SLUG,
    "class": SLUG,
    "publication": SLUG,
    "name": TEXT,
    "title": TEXT,
    "reason": TEXT,
    "report": IDENT,
    "target": IDENT,
    "form": {"type": "string", "enum": list(FORMS)},
    "level": {"type": "string", "enum": list(LEVELS)},
    "notifier": {"type": "string", "enum": list(LEVELS)},
    "severity": {"type": "string", "enum": list(SEVERITIES)},
    "units": {"type": "array", "items": SLUG, "minItems": 1},
    "task": IDENT,
    "item": IDENT,
    "due_on": {"type": "string", "format": "date"},
    "points": {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_POINTS},
    "required": {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_QUANTITY},
    "amount": {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_QUANTITY},
}


def act_schema(kind: str) -> dict[str, Any]:
    spec = VOCABULARY[kind]
    return {
        "type": "object",
        "title": kind,
        "additionalProperties": False,
        "required": ["type", "occurred_on", *(name for name, (_, required) in spec.items() if required)],
        "properties": {
            "id": IDENT,
            "type": {"type": "string", "enum": [kind]},
            "occurred_on": {"type": "string", "format": "date", "example": "2019-07-03"},
            **{name: FIELD_SCHEMAS.get(name, {}) for name in spec},  # a test checks none is missing
        },
    }


ACT = {"oneOf": [act_schema(kind) for kind in VOCABULARY]}
ACT_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {"oneOf": [ACT, {"type": "array", "items": ACT, "minItems": 1, "maxItems": 10000}]}
        }
    },
}


class ReceiptOut(BaseModel):
    id: str
    position: int
    recorded_at: str
    status: str


class AppendAnswer(BaseModel):
    acts: list[ReceiptOut]
    new: int
    duplicates: int


class EventPage(BaseModel):
    acts: list[dict[str, Any]]
    next: int | None
