"""`sscard backends` sub-commands."""

import typer

app = typer.Typer(help="backends commands", no_args_is_help=True)
