"""GET PROCESSING OPTIONS, the AFL records, GET DATA and the offline bank PIN."""

import datetime as dt

import pytest

from card_os.pboc.profile import PbocProfile
from emulator.transport import TransportError

from .terminal import (
    AID,
    PSE,
    Terminal,
    afl_entries,
    make_card,
    parse,
    select_apdu,
    split_gpo,
    value,
)

PDOL_DATA = bytes.fromhex("000000000010000156")


def selected(generation: int = 3, **kwargs) -> tuple[Terminal, dict]:
    card, info = make_card(generation, **kwargs)
    terminal = Terminal(card)
    terminal.ok(select_apdu(AID))
    return terminal, info


@pytest.mark.parametrize("gpo_format", [1, 2])
def test_gpo_formats_carry_the_same_aip_and_afl(gpo_format: int) -> None:
    terminal, _ = selected(profile=PbocProfile(gpo_format=gpo_format))
    response = terminal.gpo(PDOL_DATA)
    assert response.sw == 0x9000
    assert parse(response.data)[0][0] == {1: 0x80, 2: 0x77}[gpo_format]
    aip, afl = split_gpo(response.data)
    assert aip == bytes.fromhex("1800")
    assert afl_entries(afl) == [(1, 1, 1), (2, 1, 2)]


@pytest.mark.parametrize("pdol_data", [b"", PDOL_DATA[:-1], PDOL_DATA + b"\0"])
def test_gpo_with_wrong_pdol_length_is_6700(pdol_data: bytes) -> None:
    terminal, _ = selected()
    assert terminal.gpo(pdol_data).sw == 0x6700
    assert terminal.get_data(0x9F36).data == bytes.fromhex("9F36020000")  # no ATC used


def test_gpo_conditions() -> None:
    terminal, _ = selected()
    assert terminal.send(bytes.fromhex("80A800000B") + b"\x84\x09" + PDOL_DATA + b"\0").sw == 0x6A80
    assert terminal.send(bytes.fromhex("80A801000B") + b"\x83\x09" + PDOL_DATA + b"\0").sw == 0x6A86
    assert terminal.gpo(PDOL_DATA).sw == 0x9000
    assert terminal.gpo(PDOL_DATA).sw == 0x9000  # every GPO starts a new transaction
    assert terminal.get_data(0x9F36).data == bytes.fromhex("9F36020002")


def test_a_transaction_after_visiting_the_pse_starts_cleanly() -> None:
    terminal, _ = selected()
    assert terminal.gpo(PDOL_DATA).sw == 0x9000
    assert terminal.generate_ac(0x00, bytes(52)).sw == 0x9000  # AAC: transaction over
    assert terminal.select(PSE).sw == 0x9000
    terminal.ok(select_apdu(AID))  # selected from the PSE, not from inside the ADF
    assert terminal.generate_ac(0x80, bytes(52)).sw == 0x6985  # no GPO in this transaction yet
    assert terminal.gpo(PDOL_DATA).sw == 0x9000
    assert terminal.generate_ac(0x80, bytes(52)).sw == 0x9000


def luhn_ok(number: str) -> bool:
    digits = [int(c) for c in reversed(number)]
    return sum(d if i % 2 == 0 else sum(divmod(2 * d, 10)) for i, d in enumerate(digits)) % 10 == 0


@pytest.mark.parametrize("generation", [2, 3])
def test_afl_records_hold_faithful_emv_data(generation: int) -> None:
    card, info = make_card(generation, seed=generation * 11)
    data = Terminal(card).start()
    required = {
        0x57,
        0x5A,
        0x5F20,
        0x5F24,
        0x5F25,
        0x5F28,
        0x5F34,
        0x8C,
        0x8D,
        0x8E,
        0x9F07,
        0x9F08,
        0x9F0D,
        0x9F0E,
        0x9F0F,
        0x9F1F,
    }
    assert required <= set(data)
    pan = data[0x5A].hex().upper().rstrip("F")
    assert pan == info["pan"] and pan.startswith("62") and luhn_ok(pan) and 16 <= len(pan) <= 19
    track2 = data[0x57].hex().upper().rstrip("F")
    expiry: dt.date = info["expiry"]
    assert track2.startswith(f"{pan}D{expiry:%y%m}620")
    assert data[0x5F24] == bytes.fromhex(f"{expiry:%y%m%d}")
    assert data[0x5F25] == bytes.fromhex(f"{info['effective']:%y%m%d}")
    assert data[0x5F20] == b"ZHANG/SAN"
    assert data[0x5F28] == b"\x01\x56"
    assert data[0x9F08] == bytes.fromhex({2: "0020", 3: "0030"}[generation])
    cvm = data[0x8E]
    assert len(cvm) >= 10 and len(cvm) % 2 == 0 and 0x01 in {b & 0x3F for b in cvm[8::2]}


