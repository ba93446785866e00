"""Round trips of every record layout field, the PIN block and the Step1 string."""

from __future__ import annotations

import datetime as dt
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from card_os.ssse import cardkeys
from card_os.ssse.hsm import Step1
from card_os.ssse.layouts import (
    DEFAULT_DF_LAYOUTS,
    EF0D,
    EF05,
    EF06,
    RecordField,
    decode_value,
    encode_value,
)

FAST = settings(max_examples=40, deadline=None)
FIELDS = [f for ef in (EF05, EF06, EF0D) for f in ef.records] + [
    f for df in DEFAULT_DF_LAYOUTS for ef in df.efs for f in ef.records
]
GBK_CHARS = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5).filter(
    lambda c: len(c.encode("gbk", errors="ignore")) == 2
)


def value_for(field: RecordField) -> st.SearchStrategy[object]:
    n = field.length
    return {
        "b": st.binary(min_size=n, max_size=n),
        "an": st.text(string.ascii_letters + string.digits, max_size=n),
        "cn": st.text(string.digits, max_size=2 * n),
        "gbk": st.text(GBK_CHARS, max_size=n // 2),
        "date": st.dates(dt.date(1900, 1, 1), dt.date(2099, 12, 31)),
        "region": st.text(string.digits, min_size=6, max_size=6),
        "ethnic": st.integers(1, 99),
    }[field.format]


@st.composite
def field_and_value(draw: st.DrawFn) -> tuple[RecordField, object]:
    field = draw(st.sampled_from(FIELDS))
    return field, draw(value_for(field))


@FAST
@given(field_and_value(), st.sampled_from([0x00, 0xFF]))
def test_every_layout_field_round_trips(pair: tuple[RecordField, object], pad: int) -> None:
    field, value = pair
    raw = encode_value(field, value, pad)
    assert len(raw) == field.length
    decoded = decode_value(field, raw, pad)
    if field.format == "cn" and value == "":
        assert decoded is None  # an all-F cn field is empty
    else:
        assert decoded == value


@FAST
@given(st.text(string.digits, min_size=4, max_size=16), st.sampled_from(["3des", "sm4"]))
def test_pin_block_round_trip(pin: str, cipher: str) -> None:
    key = bytes(range(16))
    block = cardkeys.encrypt_pin_block(cipher, key, pin)  # type: ignore[arg-type]
    assert len(block) == 16
    assert cardkeys.decrypt_pin_block(cipher, key, block) == pin  # type: ignore[arg-type]


@FAST
@given(
    st.text(string.digits, min_size=6, max_size=6),
    st.binary(min_size=13, max_size=13),
    st.sampled_from(["01", "03"]),
    st.binary(min_size=8, max_size=8),
    st.lists(st.binary(min_size=8, max_size=8), min_size=4, max_size=4),
    st.text(string.digits, min_size=12, max_size=12),
)
def test_step1_string_round_trip(region, historical, algorithm, card_bytes, factors, terminal):
    card_id = bytes.fromhex(region) + bytes.fromhex("D156000005") + card_bytes
    step = Step1(region, historical, algorithm, card_id, *factors, terminal)
    assert Step1.parse(step.to_string()) == step
