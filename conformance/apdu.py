"""Command builders and the response type the suites speak in (bytes, never hex inside)."""

from __future__ import annotations

from dataclasses import dataclass

GET_RESPONSE_INS = 0xC0


@dataclass(frozen=True)
class Response:
    """A response APDU split into data and status word."""

    data: bytes
    sw: int

    @classmethod
    def parse(cls, raw: bytes) -> Response:
        if len(raw) < 2:
            raise ValueError(f"response of {len(raw)} byte(s) has no status word")
        return cls(raw[:-2], int.from_bytes(raw[-2:], "big"))

    @property
    def sw1(self) -> int:
        return self.sw >> 8

    @property
    def sw2(self) -> int:
        return self.sw & 0xFF

    @property
    def sw_hex(self) -> str:
        return f"{self.sw:04X}"


def sw_matches(sw: int, pattern: str) -> bool:
    """`pattern` is four hex digits where x stands for any nibble, e.g. 63Cx or 61xx."""
    if len(pattern) != 4:
        raise ValueError(f"status-word pattern {pattern!r} must have four characters")
    text = f"{sw:04X}"
    return all(p in "xX" or p.upper() == t for p, t in zip(pattern, text, strict=True))


def _case(cla: int, ins: int, p1: int, p2: int, data: bytes = b"", le: int | None = None) -> bytes:
    """A short APDU: header, optional Lc+data, optional Le (0 means 256)."""
    apdu = bytes([cla, ins, p1, p2])
    if data:
        apdu += bytes([len(data)]) + data
    if le is not None:
        apdu += bytes([le & 0xFF])
    return apdu


def select_fid(fid: bytes, p2: int = 0x00, le: int | None = None) -> bytes:
    return _case(0x00, 0xA4, 0x00, p2, fid, le)


def select_name(name: bytes, p2: int = 0x00, le: int | None = 0x00) -> bytes:
    return _case(0x00, 0xA4, 0x04, p2, name, le)


def read_binary(offset: int = 0, le: int = 0, sfi: int | None = None) -> bytes:
    if sfi is not None:
        return _case(0x00, 0xB0, 0x80 | sfi, offset & 0xFF, le=le)
    return _case(0x00, 0xB0, (offset >> 8) & 0x7F, offset & 0xFF, le=le)


def update_binary(data: bytes, offset: int = 0, sfi: int | None = None, cla: int = 0x00) -> bytes:
    p1 = (0x80 | sfi) if sfi is not None else (offset >> 8) & 0x7F
    return _case(cla, 0xD6, p1, offset & 0xFF, data)


def read_record(number: int, sfi: int | None = None, le: int = 0, by_id: bool = False) -> bytes:
    mode = 0x00 if by_id else 0x04
    return _case(0x00, 0xB2, number, ((sfi or 0) << 3) | mode, le=le)


def update_record(number: int, data: bytes, sfi: int | None = None, cla: int = 0x00) -> bytes:
    return _case(cla, 0xDC, number, ((sfi or 0) << 3) | 0x04, data)


def verify(ref: int, pin_block: bytes = b"") -> bytes:
    return _case(0x00, 0x20, 0x00, ref, pin_block)


def get_challenge(length: int = 8) -> bytes:
    return _case(0x00, 0x84, 0x00, 0x00, le=length)


def external_authenticate(key_ref: int, cryptogram: bytes) -> bytes:
    return _case(0x00, 0x82, 0x00, key_ref, cryptogram)


def get_response(length: int) -> bytes:
    return _case(0x00, GET_RESPONSE_INS, 0x00, 0x00, le=length)


def pin_bcd(pin: str) -> bytes:
    """Packed BCD of a PIN, F-padded to whole bytes (card-spec §2.3: 6 digits -> Lc 03)."""
    digits = pin + ("F" if len(pin) % 2 else "")
    return bytes.fromhex(digits)
