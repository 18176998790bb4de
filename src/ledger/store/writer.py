"""A child process that runs the statements of large SQLite write transactions, on the second core.

SQLite does its work in the calling thread, holding the interpreter lock between rows, so a thread
cannot insert one part of a batch while another checks and encodes the next. A child process can: the
parent sends it each part's rows and goes on with the next part while the child inserts. The child
holds its own connection to the same file; the transaction (head-row lock, inserts, head, commit) is
wholly its own, so the parent's connection is not written during it.

Messages are length-prefixed pickles over the child's standard input and output (the child only ever
hears its parent). A call (`begin`, `read_after`, `commit`, `rollback`) is answered; `insert` and
`set_head` are not, and the first error they meet is answered at `commit`, which then rolls back. When
the parent goes away (its end of the pipe closes), the child rolls back whatever it had begun and ends,
so a parent killed mid-batch leaves nothing behind.

Run as `python -m ledger.store.writer PATH TABLE`.
"""

from __future__ import annotations

import pickle
import sqlite3
import sys
from typing import IO, Any

HEADER = 8  # bytes of a message's length


def send(stream: IO[bytes], message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(len(data).to_bytes(HEADER, "big") + data)
    stream.flush()


def receive(stream: IO[bytes]) -> Any:
    """The next message, or raise EOFError when the other end has gone."""
    header = stream.read(HEADER)
    if len(header) < HEADER:
        raise EOFError
    size = int.from_bytes(header, "big")
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


class Session:
    def __init__(self, path: str, table: str) -> None:
        self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.table = table
        self.failed: sqlite3.Error | None = None

    def begin(self) -> tuple[Any, ...]:
        self.failed = None
        self.db.execute("BEGIN IMMEDIATE")  # the write lock first, waiting out other writers
        row = self.db.execute(
            "UPDATE ledger_head SET appends = appends + 1 WHERE id = 1 RETURNING position, recorded_at, chain"
        ).fetchone()
        return tuple(row)

    def read_after(self, position: int) -> list[tuple[int, bytes]]:
        query = f"SELECT rowid, state FROM {self.table} WHERE rowid > ? ORDER BY rowid"
        return [(int(p), bytes(s)) for p, s in self.db.execute(query, (position,))]

    def insert(self, rows: list[tuple[int, str, str, bytes]]) -> None:
        if self.failed is None:
            self.db.executemany(
                f"INSERT INTO {self.table} (rowid, originator_id, originator_version, topic, state) "
                "VALUES (?, ?, 1, ?, ?)",
                rows,
            )

    def set_head(self, position: int, recorded_at: str, chain: str) -> None:
        if self.failed is None:
            self.db.execute(
                "UPDATE ledger_head SET position = ?, recorded_at = ?, chain = ? WHERE id = 1",
                (position, recorded_at, chain),
            )

    def commit(self) -> None:
        if self.failed is not None:
            self.rollback()
            raise self.failed
        self.db.execute("COMMIT")

    def rollback(self) -> None:
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")


CALLS = ("begin", "read_after", "commit", "rollback")


def serve(path: str, table: str, inbox: IO[bytes], outbox: IO[bytes]) -> None:
    session = Session(path, table)
    while True:
        try:
            operation, args = receive(inbox)
        except EOFError:  # the parent has gone: nothing it began is kept
            session.rollback()
            return
        try:
            result = getattr(session, operation)(*args)
        except sqlite3.Error as e:
            if operation not in CALLS:
                session.failed = session.failed or e
                continue
            send(outbox, ("error", type(e).__name__, str(e)))
            continue
        if operation in CALLS:
            send(outbox, ("ok", result))


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2], sys.stdin.buffer, sys.stdout.buffer)
