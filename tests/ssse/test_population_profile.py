"""Synthetic population, issuer profile validation, personalisation determinism."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import ssse_refdecoder as ref

from card_os.ssse.personalise import Personalisation, PersonaliseError, build_card_image
from card_os.ssse.profile import IssuerProfile, ProfileError
from emulator.population import REGIONS, make_cardholder, mask_id, population


def test_population_is_deterministic_and_valid() -> None:
    people = population(seed=42, count=120)
    assert people == population(seed=42, count=120)
    assert people != population(seed=43, count=120)
    for person in people:
        number = person.citizen_id
        assert ref.citizen_id_ok(number)
        assert number[:6] == person.birth_region and number[:6] in REGIONS
        assert number[6:14] == person.birth_date.strftime("%Y%m%d")
        assert int(number[16]) % 2 == (1 if person.sex == "1" else 0)
        assert ref.card_number_ok(person.card_number)
        assert person.pan.startswith("62")
        assert 1 <= person.ethnic <= 56
        person.name.encode("gbk")  # every drawn name is GBK-encodable
    names = [p.name for p in people]
    assert any(len(n) > 15 for n in names), "some names need 姓名扩展"
    assert any(any(c in n for c in "堃喆玥珺燚淼犇昇") for n in names), "rare characters"


def test_mask_id_hides_the_middle() -> None:
    assert mask_id("11010519491231002X") == "110105**********2X"


def test_profile_from_yaml_and_json() -> None:
    profile = IssuerProfile.from_text(
        "generation: 2\npin:\n  retry_limit: 8\n  default: '888888'\n"
    )
    assert (profile.generation, profile.pin.retry_limit, profile.algorithm) == (2, 8, 1)
    assert IssuerProfile.from_text(json.dumps({"generation": 3})).algorithm == 3


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("generation: 4", "generation"),
        ("pin: {retry_limit: 5}", "pin.retry_limit"),
        ("pin: {default: '12a456'}", "pin.default"),
        ("temporary_validity_days: 400", "temporary_validity_days"),
        ("terminal_number: '12'", "terminal_number"),
        ("key_ids: {rkssse: 300}", "key_ids.rkssse"),
        ("colour: blue", "colour"),
        ("master_keys: {rkssse: '00'}", "master_keys"),
        ("- 1\n- 2", "mapping"),
    ],
)
def test_bad_profile_values_name_the_field(text: str, field: str) -> None:
    with pytest.raises(ProfileError, match=field.replace(".", r"\.")):
        IssuerProfile.from_text(text)


def _image(seed: int, **kw: object) -> dict:
    return build_card_image(
        make_cardholder(seed),
        IssuerProfile(**kw),
        Personalisation(region="500100", seed=seed, issued=dt.date(2024, 1, 2)),
    )


def test_personalisation_is_deterministic() -> None:
    assert json.dumps(_image(9)) == json.dumps(_image(9))
    assert _image(9)["atr"] != _image(10)["atr"]


def test_personalisation_refuses_bad_holder_data() -> None:
    holder = make_cardholder(3)
    bad = [
        ("card_number", "X00000018"),
        ("citizen_id", holder.citizen_id[:-1] + ("0" if holder.citizen_id[-1] != "0" else "1")),
        ("name", "王䶮"),
        ("name", "张" * 30),
    ]
    for field, value in bad:
        changed = type(holder)(**{**holder.__dict__, field: value})
        with pytest.raises(PersonaliseError):
            build_card_image(
                changed,
                IssuerProfile(),
                Personalisation(region="500100", seed=3, issued=dt.date(2024, 1, 2)),
            )
