"""An independent decoder of the SSSE files, written from the reference (card-spec §1.2-§1.5)
and not from card_os: it shares no code with the implementation under test."""

from __future__ import annotations

import datetime as dt

SSSE_AID = bytes.fromhex("7378312E73682EC9E7BBE1B1A3D5CF")  # card-spec §1.1
assert SSSE_AID.decode("gbk")[7:] == "社会保障" and SSSE_AID[:7] == b"sx1.sh."

# card-spec §1.3 / §1.4: tag -> (record number, length, format)
EF05_TABLE = {
    0x01: (1, 16, "b"),
    0x02: (2, 1, "an"),
    0x03: (3, 4, "an"),
    0x04: (4, 12, "b"),
    0x05: (5, 4, "cn"),
    0x06: (6, 4, "cn"),
    0x07: (7, 9, "an"),
}
EF06_TABLE = {
    0x08: (1, 18, "an"),
    0x09: (2, 30, "gbk"),
    0x4E: (3, 20, "gbk"),
    0x0A: (4, 1, "an"),
    0x0B: (5, 1, "cn"),
    0x0C: (6, 3, "cn"),
    0x0D: (7, 4, "cn"),
}


class Malformed(AssertionError):
    """The card's bytes break a rule of the reference."""


def split_tlv(record: bytes, table: dict[int, tuple[int, int, str]]) -> tuple[int, bytes]:
    """Tag and value of a simple TLV record, checked against the reference length."""
    if len(record) < 2:
        raise Malformed(f"record {record.hex()} shorter than tag+length")
    tag, length, value = record[0], record[1], record[2:]
    if len(value) != length:
        raise Malformed(f"tag {tag:02X}: length byte {length} but {len(value)} value bytes")
    if tag in table and table[tag][1] != length:
        raise Malformed(f"tag {tag:02X}: length {length}, reference says {table[tag][1]}")
    return tag, value


def cn(value: bytes) -> str:
    """Packed BCD, right-padded with F nibbles only (card-spec §1.2)."""
    nibbles = "".join(f"{b >> 4:X}{b & 0xF:X}" for b in value)
    body = nibbles.rstrip("F")
    if not body.isdigit() and body:
        raise Malformed(f"cn {nibbles} has non-decimal nibbles before its F padding")
    return body


def an(value: bytes) -> str:
    """ASCII left-aligned, right-padded with 0x00 (card-spec §1.2)."""
    body = value.rstrip(b"\x00")
    if b"\x00" in body:
        raise Malformed(f"an {value.hex()} has 0x00 inside the text")
    return body.decode("ascii")


def gbk(value: bytes, pad: int = 0x00) -> str:
    """GBK text with trailing pad bytes removed; every byte after the text must be pad."""
    body = value.rstrip(bytes([pad]))
    text = body.decode("gbk")
    if text.encode("gbk") != body:
        raise Malformed("GBK text does not re-encode to its bytes")
    return text


def ymd(value: bytes) -> dt.date:
    digits = cn(value)
    if len(digits) != 8:
        raise Malformed(f"date {value.hex()} is not 8 BCD digits")
    return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))


def card_number_ok(number: str) -> bool:
    """card-spec §1.5: weights 3,7,9,10,5,8,4,2; A=10..Z=35; r = 11 - sum mod 11."""
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    values = [int(c, 36) for c in number[:8]]
    r = 11 - sum(v * w for v, w in zip(values, weights, strict=True)) % 11
    check = "X" if r == 10 else "0" if r == 11 else str(r)
    return len(number) == 9 and number[8] == check


def citizen_id_ok(number: str) -> bool:
    """GB 11643: weights 2^(17-i) mod 11, check '10X98765432'[sum mod 11]."""
    total = sum(int(c) * (2 ** (17 - i) % 11) for i, c in enumerate(number[:17]))
    return len(number) == 18 and "10X98765432"[total % 11] == number[17]
