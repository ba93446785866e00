"""Bad input and edge cards: documented code and message, never an exception, no state left."""

from __future__ import annotations

import datetime as dt

import pytest
from reader_cards import (
    BrokenTransport,
    EmptySlot,
    RemovedAfter,
    make_psam,
    make_ref_card,
    set_record,
)

from card_os.ssse.profile import IssuerProfile
from emulator.reader.codes import Result
from emulator.reader.hsm import InProcessHsm
from emulator.reader.psam import PsamClient
from emulator.reader.reader import ReferenceReader
from emulator.reader.terminal import read_card_bas
from emulator.transport import InProcessTransport

TERMINAL = IssuerProfile().terminal_number
SELECT_SSSE = bytes.fromhex("00A404000F7378312E73682EC9E7BBE1B1A3D5CF")


def reader_on(transport: object, profile: IssuerProfile | None = None) -> ReferenceReader:
    psam = PsamClient(InProcessTransport(make_psam(profile or IssuerProfile())))
    return ReferenceReader(transport, psam=psam)  # type: ignore[arg-type]


def assert_all_calls_fail_cleanly(reader: ReferenceReader, code: int) -> None:
    calls: list[Result] = [
        reader.iReadCardBas(1),
        reader.iReadCardBas_HSM_Step1(1),
        reader.iReadCard(1, 0, "", "DDF1EF05|01|"),
    ]
    for result in calls:
        assert result.code == code, result
        assert result.text


def test_no_card_is_minus_2_everywhere() -> None:
    reader = reader_on(EmptySlot())
    assert_all_calls_fail_cleanly(reader, -2)
    assert reader.iReadCardBas(1).text == "无卡"
    assert reader.iReadBankNumber(1).code == -2


@pytest.mark.parametrize("commands", [0, 1, 3, 5, 8])
def test_card_removed_mid_read_is_minus_4_and_leaves_nothing(commands: int) -> None:
    ref = make_ref_card(3)
    card = ref.card()
    removed = RemovedAfter(card, commands)
    reader = reader_on(removed, ref.profile)
    result = reader.iReadCardBas(1)
    assert result.code == -4 and result.text.startswith("卡无应答")
    assert not card.powered
    # the card goes back in: the same reader reads it, no state survived
    reader.slots["contact"] = InProcessTransport(card)
    assert reader.iReadCardBas(1).text == ref.expected(TERMINAL)


def test_card_removed_between_hsm_steps() -> None:
    ref = make_ref_card(3)
    card = ref.card()
    transport = RemovedAfter(card, 1000)
    reader = ReferenceReader(transport)
    step1 = reader.iReadCardBas_HSM_Step1(1)
    key = InProcessHsm(ref.profile).read_card_bas_key(step1.text)
    transport.left = 0
    assert reader.iReadCardBas_HSM_Step2(key).code == -4
    assert reader.iReadCardBas_HSM_Step2(key).code == -12  # nothing pending any more


def test_calls_power_the_card_off_afterwards() -> None:
    ref = make_ref_card(3)
    card = ref.card()
    reader = reader_on(InProcessTransport(card), ref.profile)
    assert reader.iReadCardBas(1).code == 0
    assert not card.powered
    reader.iReadCardBas_HSM_Step1(1)
    assert card.powered  # held for Step2
    reader.iReadCardBas(1)  # another call ends the pending exchange
    assert not card.powered
    assert reader.iReadCardBas_HSM_Step2("").code == -12


