"""Round trips and known vectors for every field encoding (card-spec §1.2-§1.5)."""

from __future__ import annotations

import datetime as dt
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from card_os import codecs
from card_os.atr import build_atr, card_factor, parse_atr

FAST = settings(max_examples=60, deadline=None)

digits = st.text(alphabet=string.digits, max_size=16)
gbk_chars = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5).filter(
    lambda c: len(c.encode("gbk", errors="ignore")) == 2
)


@FAST
@given(digits, st.integers(min_value=8, max_value=10))
def test_cn_round_trip_and_f_padding(value: str, size: int) -> None:
    raw = codecs.encode_cn(value, size)
    assert len(raw) == size
    assert raw.hex().upper()[len(value) :] == "F" * (2 * size - len(value))
    assert codecs.decode_cn(raw) == value


@FAST
@given(st.text(alphabet=string.ascii_letters + string.digits + " .-", max_size=18))
def test_an_round_trip_and_zero_padding(value: str) -> None:
    raw = codecs.encode_an(value, 18)
    assert raw == value.encode() + bytes(18 - len(value))
    assert codecs.decode_an(raw) == value


@FAST
@given(st.text(gbk_chars, min_size=1, max_size=15), st.sampled_from([0x00, 0xFF]))
def test_gbk_round_trip_with_padding(name: str, pad: int) -> None:
    raw = codecs.encode_gbk(name, 30, pad)
    assert len(raw) == 30
    assert raw[2 * len(name) :] == bytes([pad]) * (30 - 2 * len(name))
    assert codecs.decode_gbk(raw, pad) == name


@FAST
@given(st.text(gbk_chars, min_size=1, max_size=25))
def test_split_name_fits_and_rejoins(name: str) -> None:
    head, tail = codecs.split_name(name)
    assert head + tail == name
    assert len(head.encode("gbk")) <= 30 and len(tail.encode("gbk")) <= 20
    assert tail == "" or len(head) == 15


def test_name_too_long_and_non_gbk_are_refused() -> None:
    with pytest.raises(codecs.CodecError, match="exceeds"):
        codecs.split_name("张" * 26)
    with pytest.raises(codecs.CodecError, match="U\\+4DAE"):
        codecs.encode_gbk("王䶮", 30)


@FAST
@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_date_round_trip(day: dt.date) -> None:
    raw = codecs.encode_date(day)
    assert raw.hex() == day.strftime("%Y%m%d")
    assert codecs.decode_date(raw) == day


@FAST
@given(st.text(alphabet=string.digits, min_size=6, max_size=6))
def test_region_round_trip(code: str) -> None:
    assert codecs.decode_region(codecs.encode_region(code)) == code


@FAST
@given(st.integers(min_value=1, max_value=99))
def test_ethnic_round_trip(code: int) -> None:
    raw = codecs.encode_ethnic(code)
    assert raw == bytes.fromhex(f"{code:02d}")
    assert codecs.decode_ethnic(raw) == code


def test_card_number_sample_passes() -> None:
    # card-spec §1.5: the spec sample X00000019 passes the check.
    assert codecs.is_valid_card_number("X00000019")
    assert codecs.card_number_check_char("X0000001") == "9"


@FAST
@given(
    st.text(alphabet=string.digits + string.ascii_uppercase, min_size=8, max_size=8),
    st.integers(min_value=0, max_value=7),
    st.sampled_from(string.digits + string.ascii_uppercase),
)
def test_card_number_detects_single_changes(body: str, pos: int, new: str) -> None:
    number = codecs.make_card_number(body)
    assert codecs.is_valid_card_number(number)
    changed = number[:pos] + new + number[pos + 1 :]
    # A change of value d at a weight w moves the sum by w*d; 11 is prime and no weight is a
    # multiple of it, so the check catches every change with d not a multiple of 11.
    alphabet = string.digits + string.ascii_uppercase
    d = alphabet.index(new) - alphabet.index(number[pos])
    assert codecs.is_valid_card_number(changed) == (d % 11 == 0)


@FAST
@given(st.text(alphabet=string.digits, min_size=15, max_size=18), st.integers(0, 9))
def test_luhn_round_trip_and_single_digit_errors(body: str, delta: int) -> None:
    number = body + codecs.luhn_check_digit(body)
    assert codecs.luhn_valid(number)
    if delta:
        bad = str((int(number[0]) + delta) % 10) + number[1:]
        assert not codecs.luhn_valid(bad)


def test_luhn_vector() -> None:
    assert codecs.luhn_valid("79927398713")
    assert not codecs.luhn_valid("79927398710")


@FAST
@given(st.text(alphabet=string.digits, min_size=17, max_size=17), st.integers(1, 9))
def test_citizen_id_check_digit(body: str, delta: int) -> None:
    number = body + codecs.citizen_id_check_digit(body)
    assert codecs.is_valid_citizen_id(number)
    bad = number[:5] + str((int(number[5]) + delta) % 10) + number[6:]
    assert not codecs.is_valid_citizen_id(bad)


def test_citizen_id_vector() -> None:
    # GB 11643 worked example
    assert codecs.citizen_id_check_digit("11010519491231002") == "X"


@FAST
@given(st.binary(min_size=13, max_size=13), st.booleans())
def test_atr_round_trip_and_tck(historical: bytes, t1: bool) -> None:
    atr = build_atr(historical, offer_t1=t1)
    if not t1:
        assert atr[:4] == bytes.fromhex("3B6D0000")  # card-spec §5
    got, protocols = parse_atr(atr)
    assert got == historical
    assert protocols == ([0, 1] if t1 else [0])
    assert card_factor(historical) == historical[5:]
