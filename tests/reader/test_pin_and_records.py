"""PIN functions, the HSM PIN reload, generic record reads and the bank PAN, in-process."""

from __future__ import annotations

import pytest
from reader_cards import EmptySlot, RefCard, make_psam, make_ref_card

from card_os.ssse.profile import IssuerProfile
from emulator.reader.hsm import InProcessHsm
from emulator.reader.pin_pad import ScriptedPinPad
from emulator.reader.psam import PsamClient
from emulator.reader.reader import ReaderConfig, ReferenceReader
from emulator.reader.terminal import reload_pin
from emulator.transport import InProcessTransport


def pin_reader(ref: RefCard, *entries: str | None, **config: object) -> ReferenceReader:
    return ReferenceReader(
        InProcessTransport(ref.card()),
        psam=PsamClient(InProcessTransport(make_psam(ref.profile))),
        pin_pad=ScriptedPinPad(entries),
        config=ReaderConfig(**config),  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("generation", [2, 3])
def test_verify_counts_down_then_locks(generation: int) -> None:
    ref = make_ref_card(generation)  # retry limit 3 (profile default)
    reader = pin_reader(ref, "123456", "000000", "000000", "000000", "123456")
    assert reader.iVerifyPIN(1) == (0, "")
    assert reader.iVerifyPIN(1) == (-51, "PIN校验失败，剩余次数2")
    assert reader.iVerifyPIN(1) == (-51, "PIN校验失败，剩余次数1")
    assert reader.iVerifyPIN(1) == (-52, "PIN锁定")
    assert reader.iVerifyPIN(1) == (-52, "PIN锁定")  # even the right PIN


def test_pin_blocked_card_is_minus_52() -> None:
    reader = pin_reader(make_ref_card(3, state="pin_blocked"), "123456")
    assert reader.iVerifyPIN(1).code == -52


@pytest.mark.parametrize(
    ("entries", "code"),
    [([None], -31), ([], -32), (["12"], -33), (["12345678901234567"], -33), (["12a456"], -33)],
)
def test_pin_entry_problems(entries: list[str | None], code: int) -> None:
    ref = make_ref_card(3)
    card = ref.card()
    reader = ReferenceReader(InProcessTransport(card), pin_pad=ScriptedPinPad(entries))
    assert reader.iVerifyPIN(1).code == code
    assert not card.powered


def test_no_pin_pad_is_minus_13() -> None:
    assert ReferenceReader(InProcessTransport(make_ref_card(3).card())).iVerifyPIN(1).code == -13


def test_initial_pin_refused_when_the_city_says_so() -> None:
    ref = make_ref_card(3)
    assert pin_reader(ref, "123456", refuse_initial_pin=True).iVerifyPIN(1).code == -35
    assert pin_reader(ref, "123456").iVerifyPIN(1).code == 0


def test_change_pin_then_verify_the_new_one() -> None:
    ref = make_ref_card(3)
    card = ref.card()
    pad = ScriptedPinPad(["123456", "246810", "246810", "246810", "123456"])
    reader = ReferenceReader(InProcessTransport(card), pin_pad=pad)
    assert reader.iChangePIN(1) == (0, "")
    assert reader.iVerifyPIN(1).code == 0
    assert reader.iVerifyPIN(1) == (-51, "PIN校验失败，剩余次数2")


@pytest.mark.parametrize(
    ("entries", "code"),
    [
        (["123456", "246810", "135790"], -34),
        (["123456", "123456", "123456"], -36),
        (["000000", "246810", "246810"], -51),
    ],
)
def test_change_pin_refusals(entries: list[str], code: int) -> None:
    assert pin_reader(make_ref_card(3), *entries).iChangePIN(1).code == code


@pytest.mark.parametrize("generation", [2, 3])
def test_hsm_reload_unblocks_with_a_new_pin(generation: int) -> None:
    ref = make_ref_card(generation, state="pin_blocked")
    card = ref.card()
    pad = ScriptedPinPad(["975310", "975310"])
    reader = ReferenceReader(InProcessTransport(card), pin_pad=pad)
    info = f"{ref.card_id}|{ref.holder.card_number}|"
    assert reload_pin(reader, 1, info, InProcessHsm(ref.profile)) == (0, "")
    pad.load("975310")
    assert reader.iVerifyPIN(1) == (0, "")


def test_reload_strings_have_the_documented_layout() -> None:
    ref = make_ref_card(3)
    pad = ScriptedPinPad(["975310", "975310"])
    reader = ReferenceReader(InProcessTransport(ref.card()), pin_pad=pad)
    step1 = reader.iReloadPIN_HSM_Step1(1, f"{ref.card_id}|{ref.holder.card_number}|")
    fields = step1.text.split("|")
    assert fields[:4] == ["03", "0090", "500100", ref.historical] and len(fields) == 7
    auth = InProcessHsm(ref.profile).reload_pin_auth(step1.text)
    step2 = reader.iReloadPIN_HSM_Step2(auth)
    fields = step2.text.split("|")
    assert fields[:4] == ["03", "0173", "500100", ref.historical]
    assert fields[5:] == ["8424000114", "975310", ""]
    assert reader.iReloadPIN_HSM_Step3("00" * 20).code == -27016  # MAC wrong: 6988


@pytest.mark.parametrize(
    ("info", "code"),
    [("", -23), ("XYZ|D00000000|", -20), ("{id}|A00000000|", -22), ("{id}", -23)],
)
def test_reload_checks_the_card_info(info: str, code: int) -> None:
    ref = make_ref_card(3)
    reader = pin_reader(ref, "975310", "975310")
    assert reader.iReloadPIN_HSM_Step1(1, info.format(id=ref.card_id)).code == code


def test_reload_with_a_foreign_hsm_key_is_refused_by_the_card() -> None:
    ref = make_ref_card(3, state="pin_blocked")
    foreign = IssuerProfile(master_keys=dict(IssuerProfile().master_keys, pin_reload="33" * 16))
    reader = pin_reader(ref, "975310", "975310")
    result = reload_pin(
        reader, 1, f"{ref.card_id}|{ref.holder.card_number}|", InProcessHsm(foreign)
    )
    assert -25551 <= result.code <= -25536


def test_generic_read_of_named_records() -> None:
    ref = make_ref_card(3)
    reader = pin_reader(ref)
    result = reader.iReadCard(1, 0, "", "DDF1EF05|01|03|07|")
    assert result == (0, f"{ref.card_id}|3.00|{ref.holder.card_number}|")


def test_generic_read_of_protected_records_needs_authentication() -> None:
    ref = make_ref_card(3)
    holder = ref.holder
    assert pin_reader(ref).iReadCard(1, 0, "", "DDF1EF06|08|").code == -27010  # 6982
    result = pin_reader(ref).iReadCard(1, 1, "", "DDF1EF06|")
    expected = [
        holder.citizen_id,
        holder.name,
        "",
        holder.sex,
        f"{holder.ethnic:02d}",
        holder.birth_region,
        holder.birth_date.strftime("%Y%m%d"),
    ]
    assert result == (0, "".join(f"{v}|" for v in expected))


def test_generic_read_of_the_pin_guarded_medical_df() -> None:
    ref = make_ref_card(3)
    assert pin_reader(ref).iReadCard(1, 0, "", "DDF1DF04EF05|").code == -27010
    result = pin_reader(ref, "123456").iReadCard(1, 2, "", "DDF1DF04EF05|50|51|")
    assert result == (0, "500100|11|")


@pytest.mark.parametrize(
    ("auth", "info", "address", "code"),
    [
        (0, "", "EF05|", -14),
        (7, "", "DDF1EF05|", -14),
        (0, "{id}|X00000000|", "DDF1EF05|01|", -22),
        (0, "", "DDF1EF09|", -27266),
        (0, "", "DDF1EF05|77|", -27267),
    ],
)
def test_generic_read_refusals(auth: int, info: str, address: str, code: int) -> None:
    ref = make_ref_card(3)
    assert pin_reader(ref).iReadCard(1, auth, info.format(id=ref.card_id), address).code == code


def test_bank_pan_from_the_pboc_application() -> None:
    ref = make_ref_card(3)
    assert pin_reader(ref).iReadBankNumber(1) == (0, f"{ref.holder.pan}|")
    gen2 = make_ref_card(2, seed=9)
    assert pin_reader(gen2).iReadBankNumber(1) == (0, f"{gen2.holder.pan}|")


def test_temporary_card_has_no_bank_application() -> None:
    ref = make_ref_card(3, kind="temporary")
    assert pin_reader(ref).iReadBankNumber(1).code == -27266
    assert ReferenceReader(EmptySlot()).iReadBankNumber(1).code == -2
