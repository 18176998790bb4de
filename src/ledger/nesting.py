"""How deep a TOML text nests, counted before tomllib reads it.

tomllib parses a nested array or inline table by recursion, and a dotted key part by part at a cost that
grows with the square of its parts: a draft nested a thousand deep exhausts the stack (a RecursionError),
and a key of a hundred thousand parts the memory. A rulebook needs neither, so a text is refused first,
at the line where it nests deeper than the limit.

Strings and comments are read as TOML reads them (their brackets and dots are text); so is a dotted key.
Where a text stops being valid TOML this reading may differ from tomllib's, but tomllib stops there too.
"""

from __future__ import annotations

import re

MAX_NESTING = 32  # arrays and inline tables within one another; parts of one dotted key

_PART = r"""(?:[A-Za-z0-9_-]++|"(?:[^"\\\n]|\\.)*+"|'[^'\n]*+')"""  # of a key: bare or quoted
_TOKENS = re.compile(
    # a multi-line string ends at its first closing three quotes, taking up to two more
    r'(?P<long>"""(?:[^"\\]|\\.|"(?!""))*+"""(?:"{0,2})|\'\'\'.*?\'\'\'(?:\'{0,2}))'
    # a dotted key: a table within a table at each dot (a float or a time reads as one, harmlessly)
    rf"|(?P<key>(?<![A-Za-z0-9_-]){_PART}(?:[ \t]*+\.[ \t]*+{_PART})++)"
    r'|(?P<text>"(?:[^"\\\n]|\\.)*+"|\'[^\'\n]*+\'|#[^\n]*+)'
    r"|(?P<open>[\[{])|(?P<close>[\]}])",
    re.DOTALL,
)
_PARTS = re.compile(_PART)


def nesting_fault(text: str, limit: int = MAX_NESTING) -> str | None:
    """Where arrays and inline tables first nest deeper than `limit`, or a dotted key has more parts than
    that, in words naming the line; None when the text nests no deeper."""
    depth = 0
    for token in _TOKENS.finditer(text):
        kind = token.lastgroup
        if kind == "open":
            depth += 1
            if depth > limit:
                line = _line(text, token.start())
                return (
                    f"第 {line} 行：数组或内联表嵌套超过 {limit} 层 "
                    f"(arrays and inline tables nest deeper than {limit} levels at line {line})"
                )
        elif kind == "close":
            depth = max(depth - 1, 0)
        elif kind == "key":
            parts = len(_PARTS.findall(token.group()))
            if parts > limit:
                line = _line(text, token.start())
                return (
                    f"第 {line} 行：点分键超过 {limit} 层 "
                    f"(a dotted key of {parts} parts, more than {limit}, at line {line})"
                )
    return None


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1
