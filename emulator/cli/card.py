"""`sscard card` sub-commands."""

import typer

app = typer.Typer(help="card commands", no_args_is_help=True)
