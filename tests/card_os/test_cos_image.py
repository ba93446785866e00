"""Card image: JSON round trip byte for byte, validation with clear errors."""

from __future__ import annotations

import json
import random

import pytest
from cos_fixture import image

from card_os.card import Card
from card_os.image import ImageError


def test_round_trip_byte_for_byte() -> None:
    text = Card(image()).to_json()
    again = Card.from_json(text).to_json()
    assert again == text
    assert Card.from_json(text.encode("utf-8")).to_json() == text
    assert text.endswith("\n") and "张三" not in text  # records are hex


def test_state_changes_survive_save_and_load() -> None:
    card = Card(image(), random.Random(1))
    card.power_on()
    card.transmit(bytes.fromhex("0020000103999999"))  # wrong MF PIN 1
    card.transmit(bytes.fromhex("0020000103123456"))
    card.transmit(bytes.fromhex("00D6810002ABCD"))
    saved = card.to_json()
    loaded = Card.from_json(saved)
    assert loaded.to_json() == saved
    doc = json.loads(saved)
    assert doc["mf"]["children"][0]["data"].startswith("ABCD")
    assert doc["mf"]["pins"][0]["tries_left"] == 3


def test_volatile_state_not_in_image() -> None:
    card = Card(image())
    before = card.to_json()
    card.power_on()
    card.transmit(bytes.fromhex("0020000103123456"))  # verified: volatile
    card.transmit(bytes.fromhex("0084000008"))
    assert card.to_json() == before


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("mf", "fid"), "3F01", "the MF has FID 3F00"),
        (("mf", "children", 0, "sfi"), 31, "sfi: 31 outside 1..30"),
        (("mf", "children", 0, "structure"), "tree", "is not one of"),
        (("mf", "children", 0, "data"), "XYZ", "is not hex"),
        (("mf", "children", 0, "acl"), {"read": "pin:1&key:2|pin:3"}, "mixes"),
        (("mf", "children", 0, "acl"), {"write": "always"}, "unknown operation"),
        (("mf", "pins", 0, "value"), "12", "not a bcd PIN"),
        (("mf", "keys", 0, "value"), "0011", "3des key has 16 or 24 bytes"),
        (("mf", "keys", 0, "algorithm"), "aes", "is not one of"),
        (("mf", "children", 1, "name"), "00" * 17, "1..16 bytes"),
        (("mf", "children", 1, "app"), "no_such_app", "no application module"),
        (("mf", "colour"), "blue", "unknown field(s) colour"),
        (("format",), "other/2", "is not 'sscard-image/1'"),
        (("cos", "channels"), 21, "outside 1..20"),
    ],
)
def test_malformed_images_name_the_fault(path: tuple, value: object, message: str) -> None:
    doc = image()
    target = doc
    for step in path[:-1]:
        target = target.setdefault(step, {}) if isinstance(step, str) else target[step]
    target[path[-1]] = value
    with pytest.raises(ImageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Card(doc)


def test_duplicate_fid_and_not_json() -> None:
    doc = image()
    doc["mf"]["children"].append(dict(doc["mf"]["children"][0], sfi=2))
    with pytest.raises(ImageError, match="duplicate FID 2F00"):
        Card(doc)
    with pytest.raises(ImageError, match="not valid JSON"):
        Card.from_json("{not json")


def test_reserved_fids_and_nested_mf_are_refused() -> None:
    doc = image()
    doc["mf"]["children"][0]["fid"] = "3FFF"
    with pytest.raises(ImageError, match="3FFF is reserved"):
        Card(doc)
    doc = image()
    doc["mf"]["children"][1]["kind"] = "MF"
    with pytest.raises(ImageError, match="only the root is the MF"):
        Card(doc)


def test_in_range_values_equal_to_defaults_are_still_checked() -> None:
    doc = image()
    doc["mf"]["pins"][0]["tries_left"] = 4  # above max_tries 3
    with pytest.raises(ImageError, match=r"tries_left: 4 outside 0\.\.3"):
        Card(doc)


def test_images_share_no_state_with_the_card() -> None:
    doc = image()
    doc["mf"]["children"][1]["app_state"] = {"nested": {"n": 1}}
    card = Card(doc)
    doc["mf"]["children"][1]["app_state"]["nested"]["n"] = 2
    doc["profile"]["generation"] = 9
    out = card.to_image()
    assert out["mf"]["children"][1]["app_state"] == {"nested": {"n": 1}}
    assert out["profile"]["generation"] == 3
    out["mf"]["children"][1]["app_state"]["nested"]["n"] = 5
    assert card.mf.children[1].app_state == {"nested": {"n": 1}}
