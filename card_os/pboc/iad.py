"""Card verification results (CVR) and issuer application data (9F10) of the debit application.

The layout follows the PBOC/VIS format: 9F10 = 07 | DKI | CVN | CVR (03 + 3 bytes) |
algorithm identifier, then 0A 01 and nine bytes of issuer discretionary data (zeros). The
algorithm identifier (01 = 3DES, 04 = SM4) is the PBOC 3.0 SM extension; bits of the CVR
that this card sets are listed in `CvrBit`. Unused bits stay zero (docs/pboc.md).
"""

from dataclasses import dataclass
from enum import IntEnum

ALGORITHM_IDS = {"3des": 0x01, "sm4": 0x04}
IAD_LENGTH = 19


class AcType(IntEnum):
    """Cryptogram types as coded in P1 of GENERATE AC and in the CID (EMV Book 3 §6.5.5)."""

    AAC = 0x00
    TC = 0x40
    ARQC = 0x80


# CVR byte 1 codes of the AC type returned, per GENERATE AC (VIS/PBOC CVR byte 2 b8-b5).
_FIRST_AC_BITS = {AcType.AAC: 0b00 << 4, AcType.TC: 0b01 << 4, AcType.ARQC: 0b10 << 4}
_SECOND_AC_BITS = {AcType.AAC: 0b00 << 6, AcType.TC: 0b01 << 6, None: 0b10 << 6}


class CvrBit(IntEnum):
    """(byte index within the 3 CVR data bytes << 8) | bit mask."""

    ISSUER_AUTH_FAILED = 0x0008
    OFFLINE_PIN_PERFORMED = 0x0004
    OFFLINE_PIN_FAILED = 0x0002
    LAST_ONLINE_NOT_COMPLETED = 0x0180
    PIN_TRY_LIMIT_EXCEEDED = 0x0140
    NEW_CARD = 0x0110


@dataclass(frozen=True)
class Cvr:
    """The three CVR data bytes; `encoded` adds the length byte 03."""

    first_ac: AcType
    second_ac: AcType | None = None
    flags: frozenset[CvrBit] = frozenset()

    @property
    def encoded(self) -> bytes:
        data = bytearray(3)
        data[0] = _FIRST_AC_BITS[self.first_ac] | _SECOND_AC_BITS[self.second_ac]
        for flag in self.flags:
            data[flag >> 8] |= flag & 0xFF
        return b"\x03" + bytes(data)


def build_iad(dki: int, cvn: int, cvr: bytes, algorithm: str) -> bytes:
    """9F10 for a cryptogram computed with `algorithm`."""
    head = bytes([0x07, dki, cvn]) + cvr + bytes([ALGORITHM_IDS[algorithm]])
    return head + bytes([0x0A, 0x01]) + bytes(9)


def cvr_from_iad(iad: bytes) -> bytes:
    """The 4 CVR bytes (03 + data) inside a 9F10 built by `build_iad`."""
    if len(iad) < 8 or iad[0] != 0x07 or iad[3] != 0x03:
        raise ValueError("issuer application data is not in the PBOC format (07 .. 03 ..)")
    return iad[3:7]
