"""Run a real `ledger serve` process for end-to-end tests."""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from ledger.rulebooks import Catalogue
from ledger.store import open_store
from ledger.store.tokens import Tokens
from ledger.tokens import new_token
from tests.signing import sign_in

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Server:
    url: str
    tokens: dict[str, str]
    process: subprocess.Popen[bytes]

    def client(self, role: str = "office", timeout: float = 60) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {self.tokens[role]}"}, timeout=timeout
        )

    def reader(self, role: str = "office", timeout: float = 120) -> tuple[httpx.Client, str]:
        """A client signed in to the pages as a browser is (through the form, sending its Origin), and
        the CSRF token its forms carry."""
        client = httpx.Client(base_url=self.url, headers={"Origin": self.url}, timeout=timeout)
        return client, sign_in(client, self.tokens[role], "/rulebooks")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_tokens(database_url: str, roles: tuple[str, ...]) -> dict[str, str]:
    tokens: dict[str, str] = {}
    catalogue = Catalogue.load()
    with open_store(database_url, catalogue.publications(), catalogue.items()) as store:
        registry = Tokens(store)
        for role in roles:
            tokens[role] = new_token()
            registry.create(tokens[role], f"{role.replace(':', '-')}-{len(registry.list())}", role)
    return tokens


@contextmanager
def serving(
    database_url: str,
    workers: int = 1,
    roles: tuple[str, ...] = ("office", "auditor", "unit:xingqing"),
    log: Path | None = None,
    options: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    open_files: int | tuple[int, int] | None = None,
) -> Iterator[Server]:
    """`ledger serve` on a free port with `options` added and `env` set; `open_files` limits the
    process's open files (soft and hard, or both the same), as a small machine would."""
    tokens = make_tokens(database_url, roles)
    port = free_port()

    def limit_files() -> None:
        if open_files is not None:
            soft, hard = open_files if isinstance(open_files, tuple) else (open_files, open_files)
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

    process = subprocess.Popen(
        [sys.executable, "-m", "ledger", "serve", "--port", str(port), "--workers", str(workers),
         "--db", database_url, *options],
        cwd=ROOT,
        stdout=log.open("ab") if log else subprocess.DEVNULL,
        stderr=log.open("ab") if log else subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        preexec_fn=limit_files,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                err = process.stderr.read().decode() if process.stderr else str(log)
                raise RuntimeError(f"ledger serve did not start:\n{err}")
            time.sleep(0.2)
        yield Server(url, tokens, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
