"""`sscard reader` sub-commands."""

import typer

app = typer.Typer(help="reader commands", no_args_is_help=True)
