"""The root `sscard` command: mounts each room's sub-commands (the one module importing every room)."""

from __future__ import annotations

import typer

from backends.cli import app as backends_app
from conformance.cli import app as conformance_app
from emulator.cli.card import app as card_app
from emulator.cli.load import app as load_app
from emulator.cli.reader import app as reader_app
from emulator.cli.replay import app as replay_app

app = typer.Typer(
    name="sscard",
    help="Emulator and conformance harness for China's social security card.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(card_app, name="card")
app.add_typer(reader_app, name="reader")
app.add_typer(backends_app, name="backends")
app.registered_commands.extend(replay_app.registered_commands)  # `sscard replay FILE...`
app.add_typer(conformance_app, name="conformance")
app.add_typer(load_app, name="load")


def main() -> None:
    app()
