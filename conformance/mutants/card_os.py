"""Mutants of the card operating system: each is one realistic COS defect, applied by
wrapping the reference card (never by editing it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conformance.mutants.base import CardProxy, Mutant, ins_of, response_mapper, sw_of, with_sw

SUITES = ("card-os",)


def _pins(card: Any) -> list[Any]:
    return [pin for df in card.mf.walk() for pin in df.pins.values()]


class CounterNotDecremented(CardProxy):
    """A failed VERIFY answers 63Cx but the retry counter is never written back."""

    def exchange(self, apdu: bytes, send: Callable[[bytes], bytes]) -> bytes:
        if ins_of(apdu) != 0x20 or len(apdu) <= 5:
            return send(apdu)
        before = {id(p): p.tries_left for p in _pins(self.card)}
        response = send(apdu)
        if sw_of(response) & 0xFFF0 == 0x63C0:
            for pin in _pins(self.card):
                pin.tries_left = before[id(pin)]
        return response


class SecurityKeptOverReset(CardProxy):
    """A warm reset re-creates the channel but copies the old security state into it."""

    def reset(self, *args: Any, **kwargs: Any) -> bytes:
        channel = self.card.channel(0)
        kept = channel.security.copy() if channel is not None else None
        atr = self.card.reset(*args, **kwargs)
        if kept is not None:
            self.card.channel(0).security = kept
        return atr


class StaleResponseKept(CardProxy):
    """Data announced by 61xx survives an intervening command and GET RESPONSE returns it."""

    def __init__(self, card: Any) -> None:
        super().__init__(card)
        self.stale = b""

    def exchange(self, apdu: bytes, send: Callable[[bytes], bytes]) -> bytes:
        if ins_of(apdu) == 0xC0 and self.stale:
            response = send(apdu)
            if sw_of(response) != 0x9000:
                stale, self.stale = self.stale, b""
                return stale + b"\x90\x00"
            self.stale = b""
            return response
        response = send(apdu)
        if sw_of(response) >> 8 == 0x61:
            # Fetch the data now, as a careless COS keeps it in a buffer nothing clears.
            self.stale = send(bytes([0x00, 0xC0, 0x00, 0x00, response[-1]]))[:-2]
            self.card.channel(0).pending = self.stale
        return response


class ReplayAccepted(CardProxy):
    """The challenge is not consumed: the same EXTERNAL AUTHENTICATE succeeds twice."""

    def __init__(self, card: Any) -> None:
        super().__init__(card)
        self.last_ok = b""

    def exchange(self, apdu: bytes, send: Callable[[bytes], bytes]) -> bytes:
        response = send(apdu)
        if ins_of(apdu) == 0x82:
            if sw_of(response) == 0x9000:
                self.last_ok = apdu
            elif apdu == self.last_ok:
                return with_sw(response, 0x9000)
        return response


class SelectFailureLosesDf(CardProxy):
    """A failed SELECT leaves the MF selected instead of keeping the current DF."""

    def exchange(self, apdu: bytes, send: Callable[[bytes], bytes]) -> bytes:
        response = send(apdu)
        if ins_of(apdu) == 0xA4 and sw_of(response) == 0x6A82:
            send(bytes.fromhex("00A4000C023F00"))
        return response


class OffsetIgnored(CardProxy):
    """READ BINARY ignores the offset in P1-P2 unless P1 names an SFI."""

    def exchange(self, apdu: bytes, send: Callable[[bytes], bytes]) -> bytes:
        if ins_of(apdu) == 0xB0 and len(apdu) >= 4 and not apdu[2] & 0x80:
            apdu = apdu[:2] + b"\x00\x00" + apdu[4:]
        return send(apdu)


class IdentifierAsNumber(CardProxy):
    """READ RECORD treats P1 as a record number even when P2 says record identifier."""

    def exchange(self, apdu: bytes, send: Callable[[bytes], bytes]) -> bytes:
        if ins_of(apdu) == 0xB2 and len(apdu) >= 4 and apdu[3] & 0x07 == 0x00:
            apdu = apdu[:3] + bytes([apdu[3] | 0x04]) + apdu[4:]
        return send(apdu)


def _map_sw(
    old: int, new: int, ins: int | None = None, family: bool = False
) -> Callable[[bytes, bytes], bytes]:
    def rule(apdu: bytes, response: bytes) -> bytes:
        sw = sw_of(response)
        hit = (sw & 0xFFF0) == old if family else sw == old
        if hit and (ins is None or ins_of(apdu) == ins):
            return with_sw(response, new)
        return response

    return rule


class DataWithout61(CardProxy):
    """Under T=0 a case-4 command returns its data at once instead of announcing 61xx."""

    def exchange(self, apdu: bytes, send: Callable[[bytes], bytes]) -> bytes:
        response = send(apdu)
        if sw_of(response) >> 8 == 0x61:
            return send(bytes([0x00, 0xC0, 0x00, 0x00, response[-1]]))
        return response


class WrongLe6700(CardProxy):
    """A wrong Le answers 6700 instead of 6Cxx with the right length."""

    def exchange(self, apdu: bytes, send: Callable[[bytes], bytes]) -> bytes:
        response = send(apdu)
        return b"\x67\x00" if sw_of(response) >> 8 == 0x6C else response


class FcpWithoutFid(CardProxy):
    """The FCP returned by SELECT lacks the file identifier (tag 83)."""

    def exchange(self, apdu: bytes, send: Callable[[bytes], bytes]) -> bytes:
        response = send(apdu)
        if ins_of(apdu) == 0xC0 and response[:1] == b"\x62":
            body = response[2:-2]
            kept, i = b"", 0
            while i + 2 <= len(body):
                tag, length = body[i], body[i + 1]
                if tag != 0x83:
                    kept += body[i : i + 2 + length]
                i += 2 + length
            return b"\x62" + bytes([len(kept)]) + kept + response[-2:]
        return response


class BlockedPinAccepts(CardProxy):
    """A blocked PIN still accepts the right value (the block is checked after the compare)."""

    def exchange(self, apdu: bytes, send: Callable[[bytes], bytes]) -> bytes:
        response = send(apdu)
        if ins_of(apdu) == 0x20 and sw_of(response) == 0x6983 and len(apdu) > 5:
            pin = next((p for p in _pins(self.card) if p.ref == apdu[3] & 0x1F), None)
            if pin is not None and apdu[5:] == pin.encoded:
                return b"\x90\x00"
        return response


class ShortFrameNoSw(CardProxy):
    """A frame shorter than a header gets no answer at all (the COS drops it)."""

    def exchange(self, apdu: bytes, send: Callable[[bytes], bytes]) -> bytes:
        return b"" if len(apdu) < 4 else send(apdu)


MUTANTS: list[Mutant] = [
    Mutant(
        "cos-pin-counter-kept",
        "card-os",
        "PIN retry counter not decremented on a wrong PIN",
        SUITES,
        CounterNotDecremented,
    ),
    Mutant(
        "cos-plain-6300",
        "card-os",
        "wrong PIN answers plain 6300 instead of 63Cx",
        SUITES,
        response_mapper("Plain6300", _map_sw(0x63C0, 0x6300, 0x20, family=True)),
    ),
    Mutant(
        "cos-security-kept-on-reset",
        "card-os",
        "security state kept across a warm reset",
        SUITES,
        SecurityKeptOverReset,
    ),
    Mutant(
        "cos-61xx-data-kept",
        "card-os",
        "61xx response data kept after another command",
        SUITES,
        StaleResponseKept,
    ),
    Mutant(
        "cos-no-61xx",
        "card-os",
        "T=0 case-4 data returned at once instead of 61xx",
        SUITES,
        DataWithout61,
    ),
    Mutant(
        "cos-wrong-le-6700",
        "card-os",
        "wrong Le answered 6700 instead of 6Cxx",
        SUITES,
        WrongLe6700,
    ),
    Mutant(
        "cos-challenge-replay",
        "card-os",
        "EXTERNAL AUTHENTICATE challenge not consumed (replay accepted)",
        SUITES,
        ReplayAccepted,
    ),
    Mutant(
        "cos-bad-cryptogram-9000",
        "card-os",
        "EXTERNAL AUTHENTICATE answers 9000 to a wrong cryptogram",
        SUITES,
        response_mapper("BadCryptogramOk", _map_sw(0x63C0, 0x9000, 0x82, family=True)),
    ),
    Mutant(
        "cos-mac-unchecked",
        "card-os",
        "secure-messaging MAC error answered 9000",
        SUITES,
        response_mapper("MacUnchecked", _map_sw(0x6988, 0x9000)),
    ),
    Mutant(
        "cos-select-loses-df",
        "card-os",
        "failed SELECT resets the current DF to the MF",
        SUITES,
        SelectFailureLosesDf,
    ),
    Mutant(
        "cos-offset-ignored", "card-os", "READ BINARY ignores the offset", SUITES, OffsetIgnored
    ),
    Mutant(
        "cos-beyond-end-9000",
        "card-os",
        "READ BINARY past the end answers 9000",
        SUITES,
        response_mapper("BeyondEndOk", _map_sw(0x6B00, 0x9000, 0xB0)),
    ),
    Mutant(
        "cos-record-id-as-number",
        "card-os",
        "READ RECORD by identifier treated as a record number",
        SUITES,
        IdentifierAsNumber,
    ),
    Mutant(
        "cos-record-missing-6a82",
        "card-os",
        "absent record answered 6A82 instead of 6A83",
        SUITES,
        response_mapper("RecordMissing6A82", _map_sw(0x6A83, 0x6A82, 0xB2)),
    ),
    Mutant(
        "cos-fcp-without-fid",
        "card-os",
        "FCP lacks the file identifier (83)",
        SUITES,
        FcpWithoutFid,
    ),
    Mutant(
        "cos-blocked-pin-accepts",
        "card-os",
        "blocked PIN still accepts the right value",
        SUITES,
        BlockedPinAccepts,
    ),
    Mutant(
        "cos-unknown-ins-6f00",
        "card-os",
        "unknown INS answered 6F00 instead of 6D00",
        SUITES,
        response_mapper("UnknownIns6F00", _map_sw(0x6D00, 0x6F00)),
    ),
    Mutant(
        "cos-short-frame-silent",
        "card-os",
        "frames shorter than a header get no status word",
        SUITES,
        ShortFrameNoSw,
    ),
    Mutant(
        "cos-struct-6a86",
        "card-os",
        "READ BINARY on a record EF answered 6A86 instead of 6981",
        SUITES,
        response_mapper("Struct6A86", _map_sw(0x6981, 0x6A86, 0xB0)),
    ),
]
