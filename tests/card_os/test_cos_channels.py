"""MANAGE CHANNEL and per-channel selection and security state."""

from __future__ import annotations

from cos_fixture import SSSE_AID


def test_open_select_close(s) -> None:
    assert s.ok("0070000001") == b"\x01"
    s.ok("01A404000F" + SSSE_AID.hex() + "00")
    assert s.card.channel(1).df.name == SSSE_AID
    assert s.card.channel(0).df is s.card.mf  # basic channel unaffected
    s.ok("0170800000")
    assert s.sw("01A40000") == 0x6881


def test_open_specific_and_limits(s) -> None:
    s.ok("00700003")
    assert s.sw("00700003") == 0x6985  # already open
    assert s.sw("00700004") == 0x6881  # 4 channels (0-3)
    assert s.ok("0070000001") == b"\x01"
    assert s.ok("0070000001") == b"\x02"
    assert s.sw("0070000001") == 0x6A81  # all open
    assert s.sw("00708000") == 0x6A86  # the basic channel is never closed
    assert s.sw("00708005") == 0x6881
    assert s.sw("00700100") == 0x6A86


def test_security_state_per_channel(s) -> None:
    s.ok("0070000001")
    s.ok("0020000103123456")
    assert s.sw("01200001") == 0x63C3  # channel 1 has its own state
    assert s.sw("01D6810002ABCD") == 0x6982
    assert s.sw("00D6810002ABCD") == 0x9000


def test_open_from_non_basic_channel_inherits(s) -> None:
    s.ok("0070000001")
    s.ok("01A404000F" + SSSE_AID.hex() + "00")
    s.ok("0120000003123456")
    assert s.ok("0170000001") == b"\x02"
    ctx = s.card.channel(2)
    assert ctx.df.name == SSSE_AID
    assert ctx.security.pins == s.card.channel(1).security.pins
    s.ok("02B2013400")  # EF06 read with the inherited PIN


def test_get_response_uses_channel(s0) -> None:
    s0.ok("0070000001")
    assert s0.sw("01A404000F" + SSSE_AID.hex()) == 0x611B
    assert s0.sw("00C000001B") == 0x6985  # nothing pending on channel 0
    assert s0.send("01C000001B")[0][0] == 0x6F
