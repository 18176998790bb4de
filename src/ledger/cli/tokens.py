"""`token create`, `token list`, `token revoke`: bearer tokens for the HTTP service (only their hashes
are stored)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from ledger.cli.common import Db, err, ledger_at, run
from ledger.store.tokens import Tokens
from ledger.tokens import check_name, check_role, new_token

token_app = typer.Typer(help="Bearer tokens for the HTTP service (only their hashes are stored).")


@contextmanager
def tokens_at(db: str | None) -> Iterator[Tokens]:
    with ledger_at(db) as ledger:
        yield Tokens(ledger.store)


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option("--role", help="office, auditor, admin or unit:<unit>.")],
    name: Annotated[str, typer.Option("--name", help="Who holds it (unique).")],
    db: Db = None,
) -> None:
    """Make a token and print it once; it cannot be shown again."""

    def body() -> None:
        token = new_token()
        with tokens_at(db) as tokens:
            tokens.create(token, check_name(name), check_role(role))
        typer.echo(token)
        err.print(f"token {name!r} ({role}) created; store it now, it is not shown again", highlight=False)

    run(body)


@token_app.command("list")
def token_list(db: Db = None) -> None:
    """Every token's name, role, creation and revocation time (never the token)."""

    def body() -> None:
        with tokens_at(db) as tokens:
            for record in tokens.list():
                state = f"revoked {record.revoked_at}" if record.revoked_at else "active"
                typer.echo(f"{record.name}\t{record.role}\tcreated {record.created_at}\t{state}")

    run(body)


@token_app.command("revoke")
def token_revoke(name: Annotated[str, typer.Argument(help="The token's name.")], db: Db = None) -> None:
    """Revoke a token: it stops working at once, and the web sessions signed in with it end."""

    def body() -> None:
        with tokens_at(db) as tokens:
            record = tokens.revoke(name)
        typer.echo(f"{record.name}: revoked {record.revoked_at}; 其网页登录会话已结束 (web sessions ended)")

    run(body)
