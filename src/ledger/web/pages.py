"""The web pages, served by the same application as the API: one router for `create_app` to include."""

from __future__ import annotations

from fastapi import APIRouter

from ledger.web.routes import acts, assets, auth, bulletin, drafts, ranking, rulebooks, units, whatif

MODULES = (assets, auth, ranking, units, acts, whatif, drafts, bulletin, rulebooks)
router = APIRouter(include_in_schema=False)
for module in MODULES:
    router.include_router(module.router)
