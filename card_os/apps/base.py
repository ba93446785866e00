"""The Application interface and the lazy registry of applications.

A DF whose image says `"app": "NAME"` gets `card_os.apps.NAME.Application(df, card)`,
imported on first use. While the current DF of a channel is that DF or below it, the
application sees every command of that channel first.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from card_os.apdu import Command
    from card_os.card import Card
    from card_os.context import Context
    from card_os.fs import DF


class Application:
    """Behaviour attached to a DF beyond ISO/IEC 7816-4.

    `handle(ctx, cmd)` returns the response data of a command it implements (the dispatcher
    adds SW 9000 and applies the T=0/T=1 rules), raises `CardError(sw[, data])` to end it
    with another status word, or returns None to let the ISO handlers process it.
    """

    def __init__(self, df: DF, card: Card) -> None:
        self.df = df
        self.card = card

    def handle(self, ctx: Context, cmd: Command) -> bytes | None:
        return None

    def selected(self, ctx: Context) -> None:
        """Called after a SELECT made this application's own DF current on `ctx`'s channel
        (also when it was already current: a reselection). The default does nothing."""


class ApplicationNotFound(LookupError):
    """No module card_os.apps.NAME with an `Application` class."""


def load_application_class(name: str) -> type[Application]:
    """`card_os.apps.<name>.Application`, imported lazily."""
    if not name.isidentifier() or name == "base":
        raise ApplicationNotFound(f"{name!r} is not an application name")
    try:
        module = importlib.import_module(f"card_os.apps.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"card_os.apps.{name}":
            raise ApplicationNotFound(f"no application module card_os.apps.{name}") from None
        raise
    cls = getattr(module, "Application", None)
    if not isinstance(cls, type):
        raise ApplicationNotFound(f"card_os.apps.{name} defines no Application class")
    return cls
