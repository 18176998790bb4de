"""The what-if page's editor (草案编辑器): every number of a rulebook an input, read back into a draft.

The editor is built from a catalogue version (`edit_from`, ID@VERSION: the base's version in force when
the page opens) or from a draft file loaded into it (`edit_text`, its TOML carried in the form). Its
inputs are named `n:` and the number's path; the draft is that TOML with the inputs' values written in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ledger import drafting
from ledger.errors import NotFound, RulebookError
from ledger.rulebooks import Catalogue, Rulebook, parse_rulebook, source_text

PREFIX = "n:"
LOADED = "载入的草案 loaded draft"


@dataclass(frozen=True)
class Source:
    """What the editor edits: a rulebook and its TOML text; `ref` is empty for a loaded draft."""

    book: Rulebook
    text: str
    ref: str

    @property
    def fields(self) -> list[drafting.Field]:
        return drafting.fields(self.book, self.text)


def in_force(catalogue: Catalogue, name: str) -> Source:
    """The newest version of the family (or the version) picked as the base."""
    book = catalogue.select(name).latest
    return Source(book, source_text(book), book.ref)


def loaded(text: str, source: str = LOADED) -> Source:
    return Source(parse_rulebook(text.encode("utf-8", "surrogatepass"), source), text, "")


def source_of(form: Mapping[str, str], catalogue: Catalogue) -> Source:
    """The editor's rulebook as the form names it."""
    text = form.get("edit_text", "")
    if text.strip():
        return loaded(text)
    ref = form.get("edit_from", "")
    try:
        return in_force(catalogue, ref)
    except NotFound as e:
        raise RulebookError(f"edit_from: 编辑器的考核办法不在目录中 ({e})") from None


def drafted(source: Source, form: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """The draft's TOML text, and the inputs whose values are not numbers."""
    given = {k.removeprefix(PREFIX): v for k, v in form.items() if k.startswith(PREFIX)}
    return drafting.apply(source.text, source.fields, given)


def prefilled(source: Source, catalogue: Catalogue) -> dict[str, str]:
    """A catalogue version's inputs as the editor opens: its version one past the family's last."""
    return {PREFIX + drafting.VERSION: str(drafting.next_version(catalogue, source.book.id))}


def view(source: Source, form: Mapping[str, str], faults: Mapping[str, str]) -> dict[str, Any]:
    """The editor for the template: the fields by group, each with the value to show and its fault."""
    groups: dict[str, dict[str, Any]] = {}
    for field in source.fields:
        group = groups.setdefault(field.group, {"title": field.group, "wording": field.wording, "fields": []})
        value = form.get(PREFIX + field.path, drafting.shown(field.value))
        group["fields"].append(
            {
                "name": PREFIX + field.path,
                "path": field.path,
                "label": field.label,
                "value": value,
                "was": drafting.shown(field.value),
                "fault": faults.get(field.path, ""),
            }
        )
    return {"ref": source.ref, "text": "" if source.ref else source.text, "groups": list(groups.values())}


def fault_lines(source: Source, faults: Mapping[str, str]) -> list[str]:
    """Each fault with its field's label, for the box above the form (a fault of no field, as it is)."""
    labels = {f.path: f.label for f in source.fields}
    return [f"{labels.get(path, path)}：{why}" for path, why in faults.items()]
