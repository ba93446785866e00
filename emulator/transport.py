"""The Transport seam: anything that carries an APDU to a card and back.

Suites, the reader and scenarios use only this seam, so the same code drives the in-process
card, a PC/SC reader and the emulator behind vpcd. `transmit_raw` returns exactly what the
card answered; `transmit` also performs the T=0 exchanges a terminal does (61xx -> GET
RESPONSE, 6Cxx -> re-issue with the right Le), so callers see data + final SW.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from card_os.card import Card


class TransportError(RuntimeError):
    """The card did not answer (unpowered, removed, or mute after a power cut)."""


@runtime_checkable
class Transport(Protocol):
    description: str
    protocol: str

    def connect(self) -> bytes: ...
    def reset(self, cold: bool = False) -> bytes: ...
    def disconnect(self) -> None: ...
    @property
    def atr(self) -> bytes: ...
    def transmit_raw(self, apdu: bytes) -> bytes: ...
    def transmit(self, apdu: bytes) -> bytes: ...


#: Safety bound on GET RESPONSE rounds for one command (a 64 KiB response is 256 rounds).
MAX_ROUNDS = 300


def _get_response_cla(cla: int) -> int:
    """The interindustry CLA of GET RESPONSE on the logical channel of `cla`."""
    if 0x40 <= cla <= 0x7F:
        return 0x40 | (cla & 0x0F)
    return cla & 0x03 if cla < 0x20 or 0x80 <= cla <= 0x8F else 0x00


def resolve_t0(transport: Transport, apdu: bytes, response: bytes) -> bytes:
    """Complete `response` to `apdu` the way a T=0 terminal does: re-issue after 6Cxx with
    Le = xx, and collect 61xx data with GET RESPONSE (CLA of the command's channel)."""
    if len(response) == 2 and response[0] == 0x6C and len(apdu) >= 5:
        retry = apdu[:4] + bytes((response[1],)) if len(apdu) == 5 else apdu[:-1] + response[1:]
        response = transport.transmit_raw(retry)
    data = b""
    rounds = 0
    while len(response) >= 2 and response[-2] == 0x61 and rounds < MAX_ROUNDS:
        data += response[:-2]
        response = transport.transmit_raw(
            bytes((_get_response_cla(apdu[0]), 0xC0, 0, 0, response[-1]))
        )
        rounds += 1
    return data + response


class InProcessTransport:
    """A `Card` in this process, reached through the Transport seam."""

    def __init__(self, card: Card, protocol: str | None = None, description: str = "") -> None:
        self.card = card
        if protocol is not None:
            card.protocol = protocol
        self.description = description or "in-process card"

    @property
    def protocol(self) -> str:
        return self.card.protocol

    @protocol.setter
    def protocol(self, value: str) -> None:
        self.card.protocol = value

    @property
    def atr(self) -> bytes:
        return self.card.atr

    def connect(self) -> bytes:
        return self.card.power_on()

    def reset(self, cold: bool = False) -> bytes:
        if cold:
            self.card.power_off()
            return self.card.power_on()
        return self.card.reset()

    def disconnect(self) -> None:
        self.card.power_off()

    def transmit_raw(self, apdu: bytes) -> bytes:
        response = self.card.transmit(apdu)
        if len(response) < 2:
            raise TransportError(f"{self.description}: no answer (card unpowered or mute)")
        return response

    def transmit(self, apdu: bytes) -> bytes:
        return resolve_t0(self, apdu, self.transmit_raw(apdu))
