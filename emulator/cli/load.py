"""`sscard load` sub-commands."""

import typer

app = typer.Typer(help="load commands", no_args_is_help=True)
