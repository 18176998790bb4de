"""The rulebook pages (考核办法): every version with its window and sha256, and each clause in words
with the sentence of the regulation it quotes."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from ledger.api.deps import LedgerDep
from ledger.errors import NotFound
from ledger.web.routes.auth import ViewerDep
from ledger.web.templating import PageError, PageRoute, page

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/rulebooks")
def rulebooks(ledger: LedgerDep, viewer: ViewerDep) -> Response:
    return page("rulebooks.html", viewer=viewer, nav="rulebooks", books=ledger.catalogue.all())


@router.get("/rulebooks/{rulebook_id}")
def rulebook(rulebook_id: str, ledger: LedgerDep, viewer: ViewerDep) -> Response:
    try:
        selection = ledger.catalogue.select(rulebook_id)
    except NotFound as e:
        raise PageError(404, str(e), viewer) from None
    versions = list(selection.versions)
    return page("rulebook.html", viewer=viewer, nav="rulebooks", family=versions[0].id, versions=versions)
