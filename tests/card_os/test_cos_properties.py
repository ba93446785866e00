"""Hypothesis properties: any byte string gets a well-formed response; images round-trip."""

from __future__ import annotations

import random

from cos_fixture import image
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from card_os.card import Card
from card_os.sw import is_valid_sw

INS = [0x04, 0x20, 0x24, 0x2C, 0x44, 0x70, 0x82, 0x84, 0x88, 0xA4, 0xB0, 0xB2, 0xC0, 0xD6, 0xDC]
CLA = [0x00, 0x01, 0x04, 0x0C, 0x10, 0x40, 0x60, 0x80, 0x84, 0xA0, 0xFF]

raw_apdus = st.binary(max_size=300)
structured_apdus = st.builds(
    lambda cla, ins, p1, p2, body: bytes((cla, ins, p1, p2)) + body,
    st.sampled_from(CLA) | st.integers(0, 255),
    st.sampled_from(INS) | st.integers(0, 255),
    st.integers(0, 255),
    st.integers(0, 255),
    st.binary(max_size=40)
    | st.binary(max_size=30).map(lambda d: bytes((len(d),)) + d)
    | st.binary(max_size=30).map(lambda d: bytes((len(d),)) + d + b"\x00")
    | st.binary(max_size=300).map(lambda d: b"\x00" + len(d).to_bytes(2, "big") + d + b"\x00\x00"),
)
#: Well-formed commands that move the card into states where more code runs.
VALID = [
    bytes.fromhex(h)
    for h in (
        "00A404000F7378312E73682EC9E7BBE1B1A3D5CF00",
        "00A4000C023F00",
        "00A4020C02EF05",
        "00A4040006D1560000050300",
        "0020000003123456",
        "0020000103123456",
        "0084000008",
        "0070000001",
        "00B2012C00",
        "00B0810000",
        "00E2004004AA000000",
        "00C0000010",
    )
]
apdus = raw_apdus | structured_apdus | st.sampled_from(VALID)

_BASE = Card(image()).to_json()


def _fresh(protocol: str) -> Card:
    card = Card.from_json(_BASE, random.Random(3))
    card.protocol = protocol
    card.power_on()
    return card


def _well_formed(response: bytes) -> bool:
    return len(response) >= 2 and is_valid_sw(int.from_bytes(response[-2:], "big"))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(apdus, min_size=1, max_size=12), st.sampled_from(["T=0", "T=1"]))
def test_any_bytes_get_a_valid_status_word(sequence: list[bytes], protocol: str) -> None:
    card = _fresh(protocol)
    for apdu in sequence:
        response = card.transmit(apdu)
        assert _well_formed(response), (apdu.hex(), response.hex())
        if response[-2] == 0x6C or response[-2:] in (b"\x67\x00", b"\x6e\x00", b"\x6d\x00"):
            assert len(response) == 2  # these never carry data (61xx may: partial responses)
    assert card.internal_errors == 0, card.last_internal_error
    text = card.to_json()
    assert Card.from_json(text).to_json() == text  # whatever happened, the image stays valid


# -- generated images -----------------------------------------------------------------------

hexes = st.binary(min_size=1, max_size=8)
rules = st.sampled_from(["always", "never", "pin:1", "key:2", "pin:1|key:2", "pin:1&mac:2"])


@st.composite
def ef_nodes(draw: st.DrawFn, fid: int, sfi: int) -> dict:
    structure = draw(st.sampled_from(["transparent", "linear_fixed", "linear_variable", "cyclic"]))
    node = {
        "kind": "EF",
        "structure": structure,
        "fid": f"{fid:04X}",
        "sfi": sfi if draw(st.booleans()) else None,
        "acl": {"read": draw(rules), "update": draw(rules)},
        "lcs": draw(st.sampled_from(["operational", "deactivated"])),
    }
    if draw(st.booleans()):
        node["note"] = draw(st.text(max_size=6))
    if structure == "transparent":
        data = draw(st.binary(max_size=20))
        node.update(size=len(data) + draw(st.integers(0, 4)), data=data.hex())
    else:
        size = draw(st.integers(1, 12))
        count = draw(st.integers(1, 5))
        if structure == "linear_variable":
            recs = draw(st.lists(st.binary(min_size=1, max_size=size), max_size=count))
        else:
            recs = draw(st.lists(st.binary(min_size=size, max_size=size), max_size=count))
        node.update(record_size=size, max_records=count, records=[r.hex() for r in recs])
    return node


@st.composite
def card_images(draw: st.DrawFn) -> dict:
    children = []
    for i in range(draw(st.integers(0, 4))):
        children.append(draw(ef_nodes(0xEF01 + i, i + 1)))
    ddf = {
        "kind": draw(st.sampled_from(["DF", "DDF", "ADF"])),
        "fid": "DF01",
        "name": draw(st.binary(min_size=1, max_size=16)).hex(),
        "app_state": draw(st.dictionaries(st.text(max_size=4), st.integers(), max_size=3)),
        "fci_proprietary": draw(st.none() | hexes.map(bytes.hex)),
        "pins": [
            {
                "ref": 1,
                "value": draw(st.text("0123456789", min_size=4, max_size=12)),
                "max_tries": (tries := draw(st.integers(1, 15))),
                "tries_left": draw(st.integers(0, tries)),
            }
        ],
        "keys": [
            {
                "ref": 2,
                "algorithm": (alg := draw(st.sampled_from(["3des", "sm4", "des"]))),
                "value": draw(
                    st.binary(
                        min_size=8 if alg == "des" else 16, max_size=8 if alg == "des" else 16
                    )
                ).hex(),
                "usage": draw(st.lists(st.sampled_from(["external_auth", "mac"]), unique=True)),
            }
        ],
        "children": children,
    }
    return {
        "format": "sscard-image/1",
        "protocol": draw(st.sampled_from(["T=0", "T=1"])),
        "profile": draw(st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3)),
        "mf": {"kind": "MF", "fid": "3F00", "children": [ddf]},
    }


@settings(max_examples=150, deadline=None)
@given(card_images())
def test_image_round_trip(doc: dict) -> None:
    card = Card(doc)
    text = card.to_json()
    assert Card.from_json(text).to_json() == text
    assert Card(card.to_image()).to_image() == card.to_image()
