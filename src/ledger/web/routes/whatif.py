"""The what-if page (假设分析): the same acts under a base rulebook and a draft, side by side.

The draft is a catalogue version or TOML pasted into the form; nothing is written. For the office and
auditor roles only, as POST /v1/whatif is.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from ledger.api.capacity import Capacity
from ledger.api.deps import CapacityDep, LedgerDep
from ledger.errors import LedgerError, NotFound, RulebookError
from ledger.rulebooks import Rulebook, parse_rulebook
from ledger.services import Ledger
from ledger.tokens import Principal
from ledger.web import charts, words
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
MAX_FORM = 4 * MAX_DRAFT  # percent-encoding makes a UTF-8 draft up to three times longer


def _office_or_auditor(viewer: Principal) -> None:
    if not viewer.reads_all:
        raise PageError(403, "假设分析 what-if 只供信息科和审计 (office, auditor) 使用。", viewer)


@router.get("/whatif")
def whatif_form(ledger: LedgerDep, viewer: ViewerDep) -> Response:
    _office_or_auditor(viewer)
    base = default_rulebook(ledger)
    form = {"base": base, "draft": base, "period": default_year(ledger), "source": "catalogue"}
    return _page(ledger, viewer, form, 200, "", None)


@router.post("/whatif")
async def whatif(request: Request, ledger: LedgerDep, viewer: ViewerDep, capacity: CapacityDep) -> Response:
    _office_or_auditor(viewer)
    body = await read_body(request, MAX_FORM)
    return await run_in_threadpool(_compare, request, ledger, viewer, capacity, body)


def _compare(
    request: Request, ledger: Ledger, viewer: Principal, capacity: Capacity, body: bytes
) -> Response:
    """The form decoded and checked, the draft parsed and both sides scored, in a worker thread and a
    replay turn: a large draft takes a second to parse, which on the event loop would hold up every
    other request."""
    form = checked_form(request, body)
    picked, overlong = bounded(form)
    if overlong:
        return _page(ledger, viewer, form, 400, "；".join(overlong), None)
    choices = dict(rulebook_choices(ledger.catalogue))
    base = form.get("base", "")
    if base not in choices:
        return _page(ledger, viewer, form, 400, f"未知的基准考核办法 unknown base rulebook {base!r}", None)
    try:
        with capacity.turn():
            draft = _draft(form, choices)
            document = ledger.whatif(
                base,
                draft,
                picked["period"],
                picked["as_of"] or None,
                picked["known_at"] or None,
            )
    except RulebookError as e:
        return _page(ledger, viewer, form, 422, f"草案无效 invalid draft: {e}", None)
    except LedgerError as e:
        return _page(ledger, viewer, form, 404 if isinstance(e, NotFound) else 400, str(e), None)
    return _page(ledger, viewer, form, 200, "", {**document, "draft_book": draft})


def _draft(form: dict[str, str], choices: dict[str, str]) -> str | Rulebook:
    if form.get("source") == "toml":
        text = form.get("draft_toml", "")
        if not text.strip():
            raise RulebookError("draft: 请粘贴草案的 TOML 文本 (the draft is empty)")
        return parse_rulebook(text.encode("utf-8", "surrogatepass"), "draft")  # which bounds its size too
    name = form.get("draft", "")
    if name not in choices:
        raise RulebookError(f"draft: 请从目录中选择草案 (unknown rulebook {name!r})")
    return name


def _page(
    ledger: Ledger, viewer: Principal, form: dict[str, str], status: int, error: str, result: Any
) -> Response:
    context: dict[str, Any] = {"form": form, "choices": rulebook_choices(ledger.catalogue), "result": result}
    if result is not None:
        context.update(_sides(ledger, result))
    return page("whatif.html", status, viewer=viewer, nav="whatif", error=error, **context)


def _sides(ledger: Ledger, result: dict[str, Any]) -> dict[str, Any]:
    """Both rulebooks, their differences key by key, and the chart of the units' differences."""
    base = book_of(ledger.catalogue, result["base"])
    draft = result["draft_book"]
    if not isinstance(draft, Rulebook):
        draft = book_of(ledger.catalogue, result["draft"])
    changes = diff_rulebooks(base, draft) if base and draft else []
    moved = [u for u in result["units"] if u["difference"]]
    rows = [(u["name"], float(u["difference"])) for u in sorted(moved, key=lambda u: -u["difference"])]
    caption = f"{result['period']} 草案与基准的总分差 draft minus base"
    return {
        "base_book": base,
        "draft_side": draft,
        "changes": [{**c, "from": _shown(c["from"]), "to": _shown(c["to"])} for c in changes],
        "rank_changes": sum(1 for u in result["units"] if u["rank_change"]),
        "chart": charts.diverging_bars(rows, caption) if rows else None,
        "chart_caption": caption,
    }


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
