"""The what-if page (假设分析): the same acts under a base rulebook and a draft, side by side.

The draft is made in the editor (every number of the base's version in force an input), or is a
catalogue version, or TOML pasted into the form; nothing is written. The result says what the draft
changes in words and lists the units in the draft's rank order. For the office and auditor roles only,
as POST /v1/whatif is.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from ledger import drafting
from ledger.api.capacity import Capacity
from ledger.api.deps import CapacityDep, LedgerDep
from ledger.errors import LedgerError, NotFound, RulebookError
from ledger.rulebooks import Catalogue, Rulebook, parse_rulebook, source_text
from ledger.services import Ledger
from ledger.tokens import Principal
from ledger.web import charts, editor, words
from ledger.web.forms import (
    book_of,
    bounded,
    checked_form,
    default_rulebook,
    default_year,
    read_body,
    rulebook_choices,
)
from ledger.web.routes.auth import ViewerDep
from ledger.web.templating import PageError, PageRoute, page
from ledger.whatif import MAX_DRAFT, diff_rulebooks

router = APIRouter(route_class=PageRoute, include_in_schema=False)
# Percent-encoding makes a UTF-8 draft up to three times longer; the form may carry two drafts (one pasted,
# one loaded into the editor) and the editor's inputs, one a number of the rulebook.
MAX_FORM = 7 * MAX_DRAFT
MAX_FORM_FIELDS = 50_000


def office_or_auditor(viewer: Principal) -> None:
    if not viewer.reads_all:
        raise PageError(403, "假设分析 what-if 只供信息科和审计 (office, auditor) 使用。", viewer)


@router.get("/whatif")
def whatif_form(ledger: LedgerDep, viewer: ViewerDep) -> Response:
    office_or_auditor(viewer)
    base = default_rulebook(ledger)
    form = {"base": base, "draft": base, "period": default_year(ledger), "source": "editor"}
    source = editor.in_force(ledger.catalogue, base) if base else None
    if source is not None:
        form.update(editor.prefilled(source, ledger.catalogue))
    return page_of(ledger, viewer, form, 200, "", None, source)


@router.post("/whatif")
async def whatif(request: Request, ledger: LedgerDep, viewer: ViewerDep, capacity: CapacityDep) -> Response:
    office_or_auditor(viewer)
    body = await read_body(request, MAX_FORM)
    return await run_in_threadpool(_compare, request, ledger, viewer, capacity, body)


def _compare(
    request: Request, ledger: Ledger, viewer: Principal, capacity: Capacity, body: bytes
) -> Response:
    """The form decoded and checked, the draft made or parsed and both sides scored, in a worker thread
    and a replay turn: a large draft takes a second to parse, which on the event loop would hold up every
    other request."""
    form = checked_form(request, body, max_fields=MAX_FORM_FIELDS)
    picked, overlong = bounded(form)
    choices = dict(rulebook_choices(ledger.catalogue))
    base = form.get("base", "")
    source, unreadable = _editing(form, ledger.catalogue, base if base in choices else "")
    if overlong:
        return page_of(ledger, viewer, form, 400, "；".join(overlong), None, source)
    if base not in choices:
        unknown = f"未知的基准考核办法 unknown base rulebook {base!r}"
        return page_of(ledger, viewer, form, 400, unknown, None, source)
    if form.get("action") == "restart" or unreadable:
        source = editor.in_force(ledger.catalogue, base)
        form = {k: v for k, v in form.items() if not k.startswith(editor.PREFIX) and k != "edit_text"}
        form.update({"edit_from": source.ref, **editor.prefilled(source, ledger.catalogue)})
        return page_of(ledger, viewer, form, 422 if unreadable else 200, unreadable, None, source)
    faults: dict[str, str] = {}
    try:
        with capacity.turn():
            draft, text, faults = _draft(form, choices, source)
            if faults:
                lines = editor.fault_lines(source, faults) if source else []
                error = f"草案有 {len(faults)} 处数值有误，已标在输入框旁：" + "；".join(lines)
                return page_of(ledger, viewer, form, 422, error, None, source, faults)
            document = ledger.whatif(
                base,
                draft,
                picked["period"],
                picked["as_of"] or None,
                picked["known_at"] or None,
            )
    except RulebookError as e:
        if form.get("source") == "editor" and source is not None:
            faults = drafting.faults_of(e)
        return page_of(ledger, viewer, form, 422, f"草案无效 invalid draft: {e}", None, source, faults)
    except LedgerError as e:
        status = 404 if isinstance(e, NotFound) else 400
        return page_of(ledger, viewer, form, status, str(e), None, source)
    result = {**document, "draft_book": draft, "draft_text": text}
    return page_of(ledger, viewer, form, 200, "", result, source)


def _editing(form: dict[str, str], catalogue: Catalogue, base: str) -> tuple[editor.Source | None, str]:
    """The editor's rulebook, or the base's version in force: for a form without an editor (one sent by
    a script), and, with why, for one whose editor cannot be read when the draft is the editor's."""
    fallback = editor.in_force(catalogue, base) if base else None
    if not form.get("edit_from") and not form.get("edit_text", "").strip():
        return fallback, ""
    try:
        return editor.source_of(form, catalogue), ""
    except RulebookError as e:
        if form.get("source") != "editor":
            return fallback, ""
        return fallback, f"编辑器中的草案无法读取 the editor's draft cannot be read: {e}"


