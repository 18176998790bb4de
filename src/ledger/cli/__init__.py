"""The `ledger` command: import acts, score and explain periods, list acts and rulebooks.

This module only builds the command from its groups, in the order `ledger --help` lists them; each
group's module imports what it shares with the others from `ledger.cli.common`, never from here.
"""

from __future__ import annotations

import typer

from ledger.cli import acts, bulletin, checkpoints, chinese, init, rulebooks, scores, serve, tokens, whatif

chinese.use()  # typer's and click's own words (用法, 选项, 缺少选项 ...) in Chinese

app = typer.Typer(
    help="政务信息工作考核账本：记录行为，按考核办法计分并逐条说明 (an event-sourced scoring ledger).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

app.command()(init.init)
app.command("import")(acts.import_)
app.command()(acts.template)
app.command()(acts.export)
app.command()(acts.restore)
app.command()(checkpoints.verify)
app.command()(scores.score)
app.command()(scores.explain)
app.command()(acts.events)
app.command()(rulebooks.rulebooks)
app.command()(whatif.whatif)
app.command()(serve.project)
app.command()(serve.serve)

app.add_typer(rulebooks.rulebook_app, name="rulebook")
app.add_typer(tokens.token_app, name="token")
app.add_typer(bulletin.bulletin_app, name="bulletin")
app.add_typer(checkpoints.checkpoint_app, name="checkpoint")


def main() -> None:  # pragma: no cover - console entry point
    app()
