"""`sscard card` sub-commands."""

import typer

app = typer.Typer(help="card commands", no_args_is_help=True)

from emulator.cli.card_serve import serve as _serve  # noqa: E402

app.command("serve")(_serve)

from emulator.cli import card_new as _card_new  # noqa: E402

app.command("new")(_card_new.new)
app.command("show")(_card_new.show)

from emulator.cli.card_demo import demo as _demo  # noqa: E402

app.command("demo")(_demo)
