"""APDU codec: ISO 7816-4 cases 1-4 short and extended, CLA decoding, malformed input."""

from __future__ import annotations

import pytest

from card_os.apdu import build_command, decode_cla, parse_command
from card_os.sw import CardError


@pytest.mark.parametrize(
    ("raw", "case", "data", "le", "extended"),
    [
        ("00A40000", 1, "", None, False),
        ("00B0000010", 2, "", 16, False),
        ("00B0000000", 2, "", 256, False),
        ("00D6000002AABB", 3, "AABB", None, False),
        ("00A4040002AABB00", 4, "AABB", 256, False),
        ("00B00000000100", 2, "", 256, True),
        ("00B00000000000", 2, "", 65536, True),
        ("00D60000000002AABB", 3, "AABB", None, True),
        ("00D60000000002AABB0010", 4, "AABB", 16, True),
    ],
)
def test_cases(raw: str, case: int, data: str, le: int | None, extended: bool) -> None:
    cmd = parse_command(bytes.fromhex(raw))
    assert (cmd.case, cmd.data.hex().upper(), cmd.le, cmd.extended) == (case, data, le, extended)


@pytest.mark.parametrize(
    ("raw", "sw"),
    [
        ("", 0x6700),
        ("00A400", 0x6700),
        ("00D6000003AABB", 0x6700),  # Lc says 3, two bytes follow
        ("00D6000002AABBCCDD", 0x6700),
        ("00B000000001", 0x6700),  # extended with a 1-byte tail
        ("00D6000000000000", 0x6700),  # extended Lc = 0
        ("FFA40000", 0x6E00),
        ("20A40000", 0x6E00),
        ("00600000", 0x6D00),
        ("00900000", 0x6D00),
    ],
)
def test_malformed(raw: str, sw: int) -> None:
    with pytest.raises(CardError) as err:
        parse_command(bytes.fromhex(raw))
    assert err.value.sw == sw


@pytest.mark.parametrize(
    ("cla", "inter", "channel", "sm", "chaining"),
    [
        (0x00, True, 0, False, False),
        (0x03, True, 3, False, False),
        (0x04, True, 0, True, False),
        (0x0C, True, 0, True, False),
        (0x10, True, 0, False, True),
        (0x80, False, 0, False, False),
        (0x84, False, 0, True, False),
        (0x81, False, 1, False, False),
        (0x40, True, 4, False, False),
        (0x4F, True, 19, False, False),
        (0x60, True, 4, True, False),
        (0x50, True, 4, False, True),
        (0xA0, False, 0, False, False),
    ],
)
def test_cla_decoding(cla: int, inter: bool, channel: int, sm: bool, chaining: bool) -> None:
    info = decode_cla(cla)
    assert (info.interindustry, info.channel, info.sm, info.chaining) == (
        inter,
        channel,
        sm,
        chaining,
    )


def test_build_round_trips() -> None:
    for data, le in [(b"", None), (b"", 8), (b"\x01" * 3, None), (b"\x01" * 3, 256)]:
        cmd = parse_command(build_command(0x00, 0xA4, 0x04, 0x00, data, le))
        assert (cmd.data, cmd.le, cmd.extended) == (data, le, False)
    big = bytes(300)
    cmd = parse_command(build_command(0x00, 0xD6, 0, 0, big, 1000))
    assert (cmd.data, cmd.le, cmd.extended, cmd.case) == (big, 1000, True, 4)


def test_dispatcher_status_words(s) -> None:
    assert s.sw("00") == 0x6700
    assert s.sw("FF000000") == 0x6E00
    assert s.sw("00FE0000") == 0x6D00
    assert s.sw("B0A40000") == 0x6E00  # proprietary class with no application
    assert s.sw("10A40000") == 0x6884  # command chaining not supported
    assert s.sw("01A40000") == 0x6881  # channel 1 is not open
    assert s.sw("44A40000") == 0x6881  # further interindustry channel 8 not supported
    assert s.sw("80A4000000") == 0x9000  # SELECT MF in proprietary class 80


def test_repr_masks_pin_data() -> None:
    assert "123456" not in repr(parse_command(bytes.fromhex("0020000003123456")))
    assert "3F00" in repr(parse_command(bytes.fromhex("00A40000023F00")))
