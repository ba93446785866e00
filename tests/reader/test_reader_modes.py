"""iReadCardBas in PSAM mode and HSM mode on gen 2, gen 3 and temporary cards, in-process."""

from __future__ import annotations

import pytest
from reader_cards import EmptySlot, RefCard, make_psam, make_ref_card

from card_os.ssse.profile import IssuerProfile
from emulator.reader.basic_info import HSM_TERMINAL_NUMBER, BasicInfo
from emulator.reader.hsm import InProcessHsm
from emulator.reader.interface import TerminalInterface
from emulator.reader.psam import PsamClient
from emulator.reader.reader import ReferenceReader
from emulator.reader.terminal import read_card_bas
from emulator.transport import InProcessTransport

CARDS = [(2, "formal"), (3, "formal"), (2, "temporary"), (3, "temporary")]
TERMINAL = IssuerProfile().terminal_number


def psam_reader(ref: RefCard, **psam_options: object) -> ReferenceReader:
    psam = make_psam(ref.profile, **psam_options)  # type: ignore[arg-type]
    return ReferenceReader(
        InProcessTransport(ref.card()), psam=PsamClient(InProcessTransport(psam))
    )


def test_reference_reader_is_a_terminal_interface() -> None:
    assert isinstance(ReferenceReader(), TerminalInterface)


@pytest.mark.parametrize(("generation", "kind"), CARDS)
def test_psam_mode_returns_the_documented_string(generation: int, kind: str) -> None:
    ref = make_ref_card(generation, kind)
    result = psam_reader(ref).iReadCardBas(1)
    assert result.code == 0, result.text
    assert result.text == ref.expected(TERMINAL)
    info = BasicInfo.from_out_string(result.text)
    assert len(info.historical) == 26 and info.terminal_number == TERMINAL


@pytest.mark.parametrize(("generation", "kind"), CARDS)
def test_hsm_mode_returns_the_same_string_with_zero_terminal(generation: int, kind: str) -> None:
    ref = make_ref_card(generation, kind)
    reader = ReferenceReader(InProcessTransport(ref.card()))
    assert reader.iReadCardBas(1).code == -2201
    read = read_card_bas(reader, 1, InProcessHsm(ref.profile))
    assert read.mode == "hsm"
    assert read.result.code == 0, read.result.text
    assert read.result.text == ref.expected(HSM_TERMINAL_NUMBER)


def test_long_name_is_name_plus_extension() -> None:
    ref = make_ref_card(3, seed=11)
    long_name = "欧阳" + "某" * 16 + "扩展名"  # 21 characters: 42 GBK bytes > 30
    ref.holder = type(ref.holder)(**{**ref.holder.__dict__, "name": long_name})
    from reader_cards import set_record

    from card_os.codecs import encode_gbk, split_name

    head, tail = split_name(long_name)
    set_record(ref.image, "EF06", 0x09, encode_gbk(head, 30))
    set_record(ref.image, "EF06", 0x4E, encode_gbk(tail, 20))
    result = psam_reader(ref).iReadCardBas(1)
    assert result.code == 0
    assert BasicInfo.from_out_string(result.text).name == long_name


def test_step1_string_carries_the_card_and_fresh_factors() -> None:
    ref = make_ref_card(3)
    reader = ReferenceReader(InProcessTransport(ref.card()))
    step1 = reader.iReadCardBas_HSM_Step1(1)
    fields = step1.text.split("|")
    assert step1.code == 0 and len(fields) == 10 and fields[-1] == ""
    assert fields[0] == "500100" and fields[1] == ref.historical and fields[2] == "03"
    assert fields[3] == ref.card_id and fields[8] == HSM_TERMINAL_NUMBER
    assert all(len(f) == 16 for f in fields[4:8])
    # gen 2: the factors are empty (card-spec §2.4)
    gen2 = ReferenceReader(InProcessTransport(make_ref_card(2).card()))
    assert gen2.iReadCardBas_HSM_Step1(1).text.split("|")[4:8] == ["", "", "", ""]


def test_step2_with_a_key_for_another_card_is_minus_25() -> None:
    ref, other = make_ref_card(3, seed=7), make_ref_card(3, seed=8)
    hsm = InProcessHsm(ref.profile)
    reader = ReferenceReader(InProcessTransport(ref.card()))
    other_reader = ReferenceReader(InProcessTransport(other.card()))
    other_key = hsm.read_card_bas_key(other_reader.iReadCardBas_HSM_Step1(1).text)
    other_reader.iReadCardBas_HSM_Step2(other_key)
    reader.iReadCardBas_HSM_Step1(1)
    result = reader.iReadCardBas_HSM_Step2(other_key)
    assert result.code == -25 and result.text == "内部认证与加密机不一致"


def test_step2_with_a_wrong_external_part_is_the_card_status_word() -> None:
    ref = make_ref_card(3)
    reader = ReferenceReader(InProcessTransport(ref.card()))
    key = InProcessHsm(ref.profile).read_card_bas_key(reader.iReadCardBas_HSM_Step1(1).text)
    head, tail = key.split("|")
    flipped = tail[:-1] + ("0" if tail[-1] != "0" else "1")
    result = reader.iReadCardBas_HSM_Step2(f"{head}|{flipped}")
    assert -25551 <= result.code <= -25536  # 63Cx: -(SW), card-spec §2.2


