"""Card authentication through the virtual PSAM, and the HSM Step1/Step2 arithmetic."""

from __future__ import annotations

import random

import pytest
import ssse_refdecoder as ref
from ssse_support import REGION, Made, MakeCard, Terminal

from card_os.card import Card
from card_os.ssse.hsm import HsmError, Step1, step2
from card_os.ssse.profile import TEST_MASTER_KEYS, IssuerProfile
from card_os.ssse.psam_image import PSAM_AID, build_psam_image
from emulator.transport import InProcessTransport


def psam_terminal(profile: IssuerProfile, **kwargs: object) -> Terminal:
    image = build_psam_image(profile, **kwargs)
    return Terminal(InProcessTransport(Card(image, rng=random.Random(0))))


def psam_compute(psam: Terminal, algorithm: int, key: int, made: Made, payload: bytes) -> bytes:
    factors = made.term.atr[-8:] + REGION.encode() + b"sx"  # card-spec §2.4
    psam.ok(bytes([0x80, 0x1A, algorithm, key, 0x10]) + factors)
    return psam.ok(bytes([0x80, 0xFA, 0x00, 0x00, len(payload)]) + payload + b"\x00")


@pytest.mark.parametrize("generation", [2, 3])
def test_terminal_with_psam_authenticates_the_card(make_card: MakeCard, generation: int) -> None:
    made = make_card(generation=generation)
    psam = psam_terminal(made.profile, terminal_number="410100813475")
    # 终端机编号 in EF 0016 under the MF, 6 bytes BCD (our choice, docs/card-model.md)
    assert ref.cn(psam.ok("00B0960006")) == "410100813475"
    psam.ok(bytes([0x00, 0xA4, 0x04, 0x00, 6]) + PSAM_AID + b"\x00")
    info = psam.ok("80F6000000")
    assert info[:6].hex() == "410100813475" and info[6:9] == bytes([2, 1, 3]) and info[9] & 1
    fci = made.term.select_ssse()
    algorithm = fci[fci.index(bytes.fromhex("9F0C038601")) + 5]
    ids = made.profile.key_ids
    factor, data = bytes(range(8)), bytes(range(8, 16))
    answered = made.term.ok(bytes([0x00, 0x88, 0x00, ids.internal_auth, 0x10]) + factor + data)
    assert answered == psam_compute(psam, algorithm, ids.internal_auth, made, factor + data)
    if generation == 3:
        assert made.term.read(1, (6 << 3) | 4)[1] == 0x6982
        challenge = made.term.challenge()
        cryptogram = psam_compute(psam, algorithm, ids.rkssse, made, factor + challenge)
        made.term.ok(bytes([0x00, 0x82, 0x00, ids.rkssse, 0x10]) + factor + cryptogram)
    assert made.term.read(1, (6 << 3) | 4)[1] == 0x9000


def test_psam_of_another_issuer_does_not_match(make_card: MakeCard) -> None:
    made = make_card(generation=3)
    other = IssuerProfile(master_keys={k: "11" * 16 for k in TEST_MASTER_KEYS})
    psam = psam_terminal(other)
    psam.ok(bytes([0x00, 0xA4, 0x04, 0x00, 6]) + PSAM_AID + b"\x00")
    made.term.select_ssse()
    payload = bytes(16)
    answered = made.term.ok(bytes.fromhex("0088000810") + payload)
    assert answered != psam_compute(psam, 3, 0x08, made, payload)


def test_psam_without_rkssse_and_command_order(make_card: MakeCard) -> None:
    made = make_card(generation=3)
    psam = psam_terminal(made.profile, with_rkssse=False, algorithms=(0x01,))
    psam.ok(bytes([0x00, 0xA4, 0x04, 0x00, 6]) + PSAM_AID + b"\x00")
    info = psam.ok("80F6000000")
    assert info[6:8] == bytes([1, 1]) and not info[8] & 1
    assert psam.send("80FA000010" + "00" * 16 + "00")[1] == 0x6985  # DIVERSIFY first
    assert psam.send("801A010A10" + "00" * 16)[1] == 0x6A88  # no RKSSSE
    assert psam.send("801A030810" + "00" * 16)[1] == 0x6A88  # no SM4 keys


def step1_from_card(made: Made) -> tuple[str, bytes]:
    term = made.term
    fci = term.select_ssse()
    algorithm = fci[fci.index(bytes.fromhex("9F0C038601")) + 5]
    card_id = ref.split_tlv(term.ok("00B2012C00"), ref.EF05_TABLE)[1]
    ia = bytes(range(16))
    answered = term.ok(bytes.fromhex("0088000810") + ia)
    challenge = term.challenge()
    step1 = Step1(
        REGION,
        term.atr[4:],
        f"{algorithm:02X}",
        card_id,
        ia[:8],
        ia[8:],
        b"\x55" * 8,
        challenge,
        "000000000000",
    ).to_string()
    return step1, answered


def test_hsm_step1_step2_round_trip(make_card: MakeCard) -> None:
    made = make_card(generation=3)
    step1, answered = step1_from_card(made)
    # card-spec §2.4: nine '|'-terminated fields, factors 16 hex chars
    fields = step1.split("|")
    assert len(fields) == 10 and fields[-1] == "" and all(len(f) == 16 for f in fields[4:8])
    assert Step1.parse(step1).to_string() == step1
    pkey = step2(
        step1,
        internal_auth_master=made.profile.master_key("internal_auth"),
        rkssse_master=made.profile.master_key("rkssse"),
    )
    head, tail = pkey.split("|")
    assert len(pkey) >= 64 and head[:16] == answered.hex().upper() and len(tail) == 32
    made.term.ok("0082000A10" + tail)
    assert made.term.read(1, (6 << 3) | 4)[1] == 0x9000


def test_hsm_with_wrong_keys_is_refused_by_the_card(make_card: MakeCard) -> None:
    made = make_card(generation=3)
    step1, answered = step1_from_card(made)
    pkey = step2(step1, internal_auth_master=b"\x11" * 16, rkssse_master=b"\x22" * 16)
    assert pkey[:16] != answered.hex().upper()
    assert made.term.send("0082000A10" + pkey.split("|")[1])[1] & 0xFFF0 == 0x63C0


def test_hsm_refusals_name_the_field() -> None:
    with pytest.raises(HsmError, match="9 fields"):
        Step1.parse("500100|")
    good = Step1(
        "500100",
        bytes(13),
        "03",
        bytes.fromhex("500100D156000005") + bytes(8),
        bytes(8),
        bytes(8),
        bytes(8),
        bytes(8),
        "0" * 12,
    ).to_string()
    fields = good.split("|")
    fields[4] = "00"
    with pytest.raises(HsmError, match="内部认证过程因子"):
        Step1.parse("|".join(fields))
    with pytest.raises(HsmError, match="算法标识"):
        step2(good.replace("|03|", "|07|"), internal_auth_master=bytes(16), rkssse_master=bytes(16))
    with pytest.raises(HsmError, match="2204"):
        empty = Step1(
            "500100",
            bytes(13),
            "01",
            bytes.fromhex("500100D156000005") + bytes(8),
            b"",
            b"",
            b"",
            b"",
            "0" * 12,
        ).to_string()
        step2(empty, internal_auth_master=bytes(16), rkssse_master=bytes(16))
    with pytest.raises(HsmError, match="区划代码"):
        step2(
            good.replace("500100|", "639900|", 1),
            internal_auth_master=bytes(16),
            rkssse_master=bytes(16),
        )
