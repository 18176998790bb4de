"""Prometheus metrics of the service: requests, latencies, acts appended, connections closed.

Under `ledger serve` every worker process writes its metrics to the directory named by
PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode), and a scrape, whichever worker answers
it, adds up all of them: one scrape is the whole service. An application made without that directory
(tests in process) reports its own registry.
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

REGISTRY = CollectorRegistry()
REQUESTS = Counter(
    "ledger_http_requests", "HTTP requests answered", ["method", "route", "status"], registry=REGISTRY
)
LATENCY = Histogram(
    "ledger_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
ACTS_APPENDED = Counter("ledger_acts_appended", "Acts stored by the service", registry=REGISTRY)
CONNECTIONS_CLOSED = Counter(
    "ledger_http_connections_closed",
    "Connections closed before a whole request came: its headers (header_timeout) or its body (body_timeout)"
    " not in time, or at the cap (capacity)",
    ["reason"],
    registry=REGISTRY,
)
BUSY = Counter(
    "ledger_http_busy", "Requests answered 503 because the worker's replays were all taken", registry=REGISTRY
)


def exposition() -> bytes:
    """The metrics in Prometheus' text format: of every worker when they share a directory."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # prometheus_client leaves it untyped
        return generate_latest(registry)
    return generate_latest(REGISTRY)
