"""One card behind one vpcd connection: control messages and APDUs mapped onto the card OS."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from emulator.vpcd.framing import Control


class ServedCard(Protocol):
    """What the bridge needs from a card (card_os.card.Card has it)."""

    def power_on(self) -> bytes: ...
    def reset(self) -> bytes: ...
    def power_off(self) -> None: ...
    def transmit(self, apdu: bytes) -> bytes: ...


class Exchange(Protocol):
    """Receives every exchange (a trace writer, a counter ...)."""

    def control(self, slot: int, message: str, atr: bytes | None) -> None: ...
    def apdu(self, slot: int, command: bytes, response: bytes, seconds: float) -> None: ...


# A short SW answered for a malformed frame (a 1-byte payload that is no known control):
# vpcd never sends one, so answering nothing would leave a confused peer waiting forever.
_UNKNOWN_CONTROL_SW = bytes.fromhex("6F00")


class CardSession:
    """Answers vpcd messages for one card; the security state never survives power or reset."""

    def __init__(self, card: ServedCard, slot: int, observer: Exchange | None = None) -> None:
        self.card = card
        self.slot = slot
        self._observer = observer
        self._atr = b""
        self._powered = False
        self._handlers: dict[int, Callable[[], bytes | None]] = {
            Control.POWER_OFF: self._power_off,
            Control.POWER_ON: self._power_on,
            Control.RESET: self._reset,
            Control.GET_ATR: self._get_atr,
        }

    @property
    def atr(self) -> bytes:
        """The ATR of the last power-on or reset (learnt by a power cycle if none yet)."""
        if not self._atr:
            self._atr = self.card.power_on()
            self.card.power_off()
        return self._atr

    def handle(self, payload: bytes) -> bytes | None:
        """The answer to one vpcd payload, or None when vpcd expects no answer."""
        if len(payload) == 1:
            handler = self._handlers.get(payload[0])
            if handler is None:
                return _UNKNOWN_CONTROL_SW
            return handler()
        started = time.perf_counter()
        response = self.card.transmit(payload)
        if self._observer is not None:
            self._observer.apdu(self.slot, payload, response, time.perf_counter() - started)
        return response

    def detach(self) -> None:
        """The connection went away: the card loses power like a card pulled from a reader."""
        if self._powered:
            self._power_off()

    def _note(self, message: str, atr: bytes | None = None) -> None:
        if self._observer is not None:
            self._observer.control(self.slot, message, atr)

    def _power_on(self) -> None:
        self._atr = self.card.power_on()
        self._powered = True
        self._note("power_on", self._atr)

    def _power_off(self) -> None:
        self.card.power_off()
        self._powered = False
        self._note("power_off")

    def _reset(self) -> None:
        self._atr = self.card.reset()
        self._powered = True
        self._note("reset", self._atr)

    def _get_atr(self) -> bytes:
        return self.atr
