"""Validation errors in Chinese (ledger.validation): pydantic's errors named by key and value."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ledger.errors import RulebookError
from ledger.rulebooks import parse_rulebook
from ledger.validation import message

ROOT = Path(__file__).resolve().parents[1]
ENGLISH = re.compile(r"Input should|Field required|Extra inputs|valid (string|integer|number)|value is not")


class Sample(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    name: str
    count: int = Field(ge=1, le=10)
    day: dt.date
    cadence: Literal["month", "quarter"]
    tags: list[str] = Field(default=[], max_length=2)


def errors(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        Sample.model_validate(data)
    return [message(e) for e in caught.value.errors()]


GOOD = {"name": "兴庆区", "count": 3, "day": dt.date(2019, 7, 3), "cadence": "month"}


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"name": 5}, "应为字符串，而不是 5"),
        ({"count": "3"}, "应为整数，而不是 '3'"),
        ({"count": 0}, "应不小于 1，而不是 0"),
        ({"count": 11}, "应不大于 10，而不是 11"),
        ({"day": "2019/13/9"}, "应为日期 YYYY-MM-DD，而不是 '2019/13/9'"),
        ({"cadence": "week"}, "应为 'month'、'quarter' 之一，而不是 'week'"),
        ({"tags": ["a", "b", "c"]}, "至多 2 项"),
        ({"colour": "red"}, "不是可用的键"),
    ],
)
def test_each_kind_of_error_is_worded_in_chinese_with_the_value_given(
    change: dict[str, Any], words: str
) -> None:
    """Each pydantic error type a schema raises is told in Chinese, quoting the scalar value given."""
    (said,) = errors({**GOOD, **change})
    assert said == words and not ENGLISH.search(said)


def test_a_missing_key_is_said_without_a_value() -> None:
    """A missing key is 缺少此项, with no value to quote."""
    assert errors({k: v for k, v in GOOD.items() if k != "day"}) == ["缺少此项"]


def test_an_unknown_error_type_is_named_not_passed_through_in_english() -> None:
    """An error type without words of its own still reads Chinese, naming the type."""
    assert message({"type": "new_kind", "msg": "Input should be new", "ctx": {}}) == "取值无效（new_kind）"


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (
            'cadence = "quarter"',
            'cadence = "week"',
            "键 'cadence'：应为 'month'、'quarter'、'half'、'year' 之一，而不是 'week'",
        ),
        ('cadence = "quarter"', 'cadence = "quarter"\nfoo = 1', "键 'foo'：不是可用的键"),
        ("version = 1", 'version = "1"', "键 'version'：应为整数，而不是 '1'"),
    ],
)
def test_a_rulebook_error_names_the_key_and_the_value_in_chinese(old: str, new: str, words: str) -> None:
    """A rulebook pydantic refuses is a RulebookError naming its source, the key and the value, in Chinese."""
    text = (ROOT / "rulebooks" / "yinchuan-2018.toml").read_text(encoding="utf-8").replace(old, new, 1)
    with pytest.raises(RulebookError) as caught:
        parse_rulebook(text.encode(), "draft.toml")
    assert str(caught.value) == f"draft.toml: {words}" and not ENGLISH.search(str(caught.value))
