"""A traced session with a card behind any Transport. The session does the T=0 chaining
itself (61xx -> GET RESPONSE, 6Cxx -> re-issue) over `transmit_raw`, so every frame the card
sees is in the trace, whatever the transport."""

from __future__ import annotations

from typing import Protocol

from conformance import apdu as cmd
from conformance.apdu import Response
from conformance.context import Fault
from conformance.trace import Trace

_MAX_CHAIN = 16


class Transport(Protocol):
    """The seam of docs/internals.md, as far as the harness uses it."""

    description: str
    protocol: str

    def connect(self) -> bytes: ...
    def reset(self, cold: bool = False) -> bytes: ...
    def disconnect(self) -> None: ...
    def transmit_raw(self, apdu: bytes) -> bytes: ...


class CardSession:
    """A card under test, as the suites see it."""

    def __init__(self, transport: Transport, trace: Trace) -> None:
        self.transport = transport
        self.trace = trace
        self.atr = b""

    def power_on(self) -> bytes:
        self.atr = self.transport.connect()
        self.trace.reset("power on", self.atr)
        return self.atr

    def reset(self, cold: bool = False) -> bytes:
        self.atr = self.transport.reset(cold=cold)
        self.trace.reset("cold reset" if cold else "warm reset", self.atr)
        return self.atr

    def power_off(self) -> None:
        self.transport.disconnect()

    def send_raw(self, apdu: bytes, note: str = "") -> Response:
        """One frame to the card, one frame back, nothing added."""
        raw = self.transport.transmit_raw(apdu)
        self.trace.apdu(apdu, raw, note)
        if len(raw) < 2:
            raise Fault(f"response {raw.hex().upper() or '(empty)'} has no status word")
        return Response.parse(raw)

    def send(self, apdu: bytes, note: str = "") -> Response:
        """A command with terminal-side T=0 handling (ISO/IEC 7816-3 12.2.2, 7816-4 5.1.3)."""
        response = self.send_raw(apdu, note)
        data = b""
        for _ in range(_MAX_CHAIN):
            if response.sw1 == 0x6C and len(apdu) >= 5:
                response = self.send_raw(apdu[:-1] + bytes([response.sw2]), "re-issued with Le=SW2")
            elif response.sw1 == 0x61:
                data += response.data
                response = self.send_raw(cmd.get_response(response.sw2), "after 61xx")
            else:
                break
        return Response(data + response.data, response.sw)
