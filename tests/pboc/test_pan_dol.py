"""PAN generation (62 prefix, Luhn, 16-19 digits) and data object lists."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from card_os.pboc.dol import (
    DolEntry,
    DolError,
    build_dol_data,
    dol_length,
    encode_dol,
    parse_dol,
    split_dol_data,
)
from card_os.pboc.pan import PanError, generate_pan, validate_pan


def luhn_ok(number: str) -> bool:
    """Independent Luhn check: double every second digit from the right."""
    digits = [int(c) for c in reversed(number)]
    total = sum(
        d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(digits)
    )
    return total % 10 == 0


@settings(max_examples=200)
@given(seed=st.integers(min_value=0, max_value=2**32), length=st.integers(16, 19))
def test_generated_pan_is_unionpay_luhn_and_deterministic(seed: int, length: int) -> None:
    pan = generate_pan(seed, length=length)
    assert pan.startswith("62")
    assert len(pan) == length and pan.isdigit()
    assert luhn_ok(pan)
    assert generate_pan(seed, length=length) == pan
    assert validate_pan(pan) == pan


def test_different_seeds_give_different_pans() -> None:
    assert len({generate_pan(seed) for seed in range(50)}) == 50


@given(
    seed=st.integers(0, 10**6),
    length=st.integers(16, 19),
    position=st.integers(2, 18),
    delta=st.integers(1, 9),
)
def test_single_digit_change_fails_validation(
    seed: int, length: int, position: int, delta: int
) -> None:
    pan = generate_pan(seed, length=length)
    position = 2 + position % (length - 2)  # keep the 62 prefix
    changed = pan[:position] + str((int(pan[position]) + delta) % 10) + pan[position + 1 :]
    with pytest.raises(PanError, match="Luhn"):
        validate_pan(changed)


@pytest.mark.parametrize(
    ("pan", "message"),
    [("4111111111111111", "prefix 62"), ("62345", "16-19"), ("62a4567890123456", "16-19")],
)
def test_bad_pans_are_rejected_with_a_reason(pan: str, message: str) -> None:
    with pytest.raises(PanError, match=message):
        validate_pan(pan)


@pytest.mark.parametrize("kwargs", [{"length": 15}, {"length": 20}, {"bin_prefix": "4111"}])
def test_bad_generation_parameters_are_rejected(kwargs: dict) -> None:
    with pytest.raises(PanError):
        generate_pan(1, **kwargs)


tags = st.sampled_from([0x9F02, 0x5F2A, 0x9A, 0x95, 0x9F37, 0x9F7A, 0x8A, 0x91, 0xDF8101])


@given(st.lists(st.builds(DolEntry, tags, st.integers(1, 40)), max_size=12))
def test_dol_round_trip(entries: list[DolEntry]) -> None:
    assert parse_dol(encode_dol(entries)) == entries


def test_pdol_bytes_match_emv_wire_form() -> None:
    raw = bytes.fromhex("9F7A019F02065F2A02")
    entries = parse_dol(raw)
    assert entries == [DolEntry(0x9F7A, 1), DolEntry(0x9F02, 6), DolEntry(0x5F2A, 2)]
    assert dol_length(entries) == 9  # the `83 09` of card-spec §4


def test_split_and_build_are_inverse() -> None:
    entries = [DolEntry(0x9F02, 6), DolEntry(0x5F2A, 2)]
    data = bytes.fromhex("0000000012340156")
    values = split_dol_data(entries, data)
    assert values == {0x9F02: bytes.fromhex("000000001234"), 0x5F2A: b"\x01\x56"}
    assert build_dol_data(entries, values) == data
    assert build_dol_data(entries, {}) == bytes(8)
    with pytest.raises(DolError, match="asks for 8"):
        split_dol_data(entries, data[:-1])


@pytest.mark.parametrize("raw", ["9F", "9F02", "9F8101"])
def test_truncated_dols_are_rejected(raw: str) -> None:
    with pytest.raises(DolError):
        parse_dol(bytes.fromhex(raw))
