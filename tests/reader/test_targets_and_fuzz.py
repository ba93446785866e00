"""Target addresses, and the reader under random card answers and random input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reader_cards import BrokenTransport, make_psam, make_ref_card

from card_os.ssse.profile import IssuerProfile
from emulator.reader.codes import ReaderError
from emulator.reader.file_addr import parse_file_addr
from emulator.reader.hsm_messages import parse_read_key
from emulator.reader.interface import TerminalInterface
from emulator.reader.reader import ReferenceReader
from emulator.reader.targets import TargetError, open_target
from emulator.transport import InProcessTransport


def test_reference_target_from_image_files(tmp_path: Path) -> None:
    ref = make_ref_card(3)
    card, psam = tmp_path / "card.json", tmp_path / "psam.json"
    card.write_text(json.dumps(ref.image, ensure_ascii=False), "utf-8")
    psam.write_text(make_psam(ref.profile).to_json(), "utf-8")
    target = open_target(f"reference:{card};psam={psam}")
    assert isinstance(target, TerminalInterface)
    assert target.iReadCardBas(1) == (0, ref.expected(IssuerProfile().terminal_number))
    assert open_target(f"reference:{card}").iReadCardBas(1).code == -2201


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("reference", "must be"),
        ("simulator:x", "unknown target kind"),
        ("reference:/nonexistent.json", "cannot read"),
        ("reference:{card};pin=1", "unknown target option"),
        ("native:/nonexistent/libvendor.so", "cannot load"),
    ],
)
def test_bad_target_addresses(tmp_path: Path, address: str, message: str) -> None:
    card = tmp_path / "card.json"
    card.write_text(json.dumps(make_ref_card(2).image), "utf-8")
    with pytest.raises(TargetError, match=message):
        open_target(address.format(card=card))


ANSWERS = st.one_of(
    st.binary(max_size=40),
    st.sampled_from([b"\x90\x00", b"\x6a\x82", b"\x61\x10", b"\x6c\x05", b"\x63\xc1"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_card_answers_never_raise(data: st.DataObject) -> None:
    ref = make_ref_card(3)
    card = ref.card()
    bad_command = data.draw(st.integers(0, 12), label="command index")
    seen = {"n": 0}

    def rule(apdu: bytes, answer: bytes) -> bytes | None:
        seen["n"] += 1
        return data.draw(ANSWERS, label="answer") if seen["n"] > bad_command else None

    reader = ReferenceReader(BrokenTransport(card, rule))
    for call in (
        lambda: reader.iReadCardBas(1),
        lambda: reader.iReadCardBas_HSM_Step1(1),
        lambda: reader.iReadCardBas_HSM_Step2("00" * 16 + "|" + "00" * 16),
        lambda: reader.iReadCard(1, 0, "", "DDF1EF05|"),
        lambda: reader.iReadBankNumber(1),
    ):
        result = call()
        assert isinstance(result.code, int) and isinstance(result.text, str)
        assert result.code <= 0
        assert result.ok or result.text
    assert not card.powered


@settings(max_examples=200)
@given(st.text(max_size=40))
def test_random_input_strings_are_codes_not_crashes(text: str) -> None:
    for parse in (parse_file_addr, parse_read_key):
        try:
            parse(text)
        except ReaderError as err:
            assert err.code in (-14, -23, -41)


@pytest.mark.parametrize("value", [None, 42, b"00"])
def test_non_string_arguments_are_minus_23(value: object) -> None:
    ref = make_ref_card(3)
    card = ref.card()
    reader = ReferenceReader(InProcessTransport(card))
    assert reader.iReadCardBas_HSM_Step1(1).code == 0
    assert reader.iReadCardBas_HSM_Step2(value).code == -23  # type: ignore[arg-type]
    assert not card.powered
    assert reader.iReadCard(1, 0, value, "DDF1EF05|").code == -23  # type: ignore[arg-type]
    assert reader.iReadCard(1, 0, "", value).code == -23  # type: ignore[arg-type]
    assert reader.iReloadPIN_HSM_Step1(1, value).code == -23  # type: ignore[arg-type]
