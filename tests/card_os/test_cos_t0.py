"""T=0 and T=1 response delivery: 61xx / GET RESPONSE and 6Cxx."""

from __future__ import annotations

import pytest
from cos_fixture import SSSE_AID

SELECT_SSSE = "00A404000F" + SSSE_AID.hex()


def test_t0_case4_answers_61xx(s0) -> None:
    out = s0.raw(SELECT_SSSE + "00")  # the Le byte cannot travel in a T=0 case-4 TPDU
    assert out == bytes.fromhex("611B")
    data, sw = s0.send("00C000001B")
    assert sw == 0x9000 and data[0] == 0x6F and len(data) == 0x1B


def test_t0_get_response_in_parts(s0) -> None:
    s0.raw(SELECT_SSSE)
    first = s0.raw("00C0000010")
    assert first[-2:] == bytes.fromhex("610B") and len(first) == 0x12
    assert s0.raw("00C0000020") == bytes.fromhex("6C0B")  # too long: exact length
    rest, sw = s0.send("00C000000B")
    assert sw == 0x9000
    assert first[:-2] + rest == s0.card.named_dfs[0].template(0x6F)


def test_t0_pending_discarded_by_other_command(s0) -> None:
    s0.raw(SELECT_SSSE)
    s0.raw("00200000")
    assert s0.sw("00C000001B") == 0x6985


def test_t0_case2_wrong_le(s0) -> None:
    assert s0.raw("00B0810004")[-2:] == b"\x90\x00"
    assert s0.raw("00B0810000") == bytes.fromhex("6C10")
    s0.raw(SELECT_SSSE)
    assert s0.raw("00B2012C00") == bytes.fromhex("6C12")  # Le=00 means 256 under T=0
    assert s0.raw("00B2012C20") == bytes.fromhex("6C12")
    assert s0.send("00B2012C12")[1] == 0x9000


def test_t1_returns_data_directly(s) -> None:
    data, sw = s.send(SELECT_SSSE + "00")
    assert sw == 0x9000 and data[0] == 0x6F
    assert s.raw(SELECT_SSSE) == bytes.fromhex("9000")  # no Le, no data
    assert s.raw("00B2012C05") == bytes.fromhex("6C12")  # Le shorter than the record
    assert s.send("00B2012C00")[1] == 0x9000


@pytest.mark.parametrize("protocol", ["T=0", "T=1"])
def test_protocol_property(protocol: str) -> None:
    from cos_fixture import Session

    session = Session(protocol)
    assert session.card.protocol == protocol
    with pytest.raises(ValueError, match="protocol"):
        session.card.protocol = "T=2"
