"""The return-code table, status-word mapping, output string and pFileAddr syntax."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.reader.basic_info import FIELD_LABELS, BasicInfo, OutputFormatError
from emulator.reader.codes import (
    HSM_FALLBACK_CODES,
    RETURN_CODES,
    ReaderError,
    code_for_sw,
    message_for,
    pin_failure,
)
from emulator.reader.file_addr import FileAddress, parse_file_addr
from emulator.reader.hsm_messages import ReloadAuthRequest, ReloadRequest, parse_read_key

SPEC_SAMPLE = (
    "639900|111111198101011110|X00000019|639900D15600000500BF7C7A48FB4966|张三|"
    "00814E43238697159900BF7C7A|1.00|20101001|20201001|410100813475|终端设备号|"
)


@pytest.mark.parametrize(
    ("sw", "code"),
    [
        (0x6983, -27011),
        (0x6A82, -27266),
        (0x6A83, -27267),
        (0x6A88, -27272),
        (0x6982, -27010),
        (0x6988, -27016),
        (0x6A86, -27270),
        (0x6E00, -28160),
        (0x9303, -37635),
        (0x63C0, -25536),
        (0x63C1, -25537),
        (0x63C2, -25538),
    ],
)
def test_card_errors_are_minus_the_status_word(sw: int, code: int) -> None:
    # card-spec §2.2 examples; its -26370 (6A86) and -26371 (6E00) break the rule it states
    # (minus the SW in decimal), so the rule wins: -27270 and -28160.
    assert code_for_sw(sw) == code
    assert ReaderError.from_sw(sw).code == code
    assert f"{sw:04X}" in ReaderError.from_sw(sw).message


def test_table_holds_exactly_the_documented_codes() -> None:
    documented = {-1, -2, -3, -4, -5, -11, -12, -13, -14, -15, -20, -21, -22, -23, -24, -25}
    documented |= {-31, -32, -33, -34, -35, -36, -41, -42, -51, -52}
    documented |= {-2201, -2202, -2203, -2204}
    assert set(RETURN_CODES) == documented
    assert {-2201, -2202, -2203, -27272, -24} == HSM_FALLBACK_CODES


@pytest.mark.parametrize(("sw", "tries"), [(0x63C2, 2), (0x63C1, 1), (0x63C5, 5)])
def test_wrong_pin_gives_minus_51_with_tries_left(sw: int, tries: int) -> None:
    error = pin_failure(sw)
    assert error.code == -51
    assert error.message == f"PIN校验失败，剩余次数{tries}"


@pytest.mark.parametrize("sw", [0x6983, 0x63C0])
def test_blocked_pin_gives_minus_52(sw: int) -> None:
    assert pin_failure(sw).code == -52
    assert pin_failure(sw).message == "PIN锁定"


def test_messages_never_leave_a_placeholder() -> None:
    for code in RETURN_CODES:
        assert "{" not in message_for(code)


def test_spec_sample_parses_into_its_eleven_fields() -> None:
    info = BasicInfo.from_out_string(SPEC_SAMPLE)
    assert info.region == "639900"
    assert info.name == "张三"
    assert len(info.historical) == 26
    assert info.terminal_number == "410100813475"
    assert info.to_out_string() == SPEC_SAMPLE
    assert [label for label, _ in info.labelled()] == list(FIELD_LABELS)


_field = st.text(st.characters(blacklist_characters="|", blacklist_categories=["Cs"]), max_size=12)


@settings(max_examples=60)
@given(st.lists(_field, min_size=11, max_size=11))
def test_output_string_round_trips(values: list[str]) -> None:
    info = BasicInfo(*values)
    text = info.to_out_string()
    assert text.count("|") == 11 and text.endswith("|")
    assert BasicInfo.from_out_string(text) == info


@pytest.mark.parametrize("bad", ["", "a|b|", SPEC_SAMPLE[:-1], SPEC_SAMPLE + "x|"])
def test_malformed_output_strings_are_refused(bad: str) -> None:
    with pytest.raises(OutputFormatError):
        BasicInfo.from_out_string(bad)


def test_a_separator_inside_a_field_is_refused() -> None:
    info = BasicInfo.from_out_string(SPEC_SAMPLE)
    broken = dataclasses.replace(info, ssn="a|b")
    with pytest.raises(OutputFormatError, match="ssn"):
        broken.to_out_string()


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("DDF1EF05|01|07|", FileAddress(None, 0xEF05, (0x01, 0x07))),
        ("ddf1ef06|", FileAddress(None, 0xEF06, ())),
        ("DDF1DF04EF05|50|", FileAddress(4, 0xEF05, (0x50,))),
    ],
)
def test_file_addresses_parse(text: str, address: FileAddress) -> None:
    assert parse_file_addr(text) == address


def test_file_address_sfi_and_df() -> None:
    address = parse_file_addr("DDF1DF04EF15|")
    assert address.sfi == 0x15 and address.df_fid == 0xDF04


@pytest.mark.parametrize("text", ["", "EF05|", "DDF1EF05", "DDF1DF05EF05|", "DDF1EF05|1|", "X|"])
def test_bad_file_addresses_are_minus_14(text: str) -> None:
    with pytest.raises(ReaderError) as caught:
        parse_file_addr(text)
    assert caught.value.code == -14


def test_read_key_parsing() -> None:
    key = parse_read_key("11" * 8 + "22" * 8 + "|" + "33" * 16)
    assert key.internal_result == bytes([0x11] * 8)
    assert key.external_data == bytes([0x33] * 16)
    with pytest.raises(ReaderError) as short:
        parse_read_key("1122|33")
    assert short.value.code == -23
    with pytest.raises(ReaderError) as bad:
        parse_read_key("ZZ" * 16 + "|" + "33" * 16)
    assert bad.value.code == -41


def test_reload_requests_round_trip_and_hide_the_pin() -> None:
    auth = ReloadAuthRequest("03", "500100", "AB" * 13, "01" * 8, "02" * 8)
    assert ReloadAuthRequest.parse(auth.to_out_string()) == auth
    assert auth.to_out_string().split("|")[1] == "0090"
    block = ReloadRequest("03", "500100", "AB" * 13, "02" * 8, "654321")
    assert ReloadRequest.parse(block.to_out_string()) == block
    assert "654321" not in repr(block)
    with pytest.raises(ReaderError):
        ReloadRequest.parse("03|0173|")