@pytest.mark.parametrize(
    ("pkey", "code"), [("", -23), ("12|34", -23), ("G" * 32 + "|" + "0" * 32, -41)]
)
def test_step2_bad_keys(pkey: str, code: int) -> None:
    reader = ReferenceReader(InProcessTransport(make_ref_card(3).card()))
    reader.iReadCardBas_HSM_Step1(1)
    assert reader.iReadCardBas_HSM_Step2(pkey).code == code
    # the exchange is over: a second Step2 has no Step1 to continue
    assert reader.iReadCardBas_HSM_Step2(pkey).code == -12


def test_step2_without_step1_is_minus_12() -> None:
    reader = ReferenceReader(InProcessTransport(make_ref_card(3).card()))
    assert reader.iReadCardBas_HSM_Step2("0" * 32 + "|" + "0" * 32).code == -12


def test_psam_without_the_card_algorithm_is_minus_2202_and_falls_back() -> None:
    ref = make_ref_card(3)  # SM4, algorithm 03
    reader = psam_reader(ref, algorithms=(0x01,))
    result = reader.iReadCardBas(1)
    assert result.code == -2202
    read = read_card_bas(reader, 1, InProcessHsm(ref.profile))
    assert read.mode == "hsm" and read.result.text == ref.expected(HSM_TERMINAL_NUMBER)


def test_gen3_card_with_psam_lacking_rkssse_is_minus_2203() -> None:
    ref = make_ref_card(3)
    assert psam_reader(ref, with_rkssse=False).iReadCardBas(1).code == -2203
    # a gen 2 card needs no RKSSSE: the same PSAM reads it
    gen2 = make_ref_card(2)
    assert psam_reader(gen2, with_rkssse=False).iReadCardBas(1).text == gen2.expected(TERMINAL)


def test_psam_slot_without_a_psam_is_minus_2201() -> None:
    ref = make_ref_card(3)
    reader = ReferenceReader(InProcessTransport(ref.card()), psam=PsamClient(EmptySlot()))
    assert reader.iReadCardBas(1).code == -2201


def test_psam_of_another_issuer_fails_internal_authentication() -> None:
    ref = make_ref_card(2)
    other_keys = dict(IssuerProfile().master_keys, internal_auth="11" * 16)
    foreign = IssuerProfile(generation=2, master_keys=other_keys)
    reader = ReferenceReader(
        InProcessTransport(ref.card()),
        psam=PsamClient(InProcessTransport(make_psam(foreign))),
    )
    result = reader.iReadCardBas(1)
    assert result.code == -21 and result.text == "内部认证失败（用户卡不合法）"


def test_no_fallback_without_an_hsm_or_for_other_codes() -> None:
    ref = make_ref_card(3)
    reader = ReferenceReader(InProcessTransport(ref.card()))
    read = read_card_bas(reader, 1, None)
    assert read == (reader.iReadCardBas(1), "psam") and read.result.code == -2201
    empty = ReferenceReader(EmptySlot())
    assert read_card_bas(empty, 1, InProcessHsm()).result.code == -2


@pytest.mark.parametrize(
    ("slots", "itype", "code"),
    [
        ({"contact": True}, 1, 0),
        ({"contact": True}, 2, -2),
        ({"contactless": True}, 2, 0),
        ({"contactless": True}, 3, 0),
        ({"contact": True}, 4, 0),
        ({}, 3, -2),
        ({"contact": True}, 0, -1),
        ({"contact": True}, 5, -1),
    ],
)
def test_itype_chooses_the_interface(slots: dict[str, bool], itype: int, code: int) -> None:
    ref = make_ref_card(3)
    card = ref.card()
    contact = InProcessTransport(card) if slots.get("contact") else EmptySlot()
    contactless = InProcessTransport(card) if slots.get("contactless") else None
    reader = ReferenceReader(
        contact,
        contactless=contactless,
        psam=PsamClient(InProcessTransport(make_psam(ref.profile))),
    )
    assert reader.iReadCardBas(itype).code == code


def test_psam_external_authentication_factor_comes_from_the_injected_source() -> None:
    from emulator.world.cards import TracedTransport

    ref = make_ref_card(3, "formal")
    drawn: list[bytes] = []

    def counting_bytes(n: int) -> bytes:
        drawn.append(bytes([0xA0 + len(drawn)]) * n)
        return drawn[-1]

    sent: list[bytes] = []
    card = TracedTransport(InProcessTransport(ref.card()), "card", lambda _n, c, _a: sent.append(c))
    psam = PsamClient(InProcessTransport(make_psam(ref.profile)), random_bytes=counting_bytes)
    result = ReferenceReader(card, psam=psam).iReadCardBas(1)
    assert result.code == 0, result.text
    external_auth = [c for c in sent if c[1] == 0x82]
    assert drawn and external_auth
    # The card accepted a cryptogram made with the injected factor, sent ahead of it.
    assert any(c[5:13] == drawn[0] for c in external_auth)
