"""`ledger checkpoint` (签署检查点): sign the ledger's chain head with a key kept outside the database;
`ledger checkpoint key --out DIR`: make the key pair; `ledger verify` walks the chain, with
`--checkpoint FILE` also against them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ledger.anchoring import Altered, Audit, audit, take
from ledger.checkpoints import (
    Checkpoint,
    fingerprint,
    load_private_key,
    load_public_key,
    make_key_pair,
    read_checkpoint,
    write_checkpoint,
)
from ledger.cli.common import Db, err, ledger_at, note, run
from ledger.emptiness import NOTHING_TO
from ledger.errors import LedgerError

checkpoint_app = typer.Typer(
    help=(
        "签署检查点：用数据库之外保管的私钥签署哈希链头。\n\n"
        "`checkpoint --key 私钥 --out 文件` 签署；`checkpoint key --out 目录` 生成密钥对。"
    ),
    invoke_without_command=True,
    subcommand_metavar="[key --out DIR]",
    no_args_is_help=False,
    pretty_exceptions_enable=False,
    add_completion=False,
)

KeyOpt = Annotated[Path | None, typer.Option("--key", help="Ed25519 私钥文件（PEM，PKCS#8）(private key).")]
LedgerIdOpt = Annotated[
    str | None,
    typer.Option("--ledger-id", envvar="LEDGER_ID", help="账本名称，一并签入检查点 (ledger id)."),
]


@checkpoint_app.callback()
def checkpoint(
    ctx: typer.Context,
    key: KeyOpt = None,
    out: Annotated[Path | None, typer.Option("--out", help="要写出的检查点文件（JSON）(file).")] = None,
    ledger_id: LedgerIdOpt = None,
    db: Db = None,
) -> None:
    """核验哈希链，再把链头（位置、链值、记录时间、账本名称）签入检查点文件，与数据库分开保存。

    链已被改动则不签署（退出码 4）。
    """
    if ctx.invoked_subcommand is not None:
        if key is not None or out is not None:
            raise typer.BadParameter(f"--key 与 --out 应写在 `checkpoint {ctx.invoked_subcommand}` 之后")
        return

    def body() -> None:
        if key is None or out is None:
            raise LedgerError(
                "给出 --key PRIVATE 与 --out FILE 以签署检查点（或 `ledger checkpoint key --out DIR`）"
            )
        private = load_private_key(key)  # before the store is opened: a bad key changes nothing
        with ledger_at(db) as ledger:
            try:
                made = take(ledger.store, private, ledger=ledger_id)
            except Altered as e:
                err.print(
                    f"[red]链已被改动，未签署检查点：[/red]{escape(str(e))}", highlight=False, soft_wrap=True
                )
                raise typer.Exit(4) from None
        write_checkpoint(made, out)
        typer.echo(f"检查点已签署：位置 {made.position}，链头 {made.chain[:12]}…，密钥 {made.key[:19]}…")
        typer.echo(f"{out}：请与账本数据库分开保存")

    run(body)


@checkpoint_app.command("key")
def key_pair(
    out: Annotated[Path, typer.Option("--out", help="密钥对写入的目录 (directory).")],
) -> None:
    """生成 Ed25519 密钥对：私钥 checkpoint.key 与公钥 checkpoint.pub。

    私钥权限 0600，离开数据库所在的机器保管；公钥交审计方。已有的文件不会被替换。
    """

    def body() -> None:
        private, public = make_key_pair(out)
        typer.echo(f"私钥：{private}（权限 0600，离线保管，勿与数据库放在一起）")
        typer.echo(f"公钥：{public}（交审计方持有，核验时用 --public-key）")
        typer.echo(f"指纹：{fingerprint(load_public_key(public))}")

    run(body)


def verify(
    db: Db = None,
    checkpoint: Annotated[
        list[Path] | None,
        typer.Option("--checkpoint", help="据以核验的检查点文件；可重复 (checkpoint)."),
    ] = None,
    public_key: Annotated[
        list[Path] | None,
        typer.Option("--public-key", help="检查点须由其签署的公钥文件；可重复 (public key)."),
    ] = None,
) -> None:
    """核验哈希链：指出历史被改动、删除或重排的第一个位置。

    也与账本保存的检查点及 --checkpoint 给出的检查点文件比对；给出 --public-key 时先核验其签名。
    """

    def body() -> None:
        code = verify_against(db, checkpoint or [], public_key or [])
        if code:
            raise typer.Exit(code)

    run(body)


def verify_against(db: str | None, files: Sequence[Path], key_files: Sequence[Path]) -> int:
    """`ledger verify` with checkpoints: print what was found, return the exit code (0 or 4)."""
    keys = [load_public_key(path) for path in key_files]  # bad input first: exit 2, nothing read
    checkpoints: list[tuple[str, Checkpoint]] = [(str(path), read_checkpoint(path)) for path in files]
    with ledger_at(db) as ledger:
        result = audit(ledger.store, checkpoints, keys)
    found = result.found
    if found.broken is None:
        typer.echo(f"完好：{found.checked} 条行为，{found.what}")
        if not found.checked:
            note(NOTHING_TO.format("核验", "verify"))
    else:
        err.print(
            f"[red]已被改动：[/red]位置 {found.broken}：{escape(found.what)}"
            f"（其前 {found.checked} 条行为核验无误）",
            highlight=False,
            soft_wrap=True,
        )
    _say(result)
    return 0 if result.ok else 4


def _say(result: Audit) -> None:
    for where, why in result.refused:
        err.print(
            f"[red]检查点被拒：[/red]{escape(str(where))}：{escape(str(why))}",
            highlight=False,
            soft_wrap=True,
        )
    if not result.signatures_checked and result.anchored:
        typer.echo("注意：未给 --public-key，检查点的签名未核验")
    broken = result.found.broken
    for where in result.contradicted:
        err.print(
            f"[red]与检查点不符：[/red]{where}：历史自位置 {broken} 起与该检查点不一致"
            if broken is not None
            else f"[red]与检查点不符：[/red]{where}：同一位置的检查点彼此不一致",
            highlight=False,
            soft_wrap=True,
        )
    agreed = [c for c in result.anchored if broken is None or c.position < broken]
    if agreed:
        positions = "、".join(str(c.position) for c in sorted(agreed, key=lambda c: c.position))
        typer.echo(f"与检查点相符：{len(agreed)} 个（位置 {positions}）")
