"""Running the HTTP service: `ledger serve` binds its address, sets the process limits, the metrics
directory and the logs, and runs uvicorn with the guarded connections, in one process or several.

The address is bound here, before any worker starts, so a taken port is reported by host and port at
once (uvicorn itself would start the application first and then log only "Address already in use").
"""

from __future__ import annotations

import copy
import errno
import logging
import os
import resource
import shutil
import signal
import socket
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from ledger.errors import LedgerError
from ledger.services import Settings

log = logging.getLogger("uvicorn.error")
RESERVED_FILES = 64  # descriptors each worker keeps for itself beyond connections (database, files, pipes)
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
METRICS_PREFIX = "ledger-metrics-"  # then the pid of the `ledger serve` that made it
WORKER_HEALTHCHECK = 30  # seconds


class AddressTaken(LedgerError):
    """The address to listen on cannot be bound (taken by another process, or not allowed)."""


def serve(settings: Settings, host: str, port: int, workers: int) -> None:
    """Serve `ledger.api:create_app` on host:port with `workers` processes, until SIGINT or SIGTERM."""
    limit = raise_file_limit()
    cap = max(2, min(settings.max_connections, limit - RESERVED_FILES))  # below the open-files limit
    settings = replace(settings, max_connections=cap)
    os.environ["LEDGER_MAX_CONNECTIONS"] = str(settings.max_connections)  # the workers read it
    sock = listen(host, port)
    with metrics_directory():
        import uvicorn
        from uvicorn.supervisors import Multiprocess

        from ledger.serving.connections import GuardedProtocol

        config = uvicorn.Config(
            "ledger.api:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            http=GuardedProtocol,
            log_config=log_config(),
            log_level="info",
            # the supervisor kills a worker that does not answer its ping in time; a worker starting on a
            # busy machine (importing the application) may take more than uvicorn's 5 s
            timeout_worker_healthcheck=WORKER_HEALTHCHECK,
        )
        shown = f"[{host}]" if ":" in host else host
        log.info(
            "正在监听 listening on http://%s:%d (%d worker(s); each at most %d connections, "
            "headers within %g s)",
            shown, port, workers, settings.max_connections, settings.header_timeout,
        )  # fmt: skip
        if workers > 1:
            Multiprocess(config, sockets=[sock]).run()
            return
        server = uvicorn.Server(config)
        # uvicorn stops gracefully on SIGTERM and then raises it again, with the handler found at its start:
        # ending as SystemExit (exit 0) rather than by the signal lets the metrics directory be removed
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        server.run(sockets=[sock])
        if not server.started:
            raise LedgerError("服务未能启动 (the application did not start); see the log above")


def raise_file_limit() -> int:
    """Raise this process's (and its workers') soft limit of open files to the hard limit; the limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    return soft if soft != resource.RLIM_INFINITY else 1 << 20


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to host:port for the workers to share; AddressTaken names the address."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    shown = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    try:
        sock.bind((host, port))
    except OSError as e:
        sock.close()
        if e.errno == errno.EADDRINUSE:
            raise AddressTaken(f"{shown} 已被占用 (address already in use)") from None
        if e.errno == errno.EACCES:
            raise AddressTaken(f"无权监听 {shown}：小于 1024 的端口需要特权 (permission denied)") from None
        raise AddressTaken(f"无法监听 {shown}：{e.strerror} ({e.__class__.__name__})") from None
    sock.set_inheritable(True)
    return sock


@contextmanager
def metrics_directory() -> Iterator[Path]:
    """The directory the workers' metrics are kept in (prometheus_client's multiprocess mode), emptied
    at start: one given in PROMETHEUS_MULTIPROC_DIR, or a fresh one removed at the end (and, when this
    process is killed before it can, by the next `ledger serve` on the machine)."""
    given = os.environ.get(MULTIPROCESS_DIR)
    if given:
        path = Path(given)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()
    else:
        _remove_orphans()
        path = Path(tempfile.mkdtemp(prefix=f"{METRICS_PREFIX}{os.getpid()}-"))
    os.environ[MULTIPROCESS_DIR] = str(path)
    try:
        yield path
    finally:
        if not given:
            shutil.rmtree(path, ignore_errors=True)


def _remove_orphans() -> None:
    """Remove the metrics directories of `ledger serve` processes that no longer run (killed)."""
    for orphan in Path(tempfile.gettempdir()).glob(f"{METRICS_PREFIX}*-*"):
        owner = orphan.name.removeprefix(METRICS_PREFIX).split("-", 1)[0]
        if owner.isdigit() and not _running(int(owner)):
            shutil.rmtree(orphan, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def log_config() -> dict[str, Any]:
    """uvicorn's logging, with tokens redacted from every record and the ledger's loggers on stderr."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"redact": {"()": "ledger.serving.redaction.RedactTokens"}}
    for handler in config["handlers"].values():
        handler["filters"] = ["redact"]
    config["loggers"]["ledger"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    config["root"] = {"handlers": ["default"], "level": "WARNING"}
    return config
