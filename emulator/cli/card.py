"""`sscard card`: make, inspect, demonstrate and serve card images."""

import typer

from emulator.cli.card_demo import demo
from emulator.cli.card_new import new, show
from emulator.cli.card_serve import serve

app = typer.Typer(
    help="Card images: personalise (new), decode (show), demonstrate (demo), serve into PC/SC.",
    no_args_is_help=True,
)
app.command("new")(new)
app.command("show")(show)
app.command("demo")(demo)
app.command("serve")(serve)
