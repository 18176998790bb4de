"""`ledger init` (新建账本): make an empty ledger at --db. Only it, `import` and `restore` make a ledger;
every other command refuses a URL where there is none."""

from __future__ import annotations

import typer

from ledger.cli.common import Db, run
from ledger.services import Ledger, Settings
from ledger.store.base import printable


def init(db: Db = None) -> None:
    """在 --db 所指之处新建空账本。

    SQLite：建文件及其目录；PostgreSQL：在库与 schema 中建账本的表。那里已有账本则不动它（退出码 0）。
    """

    def body() -> None:
        ledger, made = Ledger.init(Settings.from_env(db))
        try:
            url, (acts, _) = printable(ledger.store.url), ledger.store.head()
        finally:
            ledger.close()
        if made:
            typer.echo(f"已新建账本：{url}（空账本，可用 ledger import 导入行为）")
            return
        typer.echo(f"账本已存在：{url}，有 {acts} 条行为，未作改动")

    run(body)
