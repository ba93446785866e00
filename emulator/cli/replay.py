"""`sscard replay` sub-commands."""

import typer

app = typer.Typer(help="replay commands", no_args_is_help=True)
