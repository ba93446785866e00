"""Access rules per generation, secured writes, PIN change/reload, life-cycle states."""

from __future__ import annotations

import pytest
from ssse_support import REGION, Made, MakeCard, authenticate_rkssse

from card_os import crypto
from card_os.ssse import cardkeys, hsm

EF06_BY_NUMBER = (6 << 3) | 4
EF05_BY_NUMBER = (5 << 3) | 4


def card_key(made: Made, name: str) -> bytes:
    atr = made.term.atr
    return cardkeys.card_key(made.profile.cipher, made.profile.master_key(name), REGION, atr[-8:])


def external_auth_plain(made: Made, ref: int, name: str) -> int:
    """8-byte EXTERNAL AUTHENTICATE: cryptogram of the challenge under the card key."""
    challenge = made.term.challenge()
    cryptogram = crypto.cryptogram(made.profile.cipher, card_key(made, name), challenge)
    return made.term.send(bytes([0x00, 0x82, 0x00, ref, 0x08]) + cryptogram)[1]


def secured_update(made: Made, name: str, p1: int, p2: int, record: bytes, bad: bool = False):
    challenge = made.term.challenge()
    header = bytes([0x04, 0xDC, p1, p2, len(record) + 4])
    mac = crypto.mac(made.profile.cipher, card_key(made, name), header + record, challenge)[:4]
    if bad:
        mac = bytes([mac[0] ^ 1]) + mac[1:]
    return made.term.send(header + record + mac)


def test_gen3_holder_data_needs_rkssse(make_card: MakeCard) -> None:
    made = make_card(generation=3)
    term = made.term
    term.select_ssse()
    assert term.read(1, EF06_BY_NUMBER)[1] == 0x6982
    assert term.read(0x08, 6 << 3)[1] == 0x6982
    # card-spec §2.4: EF05 records 01/03/07 before authentication, 05/06 only after
    for number in (1, 3, 7):
        assert term.read(number, EF05_BY_NUMBER)[1] == 0x9000
    for p1, p2 in ((5, EF05_BY_NUMBER), (6, EF05_BY_NUMBER), (0x05, 5 << 3), (0x06, 5 << 3)):
        assert term.read(p1, p2)[1] == 0x6982
    assert term.read(1, (5 << 3) | 5)[1] == 0x6982  # "P1 to last" would include 05/06
    authenticate_rkssse(made)
    assert term.read(1, EF06_BY_NUMBER)[1] == 0x9000
    assert term.read(5, EF05_BY_NUMBER)[1] == 0x9000
    assert term.read(1, (6 << 3) | 5)[1] == 0x9000
    # security state never survives a reset (DESIGN truths)
    made.term.t.reset()
    term.select_ssse()
    assert term.read(1, EF06_BY_NUMBER)[1] == 0x6982


def test_gen3_wrong_rkssse_cryptogram_counts_down(make_card: MakeCard) -> None:
    made = make_card(generation=3)
    made.term.select_ssse()
    made.term.challenge()
    _, sw = made.term.send("0082000A10" + "00" * 16)
    assert sw & 0xFFF0 == 0x63C0
    assert made.term.read(1, EF06_BY_NUMBER)[1] == 0x6982


def test_gen2_holder_data_is_free_to_read(make_card: MakeCard) -> None:
    made = make_card(generation=2)
    made.term.select_ssse()
    assert made.term.read(1, EF06_BY_NUMBER)[1] == 0x9000
    assert made.term.read(5, EF05_BY_NUMBER)[1] == 0x9000


@pytest.mark.parametrize("generation", [2, 3])
def test_writes_need_key_and_mac(make_card: MakeCard, generation: int) -> None:
    made = make_card(generation=generation)
    term = made.term
    term.select_ssse()
    record = bytes.fromhex("0A0132")  # 性别 '2'
    assert term.send(bytes.fromhex("00DC0A3003") + record)[1] == 0x6982
    assert external_auth_plain(made, made.profile.key_ids.holder_write, "holder_write") == 0x9000
    assert term.send(bytes.fromhex("00DC0A3003") + record)[1] == 0x6982  # no MAC
    assert secured_update(made, "holder_write", 0x0A, 6 << 3, record, bad=True)[1] == 0x6988
    assert secured_update(made, "holder_write", 0x0A, 6 << 3, record)[1] == 0x9000
    if generation == 3:
        authenticate_rkssse(made)
    assert term.read(0x0A, 6 << 3) == (record, 0x9000)


def test_write_with_the_wrong_key_is_refused(make_card: MakeCard) -> None:
    made = make_card(generation=2)
    made.term.select_ssse()
    assert external_auth_plain(made, made.profile.key_ids.issuer_write, "issuer_write") == 0x9000
    # EF06 wants key 0D; key 04 only opens EF05
    assert secured_update(made, "issuer_write", 0x0A, 6 << 3, bytes.fromhex("0A0132"))[1] == 0x6988


