"""The unit page's filter of its period's acts (筛选): by act type and by a text the act shows.

Its values come from the page's query (`type`, `q`), bounded and checked like the pickers': an unknown
type or an overlong text is named among the page's problems, never guessed at.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from ledger.acts import VOCABULARY
from ledger.web.present import ActView

TEXT_LIMIT = 100


@dataclass(frozen=True)
class Sift:
    """An act type ("" for every type) and a text the act must show ("" for any)."""

    kind: str = ""
    text: str = ""

    @property
    def active(self) -> bool:
        return bool(self.kind or self.text)

    def keeps(self, act: ActView) -> bool:
        return (not self.kind or act.type == self.kind) and (not self.text or act.matches(self.text))

    def query(self) -> str:
        return urlencode({k: v for k, v in (("type", self.kind), ("q", self.text)) if v})


def sift_from(values: Mapping[str, str]) -> tuple[Sift, list[str]]:
    """The filter a query asks for, and what is wrong with it (an unknown type, an overlong text)."""
    kind, text = values.get("type", "").strip(), values.get("q", "").strip()
    problems = []
    if kind and kind not in VOCABULARY:
        problems.append(f"未知的行为类型 type {kind[:40]!r}")
        kind = ""
    if len(text) > TEXT_LIMIT:
        problems.append(f"q 过长 (at most {TEXT_LIMIT} characters)")
        text = ""
    return Sift(kind, text), problems
