"""`ledger init` (新建账本): make an empty ledger at --db. Only it, `import` and `restore` make a ledger;
every other command refuses a URL where there is none."""

from __future__ import annotations

import typer

from ledger.cli.common import Db, run
from ledger.services import Ledger, Settings
from ledger.store.base import printable


def init(db: Db = None) -> None:
    """Make an empty ledger (新建账本) at --db: the SQLite file and its directory, or the ledger's tables
    in the PostgreSQL database and schema. A ledger there already is left as it is (exit 0)."""

    def body() -> None:
        ledger, made = Ledger.init(Settings.from_env(db))
        try:
            url, (acts, _) = printable(ledger.store.url), ledger.store.head()
        finally:
            ledger.close()
        if made:
            typer.echo(f"已新建账本：{url}（空账本，可用 ledger import 导入行为）(made an empty ledger)")
            return
        typer.echo(f"账本已存在：{url}，有 {acts} 个行为，未作改动 (a ledger is there already; unchanged)")

    run(body)
