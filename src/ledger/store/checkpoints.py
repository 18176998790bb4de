"""The checkpoints the ledger knows: each one `ledger checkpoint` signed is also kept beside the act store,
so that `ledger verify` checks the chain against all of them without being handed the files.

The copy in the database is a convenience, not the proof: whoever can rewrite the acts can delete these
rows too. What holds against that is the copy kept outside (the file, a bulletin's manifest), and the
public key the signatures are checked with; a row whose signature fails is refused like a forged file.
"""

from __future__ import annotations

import orjson

from ledger.checkpoints import Checkpoint, CheckpointError, parse
from ledger.store.base import Store

TABLE = (
    "CREATE TABLE IF NOT EXISTS {table} (signature TEXT PRIMARY KEY, position BIGINT NOT NULL, "
    "document TEXT NOT NULL)"
)


class KnownCheckpoints:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.table = store.qualify("ledger_checkpoints")

    def keep(self, checkpoint: Checkpoint) -> None:
        """Keep a signed checkpoint (again keeping the same one changes nothing)."""
        document = orjson.dumps(checkpoint.as_json(), option=orjson.OPT_SORT_KEYS).decode()
        with self.store.transaction(commit=True) as c:
            c.execute(TABLE.format(table=self.table))
            mark = self.store.mark
            c.execute(
                f"INSERT INTO {self.table} (signature, position, document) VALUES ({mark}, {mark}, {mark}) "
                "ON CONFLICT (signature) DO NOTHING",
                (checkpoint.signature, checkpoint.position, document),
            )

    def all(self) -> list[tuple[str, Checkpoint]]:
        """Every kept checkpoint, by position, each named for the messages (none while none was kept). A
        row that is not a checkpoint any more (edited in the database) is named as such."""
        if not self.store.has_table("ledger_checkpoints"):
            return []
        with self.store.transaction(commit=False) as c:
            c.execute(f"SELECT position, document FROM {self.table} ORDER BY position, signature")
            rows = c.fetchall()
        known: list[tuple[str, Checkpoint]] = []
        for row in rows:
            where = f"数据库中位置 {row['position']} 的检查点"
            try:
                known.append((where, parse(orjson.loads(row["document"]), where)))
            except (orjson.JSONDecodeError, CheckpointError) as e:
                raise CheckpointError(f"{where}已被改动，不再是检查点：{e}") from None
        return known
