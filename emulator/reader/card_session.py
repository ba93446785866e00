"""Commands a terminal sends to a social security card, over the Transport seam.

Each method sends one command and either returns the answer data or raises
``ReaderError`` carrying the interface return code (card-spec §2.1, §2.2). A transport that
fails (card removed, reader gone) or an answer too short to hold a status word gives -4.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from card_os.tlv import find_tlv
from emulator.reader.codes import ReaderError, pin_failure

if TYPE_CHECKING:
    from emulator.transport import Transport

__all__ = ["SSSE_AID", "CardSession", "Record"]

#: SSSE DDF name: "sx1.sh." + GBK "社会保障" (card-spec §1.1).
SSSE_AID = bytes.fromhex("7378312E73682EC9E7BBE1B1A3D5CF")
SW_OK = 0x9000
#: Algorithm identifier assumed when the FCI has no 9F0C (card-spec §2.1).
DEFAULT_ALGORITHM = 0x01


@dataclass(frozen=True)
class Record:
    """A simple-TLV record of the social security files (card-spec §1.2)."""

    tag: int
    value: bytes


class CardSession:
    """One conversation with a card on a transport; holds no state between calls."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    # --- plumbing -------------------------------------------------------------------------

    def send(self, apdu: bytes) -> tuple[bytes, int]:
        """Send ``apdu``; returns (data, sw). Transport failures become -4."""
        try:
            answer = self.transport.transmit(apdu)
        except Exception as exc:  # any transport failure is "card not responding"
            raise ReaderError(-4, f"卡无应答：{type(exc).__name__}") from exc
        if not isinstance(answer, bytes | bytearray) or len(answer) < 2:
            raise ReaderError(-4, "卡无应答：应答不足两字节")
        return bytes(answer[:-2]), int.from_bytes(answer[-2:], "big")

    def expect_ok(self, apdu: bytes) -> bytes:
        """Send ``apdu``; returns its data, or raises -(SW) for any status but 9000."""
        data, sw = self.send(apdu)
        if sw != SW_OK:
            raise ReaderError.from_sw(sw)
        return data

    # --- selection and records ------------------------------------------------------------

    def select_aid(self, aid: bytes) -> bytes:
        """SELECT by DF name; returns the FCI."""
        return self.expect_ok(bytes([0x00, 0xA4, 0x04, 0x00, len(aid)]) + aid + b"\x00")

    def select_fid(self, fid: int) -> bytes:
        """SELECT by file identifier under the current DF."""
        return self.expect_ok(bytes([0x00, 0xA4, 0x02, 0x00, 0x02]) + fid.to_bytes(2, "big"))

    def select_ssse(self) -> int:
        """SELECT SSSE; returns the algorithm identifier from FCI tag 9F0C (card-spec §2.1)."""
        fci = self.select_aid(SSSE_AID)
        return algorithm_from_fci(fci)

    def read_record(self, sfi: int, tag: int) -> Record:
        """READ RECORD by record identifier in SFI ``sfi``; checks the TLV framing."""
        data = self.expect_ok(bytes([0x00, 0xB2, tag, (sfi << 3) & 0xF8, 0x00]))
        return parse_record(data, tag)

    def read_record_number(self, sfi: int, number: int) -> bytes:
        """READ RECORD by record number in SFI ``sfi`` (raw record bytes)."""
        return self.expect_ok(bytes([0x00, 0xB2, number, ((sfi << 3) & 0xF8) | 0x04, 0x00]))

    # --- authentication and PIN -----------------------------------------------------------

    def get_challenge(self) -> bytes:
        data = self.expect_ok(bytes.fromhex("0084000008"))
        if len(data) != 8:
            raise ReaderError(-15, f"取随机数应答长度{len(data)}，应为8")
        return data

    def internal_authenticate(self, key_ref: int, factor: bytes, data: bytes) -> bytes:
        """INTERNAL AUTHENTICATE ``00 88 00 keyref 10 F||data``; returns the card's result."""
        answer = self.expect_ok(bytes([0x00, 0x88, 0x00, key_ref, 0x10]) + factor + data + b"\x00")
        if len(answer) != 8:
            raise ReaderError(-21, f"内部认证应答长度{len(answer)}，应为8")
        return answer

    def external_authenticate(self, key_ref: int, payload: bytes) -> None:
        """EXTERNAL AUTHENTICATE ``00 82 00 keyref 10 F||E_SK(challenge)``."""
        self.expect_ok(bytes([0x00, 0x82, 0x00, key_ref, len(payload)]) + payload)

    def verify_pin(self, pin: str, pin_ref: int = 0x00) -> None:
        """VERIFY with the PIN in packed BCD; 63Cx -> -51, blocked -> -52 (card-spec §2.2)."""
        block = pin_bcd(pin)
        _, sw = self.send(bytes([0x00, 0x20, 0x00, pin_ref, len(block)]) + block)
        if sw != SW_OK:
            raise pin_failure(sw)

    def change_pin(self, old: str, new: str, header: bytes) -> None:
        """CHANGE PIN: data = old ‖ FF ‖ new, both packed BCD (card-spec §2.1)."""
        data = pin_bcd(old) + b"\xff" + pin_bcd(new)
        _, sw = self.send(header + bytes([len(data)]) + data)
        if sw != SW_OK:
            raise pin_failure(sw)


def pin_bcd(pin: str) -> bytes:
    """A PIN of 4-16 digits as packed BCD, F-padded to whole bytes (card-spec §2.3)."""
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 16):
        raise ReaderError(-33)
    return bytes.fromhex(pin + "F" * (len(pin) % 2))


def parse_record(data: bytes, tag: int) -> Record:
    """Check a record's simple TLV: the expected tag and a length that fits (card-spec §1.2)."""
    if len(data) < 2 or data[0] != tag or data[1] > len(data) - 2:
        raise ReaderError(-15, f"记录{tag:02X}格式错：{data[:4].hex().upper()}")
    return Record(tag, data[2 : 2 + data[1]])


def algorithm_from_fci(fci: bytes) -> int:
    """The algorithm identifier of ``9F0C 03 86 01 xx`` in the FCI, default 01 (§2.1)."""
    try:
        holder = find_tlv(fci, 0x9F0C)
        value = find_tlv(holder, 0x86) if holder is not None else None
    except ValueError as exc:
        raise ReaderError(-15, f"SSSE FCI 格式错：{fci.hex().upper()}") from exc
    if not value:
        return DEFAULT_ALGORITHM
    return value[0]
