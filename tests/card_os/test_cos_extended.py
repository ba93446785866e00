"""Extended lengths, long responses, and the further interindustry logical channels."""

from __future__ import annotations

import random

from cos_fixture import image

from card_os.card import Card

BIG = bytes(range(256)) * 2  # 512 bytes


def card_with_big_file(protocol: str, channels: int = 4) -> Card:
    doc = image()
    doc["cos"] = {"channels": channels}
    doc["mf"]["children"].append(
        {
            "kind": "EF",
            "structure": "transparent",
            "fid": "2F10",
            "sfi": 16,
            "size": len(BIG),
            "data": BIG.hex(),
            "acl": {"read": "always", "update": "always"},
        }
    )
    card = Card(doc, random.Random(0))
    card.protocol = protocol
    card.power_on()
    return card


def test_extended_le_reads_past_256() -> None:
    card = card_with_big_file("T=1")
    out = card.transmit(bytes.fromhex("00B09000000000"))  # SFI 16, extended Le = 65536
    assert out == BIG + b"\x90\x00"
    out = card.transmit(bytes.fromhex("00B0900000012C"))  # extended Le = 300
    assert out == BIG[:300] + b"\x90\x00"


def test_extended_update() -> None:
    card = card_with_big_file("T=1")
    data = b"\xab" * 300
    apdu = bytes.fromhex("00D69000") + b"\x00" + len(data).to_bytes(2, "big") + data
    assert card.transmit(apdu) == b"\x90\x00"
    assert card.transmit(bytes.fromhex("00B09000000000")) == data + BIG[300:] + b"\x90\x00"


def test_t0_long_response_comes_in_61xx_parts() -> None:
    card = card_with_big_file("T=0")
    out = card.transmit(bytes.fromhex("00B09000000200"))  # extended Le = 512 ... exact
    assert out == BIG + b"\x90\x00"
    out = card.transmit(bytes.fromhex("00B09000000100"))  # ask for 256 of 512: available
    assert out == BIG[:256] + b"\x90\x00"


def test_further_interindustry_channels() -> None:
    card = card_with_big_file("T=1", channels=20)
    assert card.transmit(bytes.fromhex("00700013")) == b"\x90\x00"  # open channel 19
    out = card.transmit(bytes.fromhex("4FB0900004"))  # CLA 4F: channel 19
    assert out == BIG[:4] + b"\x90\x00"
    assert card.transmit(bytes.fromhex("4E B0 90 00 04".replace(" ", ""))) == bytes.fromhex("6881")
    assert card.transmit(bytes.fromhex("00700014")) == bytes.fromhex("6881")  # 20 = beyond
