"""`token create`, `token list`, `token revoke`: bearer tokens for the HTTP service (only their hashes
are stored)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from ledger.cli.common import Db, err, ledger_at, note, run
from ledger.store.tokens import Tokens
from ledger.tokens import check_name, check_role, new_token

token_app = typer.Typer(help="HTTP 服务的访问令牌：只保存其哈希。")


@contextmanager
def tokens_at(db: str | None) -> Iterator[Tokens]:
    with ledger_at(db) as ledger:
        yield Tokens(ledger.store)


@token_app.command("create")
def token_create(
    role: Annotated[
        str,
        typer.Option(
            "--role", help="角色：office（信息科）、auditor（审计）、admin（管理）或 unit:<单位代码>."
        ),
    ],
    name: Annotated[str, typer.Option("--name", help="持有者名称，不可重复 (name).")],
    db: Db = None,
) -> None:
    """新建令牌：只显示这一次，之后无法再显示。"""

    def body() -> None:
        token = new_token()
        with tokens_at(db) as tokens:
            tokens.create(token, check_name(name), check_role(role))
        typer.echo(token)
        err.print(f"已新建令牌 {name!r}（{role}）：请现在保存，它不会再显示", highlight=False)

    run(body)


@token_app.command("list")
def token_list(db: Db = None) -> None:
    """列出令牌：名称、角色、创建与吊销时间（不显示令牌本身）。"""

    def body() -> None:
        with tokens_at(db) as tokens:
            records = tokens.list()
        for record in records:
            state = f"已吊销 {record.revoked_at}" if record.revoked_at else "有效"
            typer.echo(f"{record.name}\t{record.role}\t创建于 {record.created_at}\t{state}")
        if not records:
            note("还没有令牌：可用 ledger token create --role 角色 --name 名称 创建")

    run(body)


@token_app.command("revoke")
def token_revoke(name: Annotated[str, typer.Argument(help="令牌名称 (name).")], db: Db = None) -> None:
    """吊销令牌：立即失效，用它登录的网页会话随之结束。"""

    def body() -> None:
        with tokens_at(db) as tokens:
            record = tokens.revoke(name)
        typer.echo(f"{record.name}：已吊销于 {record.revoked_at}；其网页登录会话已结束")

    run(body)
