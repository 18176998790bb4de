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
        "Make the bulletin (《政务信息采用情况通报》) as HTML, PDF or XLSX with its manifest; "
        "`bulletin verify MANIFEST` checks it."
    ),
    invoke_without_command=True,
    subcommand_metavar="[verify MANIFEST]",
    no_args_is_help=False,
    pretty_exceptions_enable=False,
    add_completion=False,
)

RulebookArg = Annotated[
    str | None, typer.Option("--rulebook", help="Rulebook id, or ID@VERSION to pin a version.")
]
PeriodArg = Annotated[str | None, typer.Option("--period", help="2019, 2019-H1, 2019-Q3 or 2019-07.")]
FormatArg = Annotated[
    str | None,
    typer.Option("--format", help="html, pdf or xlsx (default: from the --out file's suffix)."),
]
OutArg = Annotated[
    Path | None, typer.Option("--out", help="The document to write; its manifest goes to FILE.manifest.json.")
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
            help="An Ed25519 private key: the manifest carries a signed checkpoint (检查点) of the chain "
            "at the bulletin's position.",
        ),
    ] = None,
    db: Db = None,
) -> None:
    """Make the bulletin of a period (通报): title, issuing office, the ranked table of units with filed
    counts, adoptions by publication, endorsements and scores, and the units criticised; with a manifest
    (FILE.manifest.json) naming the acts, rulebook and engine it was made from."""
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
                f"{', '.join(given)} make a bulletin; `bulletin {ctx.invoked_subcommand}` takes none of them"
            )
        ctx.obj = db
        return

    def body() -> None:
        missing = [
            n for n, v in (("--rulebook", rulebook), ("--period", period), ("--out", out)) if v is None
        ]
        if missing:
            raise LedgerError(
                f"give {', '.join(missing)} to make a bulletin (or `ledger bulletin verify MANIFEST`)"
            )
        assert rulebook is not None and period is not None and out is not None
        kind = fmt or out.suffix.lower().lstrip(".")
        if kind not in FORMATS:
            raise LedgerError(
                f"--format {kind!r} is not one of {', '.join(FORMATS)}"
                if fmt
                else f"--out {out} has no .html, .pdf or .xlsx suffix: give --format"
            )
        request = Request(rulebook, period, kind, as_of, known_at, number, to, cc, issued_on)
        signer = load_private_key(checkpoint_key) if checkpoint_key else None  # before the store opens
        with ledger_at(db) as ledger:
            issued = issue(ledger, request)
            if signer is not None:
                issued = _with_checkpoint(ledger, issued, signer)
        written = write(issued, out)
        b = issued.bulletin
        typer.echo(f"{out}: {b.title}{b.subtitle}, {len(b.rows)} units, sha256 {issued.sha256}")
        typer.echo(f"{written}: position {b.position}, known at {b.known_at}, 核验码 {b.code}")
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
    manifest: Annotated[Path, typer.Argument(help="A bulletin's FILE.manifest.json (or the document FILE).")],
    fmt: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
    public_key: Annotated[
        list[Path] | None,
        typer.Option("--public-key", help="The public key the manifest's checkpoint must be signed with."),
    ] = None,
    db: Db = None,
) -> None:
    """Make a bulletin again from its manifest: identical? And as the ledger knows the period now, which
    units' figures differ and which acts recorded since explain it. Exit 0: identical and current;
    1: identical but superseded by acts recorded since; 4: not identical (history, rulebook, engine,
    renderer or the file itself differ)."""

    def body() -> None:
        if fmt not in ("text", "json"):
            raise LedgerError(f"--format {fmt!r} is not one of text, json")
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
                f"{path}: {'superseded' if result.exit_code == 1 else 'not identical'}", highlight=False
            )
            raise typer.Exit(result.exit_code)

    run(body)
