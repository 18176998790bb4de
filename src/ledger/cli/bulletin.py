"""`ledger bulletin`: make the 《政务信息采用情况通报》 as HTML, PDF or XLSX with its manifest, and
`ledger bulletin verify MANIFEST`: make it again and say whether it is identical and still current."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import orjson
import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from rich.markup import escape

from ledger.anchoring import Altered, take
from ledger.bulletin import FORMATS, Request, issue, manifest_path, verify_file, write
from ledger.bulletin.issue import Issued
from ledger.bulletin.particulars import DEFAULT_TO
from ledger.checkpoints import load_private_key, load_public_key
from ledger.cli.common import AsOf, Db, KnownAt, err, ledger_at, run
from ledger.errors import LedgerError
from ledger.services import Ledger

bulletin_app = typer.Typer(
    help=(
        "生成《政务信息采用情况通报》（HTML、PDF 或 XLSX）及其清单；`bulletin verify 清单` 核验已生成的通报。"
    ),
    invoke_without_command=True,
    subcommand_metavar="[verify 清单]",
    no_args_is_help=False,
    pretty_exceptions_enable=False,
    add_completion=False,
)

RulebookArg = Annotated[
    str | None, typer.Option("--rulebook", help="考核办法 ID，或 ID@版本 固定一个版本 (rulebook).")
]
PeriodArg = Annotated[
    str | None, typer.Option("--period", help="考核期间：2019、2019-H1、2019-Q3 或 2019-07 (period).")
]
FormatArg = Annotated[
    str | None,
    typer.Option("--format", help="html、pdf 或 xlsx（默认按 --out 文件的后缀）(format)."),
]
OutArg = Annotated[
    Path | None, typer.Option("--out", help="要写出的通报文件；清单写到 文件.manifest.json (out).")
]
NumberArg = Annotated[
    str | None,
    typer.Option(
        "--number",
        help="文号或期号，印在版头红线之上，如 银政办发〔2019〕12号 或 第3期（默认：如 2019年第3期）。",
    ),
]
ToArg = Annotated[
    str | None,
    typer.Option("--to", help=f"主送机关，如 各县（市）区人民政府，市直各部门（默认：{DEFAULT_TO}）。"),
]
CcArg = Annotated[
    str | None,
    typer.Option("--cc", help="抄送机关，印在版记中，如 自治区人民政府办公厅（默认：无抄送）。"),
]
IssuedOnArg = Annotated[
    str | None,
    typer.Option(
        "--issued-on",
        help="印发日期，如 2019-10-08 或 2019年10月8日（默认：所据记录知悉时点当日，北京时间）。",
    ),
]


@bulletin_app.callback()
def bulletin(
    ctx: typer.Context,
    rulebook: RulebookArg = None,
    period: PeriodArg = None,
    as_of: AsOf = None,
    known_at: KnownAt = None,
    fmt: FormatArg = None,
    out: OutArg = None,
    number: NumberArg = None,
    to: ToArg = None,
    cc: CcArg = None,
    issued_on: IssuedOnArg = None,
    checkpoint_key: Annotated[
        Path | None,
        typer.Option(
            "--checkpoint-key",
            help="私钥（Ed25519）：清单中附上通报所据位置的哈希链检查点，并以此签署 (checkpoint key).",
        ),
    ] = None,
    db: Db = None,
) -> None:
    """生成一个期间的通报：标题、发文机关，各单位报送数、各刊物采用数、批示与得分的排名表，以及被通报批评的单位。

    同时写出清单（文件.manifest.json），记下所据的行为、考核办法与程序版本。
    """
    if ctx.invoked_subcommand is not None:
        given = [
            name
            for name, value in (
                ("--rulebook", rulebook),
                ("--period", period),
                ("--as-of", as_of),
                ("--known-at", known_at),
                ("--format", fmt),
                ("--out", out),
                ("--number", number),
                ("--to", to),
                ("--cc", cc),
                ("--issued-on", issued_on),
                ("--checkpoint-key", checkpoint_key),
            )
            if value is not None
        ]
        if given:
            raise typer.BadParameter(
                f"{'、'.join(given)} 用于生成通报；`bulletin {ctx.invoked_subcommand}` 不接受这些选项"
            )
        ctx.obj = db
        return

    def body() -> None:
        missing = [
            n for n, v in (("--rulebook", rulebook), ("--period", period), ("--out", out)) if v is None
        ]
        if missing:
            raise LedgerError(
                f"生成通报须给出 {'、'.join(missing)}（核验通报用 `ledger bulletin verify 清单`）"
            )
        assert rulebook is not None and period is not None and out is not None
        kind = fmt or out.suffix.lower().lstrip(".")
        if kind not in FORMATS:
            raise LedgerError(
                f"--format {kind!r} 不是 {'、'.join(FORMATS)} 之一"
                if fmt
                else f"--out {out} 的后缀不是 .html、.pdf 或 .xlsx：请给出 --format"
            )
        request = Request(rulebook, period, kind, as_of, known_at, number, to, cc, issued_on)
        signer = load_private_key(checkpoint_key) if checkpoint_key else None  # before the store opens
        with ledger_at(db) as ledger:
            issued = issue(ledger, request)
            if signer is not None:
                issued = _with_checkpoint(ledger, issued, signer)
        written = write(issued, out)
        b = issued.bulletin
        typer.echo(f"{out}：{b.title}{b.subtitle}，{len(b.rows)} 个单位，sha256 {issued.sha256}")
        typer.echo(f"{written}：位置 {b.position}，已知于 {b.known_at}，核验码 {b.code}")
        if signer is not None:
            typer.echo(f"检查点已签署：位置 {b.position}，链头 {issued.manifest['chain'][:12]}…（在清单中）")

    run(body)


def _with_checkpoint(ledger: Ledger, issued: Issued, signer: Ed25519PrivateKey) -> Issued:
    """The bulletin with a checkpoint of the chain at its position signed into its manifest."""
    position = issued.manifest["position"]
    try:
        made = take(ledger.store, signer, upto=position)
    except Altered as e:
        err.print(
            f"[red]链已被改动，未签署检查点，通报未写出：[/red]{escape(str(e))}",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(4) from None
    return replace(issued, manifest={**issued.manifest, "checkpoint": made.as_json()})


@bulletin_app.command("verify")
def verify(
    ctx: typer.Context,
    manifest: Annotated[
        Path,
        typer.Argument(metavar="清单", help="通报的清单（文件.manifest.json）或通报文件本身 (manifest)."),
    ],
    fmt: Annotated[str, typer.Option("--format", help="text（文字）或 json.")] = "text",
    public_key: Annotated[
        list[Path] | None,
        typer.Option("--public-key", help="清单中检查点的签名应对应的公钥 (public key)."),
    ] = None,
    db: Db = None,
) -> None:
    """按清单重新生成通报，核验是否一致；并按账本现有记录，列出哪些单位的数字已不同、由此后记录的哪些行为所致。

    退出码：0，一致且仍为最新；1，一致，但已被此后记录的行为取代；
    4，不一致（历史、考核办法、程序、排版或文件本身不同）。
    """

    def body() -> None:
        if fmt not in ("text", "json"):
            raise LedgerError(f"--format {fmt!r} 不是 text、json 之一")
        path = manifest if manifest.name.endswith(".manifest.json") else manifest_path(manifest)
        keys = [load_public_key(key) for key in public_key or []]
        with ledger_at(db if db is not None else ctx.obj) as ledger:
            result = verify_file(ledger, path, keys)
        if fmt == "json":
            sys.stdout.buffer.write(orjson.dumps(result.as_json(), option=orjson.OPT_INDENT_2) + b"\n")
        else:
            for line in result.report():
                typer.echo(line)
        if result.exit_code:
            err.print(
                f"{path}：{'已过时 (superseded)' if result.exit_code == 1 else '不一致 (not identical)'}",
                highlight=False,
            )
            raise typer.Exit(result.exit_code)

    run(body)
