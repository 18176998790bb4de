"""A what-if draft as a file: downloaded as TOML (草案下载), and loaded back into the editor (载入草案).

Both for the office and auditor roles, as the what-if page is; the download is a form POST carrying the
draft's text, the load a multipart upload of one file, each with the page's CSRF token.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.responses import Response

from ledger.api.bodies import TooLarge, read_within
from ledger.api.deps import LedgerDep
from ledger.drafting import clash
from ledger.errors import RulebookError
from ledger.rulebooks import parse_rulebook
from ledger.services import Ledger
from ledger.tokens import Principal
from ledger.web import csrf, editor
from ledger.web.forms import bounded, checked_form, read_body, rulebook_choices
from ledger.web.routes.auth import ViewerDep
from ledger.web.routes.whatif import MAX_FORM, office_or_auditor, page_of
from ledger.web.templating import PageError, PageRoute, attachment
from ledger.whatif import MAX_DRAFT

router = APIRouter(route_class=PageRoute, include_in_schema=False)
MAX_UPLOAD = MAX_DRAFT + 64 * 1024  # one rulebook file and the form's few fields around it


@router.post("/whatif/draft")
async def download(request: Request, viewer: ViewerDep) -> Response:
    office_or_auditor(viewer)
    body = await read_body(request, MAX_FORM)
    return await run_in_threadpool(_download, request, body)


def _download(request: Request, body: bytes) -> Response:
    """The draft's TOML as a file named by its id and version, once it is found to be a rulebook."""
    text = checked_form(request, body).get("draft_toml", "")
    try:
        book = parse_rulebook(text.encode("utf-8", "surrogatepass"), "草案 draft")
    except RulebookError as e:
        raise PageError(422, f"草案无效 invalid draft: {e}") from None
    return attachment(
        text.encode("utf-8"), f"{book.id}-v{book.version}.toml", "application/toml; charset=utf-8"
    )


@router.post("/whatif/load")
async def load(request: Request, ledger: LedgerDep, viewer: ViewerDep) -> Response:
    office_or_auditor(viewer)
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "multipart/form-data":
        raise PageError(415, "草案文件应以 multipart/form-data 上传。")
    try:
        body = await read_within(request, MAX_UPLOAD)
    except TooLarge:
        raise PageError(413, f"上传的内容超过 {MAX_UPLOAD // 1024} KiB。") from None
    form = await _multipart(request, body)
    refusal = csrf.token_refusal(request, _texts(form), signing_in=False)
    if refusal:
        raise PageError(403, refusal, title=csrf.REFUSED)
    upload = form.get("draft_file")
    content = await upload.read(MAX_DRAFT + 1) if isinstance(upload, UploadFile) else b""
    name = (upload.filename or "") if isinstance(upload, UploadFile) else ""
    await form.close()
    return await run_in_threadpool(_loaded, ledger, viewer, _texts(form), name[:100], content)


async def _multipart(request: Request, body: bytes) -> FormData:
    async def stream() -> AsyncGenerator[bytes, None]:
        yield body

    parser = MultiPartParser(request.headers, stream(), max_files=1, max_fields=10, max_part_size=MAX_UPLOAD)
    try:
        return await parser.parse()
    except MultiPartException:
        raise PageError(400, "上传的表单内容无法解析。") from None


def _texts(form: FormData) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _loaded(ledger: Ledger, viewer: Principal, given: dict[str, str], name: str, content: bytes) -> Response:
    """The page with the editor filled from the loaded draft, warned when it passes for a published
    version; a file that is no rulebook is refused beside the editor as it was."""
    picked, _ = bounded(given)
    choices = dict(rulebook_choices(ledger.catalogue))
    base = given.get("base", "") if given.get("base", "") in choices else ""
    form = {"base": base, "draft": base, "period": picked["period"], "source": "editor"}
    if not content:
        error = "请选择要载入的草案文件 (choose a .toml file)"
    else:
        try:
            source = editor.Source(
                parse_rulebook(content, name or editor.LOADED), content.decode("utf-8"), ""
            )
        except RulebookError as e:
            error = f"载入的草案无效 invalid draft: {e}"
        else:
            form["edit_text"] = source.text
            warning = clash(source.book, ledger.catalogue) or ""
            return page_of(ledger, viewer, form, 200, "", None, source, warning=warning)
    fallback = editor.in_force(ledger.catalogue, base) if base else None
    if fallback is not None:
        form.update({"edit_from": fallback.ref, **editor.prefilled(fallback, ledger.catalogue)})
    return page_of(ledger, viewer, form, 422 if content else 400, error, None, fallback)
