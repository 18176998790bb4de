"""The `ledger` command: import acts, score and explain periods, list acts and rulebooks.

This module only builds the command from its groups, in the order `ledger --help` lists them; each
group's module imports what it shares with the others from `ledger.cli.common`, never from here.
"""

from __future__ import annotations

import typer

from ledger.cli import acts, bulletin, checkpoints, init, rulebooks, scores, serve, tokens, whatif

app = typer.Typer(
    help="An event-sourced scoring ledger for 政务信息工作考核: acts in, explained scores out.",
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
