"""The ledger as an HTTP service: one FastAPI application, built by `create_app`."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import orjson
from fastapi import FastAPI, Request
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.responses import Response

from ledger import __version__
from ledger.api import docs, metrics, problems
from ledger.api.capacity import Capacity
from ledger.api.deps import OperatorDep
from ledger.api.projection import Projection
from ledger.api.routes import events, reads, whatif
from ledger.api.startup import open_ledger
from ledger.errors import LedgerError
from ledger.services import Settings
from ledger.store.sessions import Sessions
from ledger.store.tokens import Tokens
from ledger.web import pages


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ledger = await open_ledger(settings)
        ledger.files_allowed = False  # rulebooks named in requests come from the catalogue only
        app.state.ledger = ledger
        app.state.tokens = Tokens(ledger.store)
        app.state.sessions = Sessions(ledger.store, settings.sessions)
        app.state.projection = Projection.start(ledger, settings.project)
        app.state.capacity = Capacity(settings.replays, settings.replay_queue, settings.replay_wait)
        try:
            yield
        finally:
            app.state.projection.stop()
            app.state.sessions.close()
            ledger.close()

    app = FastAPI(
        title="ledger",
        version=__version__,
        summary="An event-sourced scoring ledger for 政务信息工作考核",
        lifespan=lifespan,
        docs_url=None,  # served by `docs.router` with its assets from the application itself
        redoc_url=None,
    )
    problems.install(app)
    app.include_router(docs.router)
    app.include_router(events.router, prefix="/v1")
    app.include_router(reads.router, prefix="/v1")
    app.include_router(whatif.router, prefix="/v1")
    app.include_router(pages.router)

    @app.middleware("http")
    async def measure(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        if request.url.path.startswith("/v1/") and not path.startswith("/v1/"):
            path = "/v1" + path  # routes of an included router keep their own path
        metrics.REQUESTS.labels(request.method, path, str(response.status_code)).inc()
        metrics.LATENCY.labels(request.method, path).observe(time.perf_counter() - started)
        return response

    @app.get("/healthz", tags=["operations"], summary="The store is reachable")
    def healthz(request: Request) -> Response:
        try:
            request.app.state.ledger.store.ping()
        except LedgerError as e:
            retry = {"Retry-After": str(problems.STORE_RETRY_AFTER)}
            return problems.problem(503, f"the store is unreachable: {e}", headers=retry)
        status: dict[str, Any] = {"status": "ok", **request.app.state.projection.health()}
        return Response(orjson.dumps(status), media_type="application/json")

    @app.get(
        "/metrics",
        tags=["operations"],
        summary="Prometheus metrics of the whole service (a token of the office, auditor or admin role)",
    )
    def prometheus(principal: OperatorDep) -> Response:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    return app
