"""build_pboc_nodes: the nodes it returns and the errors it gives for bad input."""

import datetime as dt

import pytest

from card_os.pboc.pan import generate_pan
from card_os.pboc.personalise import PersonalisationError, build_pboc_nodes, default_test_keys
from card_os.pboc.profile import PbocProfile

_PAN = generate_pan(3)
_WRONG_CHECK_DIGIT = _PAN[:-1] + str((int(_PAN[-1]) + 1) % 10)


def _args(**changes) -> dict:
    args = {
        "pan": _PAN,
        "name": "张三",
        "expiry": dt.date(2036, 1, 31),
        "effective": dt.date(2026, 2, 1),
        "generation": 3,
        "contactless": True,
        "keys": default_test_keys(3),
        "seed": 3,
    }
    args.update(changes)
    return args


def test_nodes_are_deterministic_and_named() -> None:
    nodes = build_pboc_nodes(**_args())
    assert nodes == build_pboc_nodes(**_args())
    assert [bytes.fromhex(n["name"]) for n in nodes] == [
        b"1PAY.SYS.DDF01",
        b"2PAY.SYS.DDF01",
        bytes.fromhex("A000000333010101"),
    ]
    adf = nodes[-1]
    assert {k["algorithm"] for k in adf["keys"]} == {"sm4"}
    # The card holds derived keys, never the issuer master keys.
    master = {v.hex().upper() for k, v in default_test_keys(3).items() if k != "pin"}
    assert not master & {k["value"] for k in adf["keys"]}
    gen2 = build_pboc_nodes(**_args(generation=2, keys=default_test_keys(2)))
    assert len(gen2) == 2 and {k["algorithm"] for k in gen2[-1]["keys"]} == {"3des"}


def test_default_test_keys_are_distinct_per_usage_and_generation() -> None:
    k2, k3 = default_test_keys(2), default_test_keys(3)
    values = [k2[u] for u in ("ac", "mac", "enc")] + [k3[u] for u in ("ac", "mac", "enc")]
    assert len(set(values)) == 6 and all(len(v) == 16 for v in values)
    assert k2["pin"] == k3["pin"] == "123456"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"pan": "4111111111111111"}, "pan"),
        ({"pan": _WRONG_CHECK_DIGIT}, "pan"),
        ({"name": " "}, "name"),
        ({"effective": dt.date(2040, 1, 1)}, "effective"),
        ({"generation": 4}, "generation"),
        ({"keys": {**default_test_keys(3), "ac": b"short"}}, "keys"),
        ({"keys": {**default_test_keys(3), "pin": "12"}}, "pin"),
    ],
)
def test_bad_input_names_the_field(changes: dict, field: str) -> None:
    with pytest.raises(PersonalisationError, match=field):
        build_pboc_nodes(**_args(**changes))


@pytest.mark.parametrize(
    ("field", "value"), [("gpo_format", 3), ("label", ""), ("log_sfi", 31), ("pin_tries", 0)]
)
def test_bad_profile_values_name_the_field(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field):
        PbocProfile(**{field: value})