def verify(made: Made, pin: str) -> int:
    body = bytes.fromhex(pin + "F" * (len(pin) % 2))
    return made.term.send(bytes([0x00, 0x20, 0x00, 0x00, len(body)]) + body)[1]


def change(made: Made, old: str, new: str) -> int:
    data = bytes.fromhex(old + "F" * (len(old) % 2)) + b"\xff"
    data += bytes.fromhex(new + "F" * (len(new) % 2))
    return made.term.send(bytes([0x80, 0x5E, 0x01, 0x00, len(data)]) + data)[1]


@pytest.mark.parametrize("limit", [3, 6, 8])
def test_pin_retry_limit_comes_from_the_profile(make_card: MakeCard, limit: int) -> None:
    made = make_card(generation=2, pin={"retry_limit": limit})
    made.term.select_ssse()
    assert verify(made, "999999") == 0x63C0 | (limit - 1)
    assert verify(made, "123456") == 0x9000


def test_pin_change(make_card: MakeCard) -> None:
    made = make_card(generation=3)
    made.term.select_ssse()
    assert change(made, "654321", "24680") == 0x63C2
    assert change(made, "123456", "24680") == 0x9000
    assert verify(made, "123456") == 0x63C2
    assert verify(made, "24680") == 0x9000
    assert change(made, "24680", "12") == 0x6A80  # 4-16 digits (card-spec §2.3)


def test_pin_blocks_then_reload_through_hsm(make_card: MakeCard) -> None:
    made = make_card(generation=3, state="pin_blocked")
    term = made.term
    fci = term.select_ssse()
    assert verify(made, "123456") == 0x6983
    historical = term.atr[4:]
    algorithm = f"{fci[fci.index(bytes.fromhex('9F0C038601')) + 5]:02X}"
    # a reload without the reload-key authentication is refused
    apdu = hsm.pin_reload_apdu(
        algorithm=algorithm,
        region=REGION,
        historical=historical,
        challenge=term.challenge(),
        new_pin="135790",
        pin_reload_master=made.profile.master_key("pin_reload"),
    )
    assert term.send(apdu)[1] == 0x6982
    payload = hsm.external_auth_payload(
        algorithm=algorithm,
        region=REGION,
        historical=historical,
        factor=bytes(range(8)),
        challenge=term.challenge(),
        master=made.profile.master_key("pin_reload"),
    )
    assert term.send(bytes.fromhex("0082000610") + payload)[1] == 0x9000
    apdu = hsm.pin_reload_apdu(
        algorithm=algorithm,
        region=REGION,
        historical=historical,
        challenge=term.challenge(),
        new_pin="135790",
        pin_reload_master=made.profile.master_key("pin_reload"),
    )
    assert apdu[:5] == bytes.fromhex("8424000114") and len(apdu) == 25  # card-spec §2.1
    tampered = apdu[:10] + bytes([apdu[10] ^ 1]) + apdu[11:]
    assert term.send(tampered)[1] == 0x6988
    assert term.send(apdu)[1] == 0x6984  # the challenge went with the refused attempt
    apdu = hsm.pin_reload_apdu(
        algorithm=algorithm,
        region=REGION,
        historical=historical,
        challenge=term.challenge(),
        new_pin="135790",
        pin_reload_master=made.profile.master_key("pin_reload"),
    )
    assert term.send(apdu)[1] == 0x9000
    assert verify(made, "135790") == 0x9000


def test_locked_application_answers_9303(make_card: MakeCard) -> None:
    made = make_card(generation=2, state="app_locked")
    made.term.select_ssse()
    assert made.term.read(1, EF05_BY_NUMBER)[1] == 0x9303


def test_application_block_command(make_card: MakeCard) -> None:
    made = make_card(generation=2)
    term = made.term
    term.select_ssse()
    term.challenge()
    header = bytes.fromhex("841E000004")
    assert term.send(header + bytes(4))[1] == 0x6988
    assert term.read(1, EF05_BY_NUMBER)[1] == 0x9000
    challenge = term.challenge()
    mac = crypto.mac(made.profile.cipher, card_key(made, "issuer_write"), header, challenge)[:4]
    assert term.send(header + mac)[1] == 0x9000
    assert term.read(1, EF05_BY_NUMBER)[1] == 0x9303
    made.term.t.reset()
    term.select_ssse()
    assert term.read(1, EF05_BY_NUMBER)[1] == 0x9303  # permanent (persisted app_state)


def test_pin_guards_the_medical_data_area(make_card: MakeCard) -> None:
    made = make_card(generation=2, pin={"guards": ["df04_read"]})
    term = made.term
    _, sw = term.send("00A4040006D15600000503")
    assert sw == 0x9000 or sw >> 8 == 0x61
    assert term.read(1, (5 << 3) | 4)[1] == 0x6982
    assert verify(made, "123456") == 0x9000
    assert term.read(1, (5 << 3) | 4)[1] == 0x9000