@pytest.mark.parametrize(
    ("rule", "code"),
    [
        # SSSE missing: 6A82
        (lambda apdu, answer: b"\x6a\x82" if apdu[:5] == SELECT_SSSE[:5] else None, -27266),
        # one-byte garbage answer to READ RECORD
        (lambda apdu, answer: b"\x90" if apdu[1] == 0xB2 else None, -4),
        # READ RECORD answers 9000 with a wrong tag
        (lambda apdu, answer: b"\x77\x01\x00\x90\x00" if apdu[1] == 0xB2 else None, -15),
        # a TLV whose length runs past the data
        (
            lambda apdu, answer: (
                answer[:1] + b"\xf0" + answer[2:] if apdu[1] == 0xB2 and len(answer) > 2 else None
            ),
            -15,
        ),
        # INTERNAL AUTHENTICATE answers the wrong cryptogram
        (lambda apdu, answer: bytes(8) + b"\x90\x00" if apdu[1] == 0x88 else None, -21),
        # record not found on EF05 01
        (lambda apdu, answer: b"\x6a\x83" if apdu[1:4] == b"\xb2\x01\x28" else None, -27267),
        # the application is locked
        (lambda apdu, answer: b"\x93\x03" if apdu[1] == 0xB2 else None, -37635),
        # status word garbage: random bytes that are no SW at all
        (lambda apdu, answer: b"\x12\x34" if apdu[1] == 0xB2 else None, -0x1234),
    ],
)
def test_broken_answers_give_documented_codes(rule, code: int) -> None:
    ref = make_ref_card(3)
    card = ref.card()
    reader = reader_on(BrokenTransport(card, rule), ref.profile)
    result = reader.iReadCardBas(1)
    assert result.code == code, result
    assert result.text
    assert not card.powered


@pytest.mark.parametrize(("version", "what"), [(b"1.00", "第一代卡"), (b"9.99", "未知规范版本")])
def test_gen1_and_unknown_versions_are_minus_1(version: bytes, what: str) -> None:
    ref = make_ref_card(2)
    set_record(ref.image, "EF05", 0x03, version)
    result = reader_on(InProcessTransport(ref.card()), ref.profile).iReadCardBas(1)
    assert result.code == -1 and what in result.text
    step1 = ReferenceReader(InProcessTransport(ref.card())).iReadCardBas_HSM_Step1(1)
    assert step1.code == -1


def test_bad_card_identification_code_is_minus_20() -> None:
    ref = make_ref_card(2)
    set_record(ref.image, "EF05", 0x01, bytes.fromhex("ABCDEF") + bytes(13))
    assert reader_on(InProcessTransport(ref.card())).iReadCardBas(1).code == -20


def test_undecodable_date_is_minus_15() -> None:
    ref = make_ref_card(2)
    set_record(ref.image, "EF05", 0x05, bytes.fromhex("20241399"))
    result = reader_on(InProcessTransport(ref.card()), ref.profile).iReadCardBas(1)
    assert result.code == -15


def test_expired_card_still_reads_with_its_expiry() -> None:
    # Judging validity is the application's job: no interface code exists for it (docs).
    ref = make_ref_card(3, issued=dt.date(2010, 3, 1))
    result = reader_on(InProcessTransport(ref.card()), ref.profile).iReadCardBas(1)
    assert result.code == 0
    assert result.text == ref.expected(TERMINAL)
    assert "|20200229|" in result.text


def test_locked_application_is_the_9303_code() -> None:
    ref = make_ref_card(3, state="app_locked")
    result = reader_on(InProcessTransport(ref.card()), ref.profile).iReadCardBas(1)
    assert result.code == -37635 and "9303" in result.text


def test_no_psam_and_no_card_prefers_no_card() -> None:
    read = read_card_bas(ReferenceReader(EmptySlot()), 1, InProcessHsm())
    assert read.result.code == -2


def test_hsm_refusal_is_reported_and_ends_the_exchange() -> None:
    ref = make_ref_card(3)
    card = ref.card()
    foreign = IssuerProfile(master_keys=dict(IssuerProfile().master_keys, rkssse="22" * 16))
    reader = ReferenceReader(InProcessTransport(card))
    read = read_card_bas(reader, 1, InProcessHsm(foreign))
    assert read.mode == "hsm"
    assert -25551 <= read.result.code <= -25536  # the card refuses the foreign RKSSSE
    assert not card.powered


def test_card_data_holding_the_separator_is_minus_15() -> None:
    ref = make_ref_card(2)
    set_record(ref.image, "EF06", 0x09, "张|三".encode("gbk").ljust(30, b"\x00"))
    result = reader_on(InProcessTransport(ref.card()), ref.profile).iReadCardBas(1)
    assert result.code == -15 and "'|'" in result.text
