"""Conformance targets by address: one string names a terminal-interface implementation.

``reference:<card>[;psam=<card>]`` is the reference reader, where ``<card>`` is
``pcsc:<index or reader name>`` or the path of a card image (in-process);
``native:<path to shared library>`` is a vendor's library loaded with ctypes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from emulator.reader.interface import TerminalInterface
from emulator.reader.native import NativeReader
from emulator.reader.pin_pad import PinPad
from emulator.reader.psam import PsamClient
from emulator.reader.reader import ReaderConfig, ReferenceReader

if TYPE_CHECKING:
    from emulator.transport import Transport

__all__ = ["TargetError", "open_card_transport", "open_target"]


class TargetError(ValueError):
    """A target address that names nothing usable; the message says why."""


def open_card_transport(address: str) -> Transport:
    """``pcsc:N`` / ``pcsc:<name>`` or a card image file -> a Transport."""
    if address.startswith("pcsc:"):
        from emulator.pcsc import PcscTransport

        return PcscTransport.from_address(address)
    from card_os.card import Card
    from emulator.transport import InProcessTransport

    path = Path(address)
    try:
        return InProcessTransport(Card.from_json(path.read_bytes()), description=str(path))
    except OSError as exc:
        raise TargetError(f"cannot read card image {address!r}: {exc.strerror}") from None
    except ValueError as exc:
        raise TargetError(f"{address!r} is not a card image: {exc}") from None


def open_target(
    address: str, pin_pad: PinPad | None = None, config: ReaderConfig | None = None
) -> TerminalInterface:
    """The implementation under test named by ``address`` (see the module docstring)."""
    kind, sep, rest = address.partition(":")
    if not sep or not rest:
        raise TargetError(f"target {address!r} must be reference:<card> or native:<library>")
    if kind == "native":
        reader = NativeReader(rest, pin_pad=pin_pad)
        if not reader.loaded:
            raise TargetError(f"cannot load {rest!r}: {reader.load_error}")
        return reader
    if kind != "reference":
        raise TargetError(f"unknown target kind {kind!r}: reference or native")
    card, _, options = rest.partition(";")
    psam = None
    if options:
        name, eq, value = options.partition("=")
        if name != "psam" or not eq or not value:
            raise TargetError(f"unknown target option {options!r}: only psam=<card>")
        psam = PsamClient(open_card_transport(value))
    return ReferenceReader(
        open_card_transport(card), psam=psam, pin_pad=pin_pad, config=config, description=address
    )
