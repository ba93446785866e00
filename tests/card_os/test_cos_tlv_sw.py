"""BER-TLV and simple TLV helpers; the status-word table."""

from __future__ import annotations

import pytest

from card_os.sw import CardError, counter_sw, describe, is_valid_sw
from card_os.tlv import (
    decode_tlv,
    encode_length,
    find_tlv,
    parse_simple_record,
    simple_record,
    tlv,
)


def test_ber_lengths_and_tags() -> None:
    assert encode_length(0x7F) == b"\x7f"
    assert encode_length(0x80) == b"\x81\x80"
    assert encode_length(0x100) == b"\x82\x01\x00"
    assert tlv(0x9F0C, b"\x86\x01\x03") == bytes.fromhex("9F0C03860103")
    long = tlv(0x84, bytes(200))
    assert long[:3] == bytes.fromhex("8481C8") and decode_tlv(long) == [(0x84, bytes(200))]


def test_find_in_constructed() -> None:
    fci = tlv(0x6F, tlv(0x84, b"\xa0") + tlv(0xA5, tlv(0xBF0C, tlv(0x9F4D, b"\x0b\x0a"))))
    assert find_tlv(fci, 0x9F4D) == b"\x0b\x0a"
    assert find_tlv(fci, 0x50) is None


@pytest.mark.parametrize("bad", ["84", "8405AA", "9F", "8483000001"])
def test_malformed_tlv(bad: str) -> None:
    with pytest.raises(ValueError):
        decode_tlv(bytes.fromhex(bad))


def test_simple_records() -> None:
    record = simple_record(0x07, b"X00000019")
    assert record.hex().upper() == "0709583030303030303139"
    assert parse_simple_record(record) == (0x07, b"X00000019")
    with pytest.raises(ValueError):
        parse_simple_record(b"\x07\x09X")


def test_status_words() -> None:
    assert describe(0x6A82) == "file or application not found"
    assert describe(0x611E) == "30 response bytes still available (GET RESPONSE)"
    assert describe(0x6C00) == "wrong Le field; 256 bytes available"
    assert describe(0x63C2) == "verification failed, 2 tries left"
    assert counter_sw(20) == 0x63CF
    assert is_valid_sw(0x9000) and is_valid_sw(0x63C1) and not is_valid_sw(0x1234)
    assert str(CardError(0x6982)) == "6982 (security status not satisfied)"