def _draft(
    form: dict[str, str], choices: dict[str, str], source: editor.Source | None
) -> tuple[str | Rulebook, str | None, dict[str, str]]:
    """The draft (a catalogue name or a parsed rulebook), its TOML text when it has one here, and the
    editor's inputs that are not numbers."""
    if form.get("source") == "toml":
        text = form.get("draft_toml", "")
        if not text.strip():
            raise RulebookError("draft: 请粘贴草案的 TOML 文本 (the draft is empty)")
        return parse_rulebook(text.encode("utf-8", "surrogatepass"), "draft"), text, {}
    if form.get("source") == "editor" and source is not None:
        text, faults = editor.drafted(source, form)
        if faults:
            return "", text, faults
        return parse_rulebook(text.encode("utf-8", "surrogatepass"), "草案 draft"), text, {}
    name = form.get("draft", "")
    if name not in choices:
        raise RulebookError(f"draft: 请从目录中选择草案 (unknown rulebook {name!r})")
    return name, None, {}


def page_of(
    ledger: Ledger,
    viewer: Principal,
    form: dict[str, str],
    status: int,
    error: str,
    result: Any,
    source: editor.Source | None,
    faults: dict[str, str] | None = None,
    warning: str = "",
) -> Response:
    """The what-if page: the form with its editor, and the comparison when there is one."""
    context: dict[str, Any] = {"form": form, "choices": rulebook_choices(ledger.catalogue), "result": result}
    context["editor"] = editor.view(source, form, faults or {}) if source is not None else None
    if result is not None:
        context.update(_sides(ledger, result))
        draft = result["draft_book"]
        if isinstance(draft, Rulebook) and not warning:
            warning = drafting.clash(draft, ledger.catalogue) or ""
    context["warning"] = warning
    return page("whatif.html", status, viewer=viewer, nav="whatif", error=error, **context)


def _sides(ledger: Ledger, result: dict[str, Any]) -> dict[str, Any]:
    """Both rulebooks, what the draft changes (in words, then key by key), the units in the draft's
    rank order, the chart of their differences and the draft's TOML to download."""
    base = book_of(ledger.catalogue, result["base"])
    draft = result["draft_book"]
    if not isinstance(draft, Rulebook):
        draft = book_of(ledger.catalogue, result["draft"])
    text = result["draft_text"] if result["draft_text"] is not None else _text(draft)
    base_text = _text(base)
    said = []
    if base and draft and text and base_text:
        said = drafting.changes(drafting.fields(base, base_text), drafting.fields(draft, text))
    changes = diff_rulebooks(base, draft) if base and draft else []
    moved = [u for u in result["units"] if u["difference"]]
    rows = [(u["name"], float(u["difference"])) for u in sorted(moved, key=lambda u: -u["difference"])]
    caption = f"{result['period']} 草案与基准的总分差 draft minus base"
    return {
        "base_book": base,
        "draft_side": draft,
        "draft_text": text,
        "said": said,
        "changes": [{**c, "from": _shown(c["from"]), "to": _shown(c["to"])} for c in changes],
        "units": sorted(result["units"], key=_draft_rank),
        "rank_changes": sum(1 for u in result["units"] if u["rank_change"]),
        "chart": charts.diverging_bars(rows, caption) if rows else None,
        "chart_caption": caption,
    }


def _text(book: Rulebook | None) -> str | None:
    """A catalogue rulebook's TOML text, or None where its file cannot be read as it was loaded."""
    if book is None:
        return None
    try:
        return source_text(book)
    except RulebookError:
        return None


def _draft_rank(unit: dict[str, Any]) -> tuple[bool, int, str]:
    """Ranked units by their rank under the draft, then those it does not rank (a class apart)."""
    rank = unit["draft_rank"]
    return rank is None, rank or 0, unit["unit"]


def _shown(value: Any) -> str:
    """A rulebook value in words: a table as `key value；…`, nested tables in braces."""
    if value is None:
        return "—"
    if isinstance(value, dict):
        return "；".join(f"{words.label(k)} {_nested(v)}" for k, v in value.items())
    return _nested(value)


def _nested(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + "，".join(f"{words.label(k)} {_nested(v)}" for k, v in value.items()) + "}"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
