"""The server's connections: deadlines for a request's headers and body, and a cap on open connections.

uvicorn has a keep-alive timeout but none for a request's headers or body: a connection that sends
nothing, or its headers or body a byte at a time, stays open for ever, and enough of them exhaust the
process's file descriptors (slowloris, and its slow-body twin). `GuardedProtocol` is uvicorn's own
httptools protocol with three guards added:

- a header deadline: from the moment a connection opens, and from the end of each response on it, the
  next request's headers must be complete within `header_timeout` seconds, or the connection is closed;
- a body deadline: once its headers are complete, a request's body must be complete within
  `body_timeout` seconds, or the connection is closed (the application sees the client gone);
- a cap: past `max_connections` open connections in this worker, the connection that has waited longest
  for its request (headers or body) is closed to make room (a request whole and being answered is never
  cut off), so a new request, a health check say, still gets in under a flood of slow ones.

uvicorn's own `limit_concurrency` is not used: at its limit it answers every new request 503, the health
check included, which is what a flood of idle connections wants.
"""

from __future__ import annotations

import asyncio
from typing import Any
from weakref import WeakKeyDictionary

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from ledger.api import metrics
from ledger.services import Settings


class Doorkeeper:
    """One worker's connections that wait for their request (headers or body), the longest-waiting first."""

    def __init__(self, header_timeout: float, max_connections: int, body_timeout: float = 60.0) -> None:
        self.header_timeout = header_timeout
        self.body_timeout = body_timeout
        self.max_connections = max_connections
        self.waiting: dict[GuardedProtocol, None] = {}  # insertion order: who has waited longest
        self.open = 0  # connections open and not being closed

    def wait(self, connection: GuardedProtocol) -> None:
        self.waiting.setdefault(connection, None)

    def done(self, connection: GuardedProtocol) -> None:
        self.waiting.pop(connection, None)

    def admit(self, newcomer: GuardedProtocol) -> None:
        """Count a new connection; past the cap, close the connection that has waited longest for its
        request, or the newcomer itself when no other waits (every other one is being answered)."""
        self.open += 1
        if self.open > self.max_connections:
            victim = next((c for c in self.waiting if c is not newcomer), newcomer)
            victim.drop("capacity")


_doorkeepers: WeakKeyDictionary[ServerState, Doorkeeper] = WeakKeyDictionary()


def doorkeeper(state: ServerState) -> Doorkeeper:
    """The doorkeeper of one server (one per worker process), with the limits of the settings."""
    if state not in _doorkeepers:
        settings = Settings.from_env()
        _doorkeepers[state] = Doorkeeper(
            settings.header_timeout, settings.max_connections, settings.body_timeout
        )
    return _doorkeepers[state]


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with header and body deadlines and the worker's connection cap."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.door = doorkeeper(server_state)
        self.deadline: asyncio.TimerHandle | None = None
        self.counted = False  # among the doorkeeper's open connections

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_headers()
        self.counted = True
        self.door.admit(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._forget()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._await_headers()

    def on_headers_complete(self) -> None:
        self._stop_deadline()
        super().on_headers_complete()
        # The body's deadline: a request without one completes at once, in the same call that fed its
        # headers, and cancels it (starting it anyway is cheaper than telling bodies apart here).
        self._start_deadline(self.door.body_timeout, "body_timeout")

    def on_message_complete(self) -> None:
        self._request_done()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        idle = not self.pipeline  # no request queued behind this one: the connection waits for the next
        super().on_response_complete()
        if idle and not self.transport.is_closing():
            self._await_headers()

    def _await_headers(self) -> None:
        """Start the header deadline, unless one runs already (a request's first bytes came earlier)."""
        if self.deadline is None:
            self._start_deadline(self.door.header_timeout, "header_timeout")

    def _start_deadline(self, seconds: float, reason: str) -> None:
        self.deadline = self.loop.call_later(seconds, self.drop, reason)
        self.door.wait(self)

    def _stop_deadline(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None

    def _request_done(self) -> None:
        self._stop_deadline()
        self.door.done(self)

    def _forget(self) -> None:
        self._request_done()
        if self.counted:
            self.counted = False
            self.door.open -= 1

    def drop(self, reason: str) -> None:
        """Close the connection, which has not sent a whole request (in time, or at the cap)."""
        self._forget()
        if not self.transport.is_closing():
            metrics.CONNECTIONS_CLOSED.labels(reason).inc()
            self.transport.close()
