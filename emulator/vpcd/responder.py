"""A trivial responder: the smallest thing vpcd accepts as a card, for tests and benchmarks.

It answers every command with `90 00` and nothing else, so its rate through pcscd measures
the stack (vpcd, pcscd, pyscard) without any card OS in the way.
"""

from __future__ import annotations

# A T=0 ATR with no historical bytes: TS=3B, T0=00.
TRIVIAL_ATR = bytes.fromhex("3B00")
OK = bytes.fromhex("9000")


class TrivialResponder:
    """Counts what it sees; every APDU gets `90 00`."""

    def __init__(self, atr: bytes = TRIVIAL_ATR) -> None:
        self._atr = atr
        self.powered = False
        self.power_ons = 0
        self.resets = 0
        self.commands: list[bytes] = []

    def power_on(self) -> bytes:
        self.powered = True
        self.power_ons += 1
        return self._atr

    def reset(self) -> bytes:
        self.powered = True
        self.resets += 1
        return self._atr

    def power_off(self) -> None:
        self.powered = False

    def transmit(self, apdu: bytes) -> bytes:
        self.commands.append(apdu)
        return OK
