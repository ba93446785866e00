"""`sscard conformance` sub-commands."""

import typer

app = typer.Typer(help="conformance commands", no_args_is_help=True)
