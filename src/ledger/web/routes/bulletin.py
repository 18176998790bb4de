"""The bulletin page (通报): the office picks a rulebook and period, fills in the particulars
(文号/期号, 主送, 抄送, 印发日期) and downloads the 《政务信息采用情况通报》 as PDF or XLSX, as
`ledger bulletin` makes it; with its manifest (清单) beside it in a ZIP when asked, for
`ledger bulletin verify`.

For the office role only: the office issues bulletins.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from ledger.api.capacity import Capacity
from ledger.api.deps import CapacityDep, LedgerDep
from ledger.bulletin import Request as BulletinRequest
from ledger.bulletin import issue, manifest_path
from ledger.bulletin.issue import Issued, manifest_bytes, with_file
from ledger.bulletin.particulars import DEFAULT_TO
from ledger.errors import LedgerError, NotFound
from ledger.services import Ledger
from ledger.tokens import Principal
from ledger.web.forms import (
    bounded,
    checked_form,
    default_rulebook,
    default_year,
    read_body,
    rulebook_choices,
)
from ledger.web.routes.auth import ViewerDep
from ledger.web.templating import PageError, PageRoute, attachment, page

router = APIRouter(route_class=PageRoute, include_in_schema=False)
MAX_FORM = 8 * 1024
KINDS = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}
FIELDS = ("number", "to", "cc", "issued_on")


def _office(viewer: Principal) -> None:
    if viewer.role != "office":
        raise PageError(403, "通报 bulletin 由信息科 (office) 生成。", viewer)


@router.get("/bulletin")
def bulletin_form(ledger: LedgerDep, viewer: ViewerDep) -> Response:
    _office(viewer)
    form = {"rulebook": default_rulebook(ledger), "period": default_year(ledger)}
    return _page(ledger, viewer, form, 200, "")


@router.post("/bulletin")
async def bulletin(request: Request, ledger: LedgerDep, viewer: ViewerDep, capacity: CapacityDep) -> Response:
    _office(viewer)
    body = await read_body(request, MAX_FORM)
    return await run_in_threadpool(_download, request, ledger, viewer, capacity, body)


def _download(
    request: Request, ledger: Ledger, viewer: Principal, capacity: Capacity, body: bytes
) -> Response:
    """The form checked and the bulletin made (a replay: one of the worker's turns), in a worker thread."""
    form = checked_form(request, body)
    picked, overlong = bounded(form)
    if overlong:
        return _page(ledger, viewer, form, 400, "；".join(overlong))
    if picked["rulebook"] not in dict(rulebook_choices(ledger.catalogue)):
        return _page(ledger, viewer, form, 400, f"未知的考核办法 unknown rulebook {picked['rulebook']!r}")
    fmt = form.get("format", "")
    if fmt not in ("pdf", "xlsx"):
        return _page(ledger, viewer, form, 400, f"格式应为 PDF 或 XLSX，而不是 {fmt[:20]!r}")
    try:
        asked = BulletinRequest(
            picked["rulebook"],
            picked["period"],
            fmt,
            picked["as_of"] or None,
            picked["known_at"] or None,
            **{name: form.get(name) or None for name in FIELDS},
        )
        with capacity.turn():
            issued = issue(ledger, asked)
    except LedgerError as e:
        return _page(ledger, viewer, form, 404 if isinstance(e, NotFound) else 400, str(e))
    name = f"bulletin-{issued.bulletin.period}.{fmt}"
    if form.get("manifest"):
        return attachment(_zipped(issued, name), f"bulletin-{issued.bulletin.period}-{fmt}.zip", KINDS["zip"])
    return attachment(issued.content, name, KINDS[fmt])


def _zipped(issued: Issued, name: str) -> bytes:
    """The document and its manifest (清单), named as `ledger bulletin --out NAME` names them."""
    buffer = io.BytesIO()
    manifest = with_file(issued.manifest, name)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, issued.content)
        archive.writestr(manifest_path(Path(name)).name, manifest_bytes(manifest))
    return buffer.getvalue()


def _page(ledger: Ledger, viewer: Principal, form: dict[str, str], status: int, error: str) -> Response:
    choices = rulebook_choices(ledger.catalogue)
    context: dict[str, Any] = {"form": form, "choices": choices, "default_to": DEFAULT_TO}
    return page("bulletin.html", status, viewer=viewer, nav="bulletin", error=error, **context)