def test_afl_sfis_are_contiguous_from_one_for_generic_emv_tools() -> None:
    # emvtool reads record 1 of SFI 1, 2, ... until the first error.
    terminal, _ = selected()
    found = []
    for sfi in range(1, 10):
        if terminal.read_record(sfi, 1).sw != 0x9000:
            break
        found.append(sfi)
    assert found[:2] == [1, 2]


def test_get_data() -> None:
    terminal, _ = selected()
    assert terminal.get_data(0x9F17).data == bytes.fromhex("9F170103")
    assert terminal.get_data(0x9F13).data == bytes.fromhex("9F13020000")
    assert terminal.gpo(PDOL_DATA).sw == 0x9000
    assert terminal.get_data(0x9F36).data == bytes.fromhex("9F36020001")
    log_format = value(terminal.get_data(0x9F4F).data, 0x9F4F)
    assert log_format.startswith(bytes.fromhex("9A03"))
    for unknown in (0x9F4D, 0x5A, 0x9F26):
        assert terminal.get_data(unknown).sw == 0x6A88


def test_bank_pin_counts_down_and_blocks() -> None:
    terminal, info = selected()
    pin = info["keys"]["pin"]
    assert terminal.send(bytes.fromhex("0020008000")).sw == 0x63C3
    assert terminal.verify("0000").sw == 0x63C2
    assert terminal.verify(pin).sw == 0x9000
    assert terminal.get_data(0x9F17).data[-1] == 3  # success restores the counter
    assert [terminal.verify("1111").sw for _ in range(3)] == [0x63C2, 0x63C1, 0x63C0]
    assert terminal.verify(pin).sw == 0x6983
    assert terminal.get_data(0x9F17).data[-1] == 0


def test_bank_pin_is_not_the_ssse_pin_format() -> None:
    terminal, _ = selected()
    # SSSE-style VERIFY (P2 00, BCD) is not accepted by the debit application.
    assert terminal.send(bytes.fromhex("0020000003123456")).sw == 0x6A86
    # A malformed format 2 block costs no try.
    assert (
        terminal.send(bytes.fromhex("0020008008") + bytes.fromhex("3412345FFFFFFFFF")).sw == 0x6A80
    )
    assert terminal.send(bytes.fromhex("0020008004") + b"\x24\x12\x34\xff").sw == 0x6700
    assert terminal.get_data(0x9F17).data[-1] == 3


@pytest.mark.parametrize("after", [False, True])
def test_power_cut_during_verify_never_gives_a_free_try(after: bool) -> None:
    terminal, info = selected()
    terminal.card.nvm.tear_at(1, after=after)
    with pytest.raises(TransportError, match="no answer"):
        terminal.verify(info["keys"]["pin"])
    assert not terminal.card.powered
    terminal.power_cycle()
    terminal.ok(select_apdu(AID))
    tries = terminal.get_data(0x9F17).data[-1]
    # Torn before the decrement reached memory: nothing was compared, nothing learnt.
    # Torn after it: the try is spent even though the PIN was right.
    assert tries == (2 if after else 3)


def test_profile_without_pdol_accepts_empty_command_template() -> None:
    terminal, _ = selected(profile=PbocProfile(pdol=()))
    fci = terminal.ok(select_apdu(AID))
    assert 0x9F38 not in dict(parse(value(fci, 0x6F, 0xA5)))
    assert terminal.gpo(b"").sw == 0x9000


def test_blocked_application_starts_no_transaction() -> None:
    card, _ = make_card(3)
    adf = next(df for df in card.mf.walk() if df.name == AID)
    adf.lcs = "deactivated"
    terminal = Terminal(card)
    assert terminal.select(AID).sw == 0x6283  # selected with a warning (ISO/IEC 7816-4)
    assert terminal.gpo(PDOL_DATA).sw == 0x6985


def test_exhausted_atc_starts_no_transaction() -> None:
    card, _ = make_card(2)
    adf = next(df for df in card.mf.walk() if df.name == AID)
    adf.app_state = {**adf.app_state, "atc": 0xFFFE}
    terminal = Terminal(card)
    terminal.ok(select_apdu(AID))
    assert terminal.gpo(PDOL_DATA).sw == 0x9000  # the last ATC value, FFFF, is still usable
    assert terminal.gpo(PDOL_DATA).sw == 0x6985
    assert terminal.get_data(0x9F36).data == bytes.fromhex("9F3602FFFF")
