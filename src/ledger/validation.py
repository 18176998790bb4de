"""Validation errors (pydantic's, as rulebooks and request parameters are checked) told in Chinese.

Pydantic words its errors in English ("Input should be a valid string", "Field required"); a reader of
the ledger meets them in Chinese instead, each naming the key or parameter and quoting the value given.
One function, `message`, turns an error (an item of `ValidationError.errors()`) into the words; every
place that shows such errors uses it. No I/O: the domain, the API and the pages share it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# pydantic's error type -> the Chinese, with `{name}` filled from the error's context
WORDS = {
    "missing": "缺少此项",
    "extra_forbidden": "不是可用的键",
    "string_type": "应为字符串",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "decimal_type": "应为数字",
    "decimal_parsing": "应为数字",
    "finite_number": "应为有限的数字",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "date_type": "应为日期 YYYY-MM-DD",
    "date_parsing": "应为日期 YYYY-MM-DD",
    "date_from_datetime_parsing": "应为日期 YYYY-MM-DD",
    "date_from_datetime_inexact": "应为日期 YYYY-MM-DD（不带时间）",
    "datetime_type": "应为时间",
    "datetime_parsing": "应为时间",
    "dict_type": "应为表（键 = 值）",
    "model_type": "应为表（键 = 值）",
    "model_attributes_type": "应为表（键 = 值）",
    "list_type": "应为列表",
    "tuple_type": "应为列表",
    "set_type": "应为列表",
    "literal_error": "应为 {expected} 之一",
    "enum": "应为 {expected} 之一",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "应不小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "应不大于 {le}",
    "multiple_of": "应为 {multiple_of} 的倍数",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "至多 {max_length} 个字符",
    "too_short": "至少 {min_length} 项",
    "too_long": "至多 {max_length} 项",
    "string_pattern_mismatch": "格式不符（应符合 {pattern}）",
    "decimal_max_digits": "至多 {max_digits} 位数字",
    "decimal_max_places": "至多 {decimal_places} 位小数",
    "decimal_whole_digits": "整数部分至多 {whole_digits} 位",
    "union_tag_invalid": "kind 应为 {expected_tags} 之一",
    "union_tag_not_found": "缺少 {discriminator}",
    "frozen_instance": "不可修改",
    "json_invalid": "不是有效的 JSON",
    "json_type": "应为 JSON 文本",
    "url_parsing": "不是有效的网址",
    "uuid_parsing": "不是有效的 UUID",
}
SHOWN = 80  # a value longer than this (as text) is not quoted back


def message(error: Mapping[str, Any]) -> str:
    """One error in Chinese: what is wrong, with the value given where it helps. An error of the ledger's
    own validators (a `ValueError` it raised) is its own message, already in Chinese."""
    kind = str(error.get("type", ""))
    context = error.get("ctx") or {}
    if kind in ("value_error", "assertion_error") and "error" in context:
        return str(context["error"])
    template = WORDS.get(kind)
    if template is None:
        return f"取值无效（{kind}）"
    try:
        words = template.format(**{k: _plain(v) for k, v in context.items()})
    except (KeyError, IndexError):
        words = template.split("{")[0].rstrip() or template
    given = _given(kind, error.get("input"))
    return f"{words}{given}"


def where(loc: Iterable[Any]) -> str:
    """A location as a dotted path: clauses.3.points (the caller may word it as it likes)."""
    return ".".join(str(part) for part in loc)


def _plain(value: Any) -> str:
    """A context value as a reader reads it: pydantic quotes literals as "'a', 'b' or 'c'"."""
    text = str(value)
    return text.replace("' or '", "'、'").replace("', '", "'、'")


def _given(kind: str, value: Any) -> str:
    """'，而不是 X' for a scalar value that was given (not for a missing key or a whole table)."""
    if kind in ("missing", "extra_forbidden", "union_tag_not_found") or isinstance(value, dict | list):
        return ""
    if value is None or isinstance(value, bool):
        text = {None: "null", True: "true", False: "false"}[value]
    elif isinstance(value, int | float | str):
        text = repr(value) if isinstance(value, str) else str(value)
    else:
        return ""
    return f"，而不是 {text}" if len(text) <= SHOWN else ""
