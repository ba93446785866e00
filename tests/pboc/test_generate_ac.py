"""GENERATE AC: cryptograms the issuer verifies, ARPC in the second GENERATE AC, the ATC
that never repeats (power cuts included) and the transaction log."""

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from card_os.pboc import issuer
from card_os.pboc.profile import PbocProfile
from emulator.transport import TransportError

from .terminal import AID, Terminal, dol, fill, make_card, select_apdu, split_ac, value

ARQC, TC, AAC = 0x80, 0x40, 0x00
AMOUNT = bytes.fromhex("000000012345")
MERCHANT = b"SSCARD TEST HOSPITAL".ljust(20)


@dataclass
class Session:
    terminal: Terminal
    info: dict
    data: dict[int, bytes]  # card data read from the AFL

    @property
    def keys(self) -> issuer.CardKeys:
        return issuer.CardKeys(
            imk_ac=self.info["keys"]["ac"],
            pan=self.info["pan"],
            pan_sequence=int(self.data[0x5F34].hex()),
            algorithm={2: "3des", 3: "sm4"}[self.info["generation"]],
        )

    def cdol1_data(self, unpredictable: bytes = b"\x11\x22\x33\x44") -> bytes:
        return fill(
            dol(self.data[0x8C]),
            {
                0x9F02: AMOUNT,
                0x9F1A: b"\x01\x56",
                0x5F2A: b"\x01\x56",
                0x9A: bytes.fromhex("261128"),
                0x9C: b"\x00",
                0x9F37: unpredictable,
                0x9F21: bytes.fromhex("201500"),
                0x9F4E: MERCHANT,
            },
        )

    def cdol2_data(self, issuer_auth: bytes, arc: bytes = b"00") -> bytes:
        return fill(
            dol(self.data[0x8D]), {0x91: issuer_auth, 0x8A: arc, 0x9F37: b"\x55\x66\x77\x88"}
        )


def begin(generation: int = 3, **kwargs) -> Session:
    card, info = make_card(generation, **kwargs)
    terminal = Terminal(card)
    return Session(terminal, info, terminal.start())


def first_ac(session: Session, p1: int = ARQC) -> tuple[dict[int, bytes], bytes]:
    data = session.cdol1_data()
    response = session.terminal.generate_ac(p1, data)
    assert response.sw == 0x9000, f"{response.sw:04X}"
    return split_ac(response.data), data


@pytest.mark.parametrize("generation", [2, 3])
@pytest.mark.parametrize("genac_format", [1, 2])
def test_arqc_verifies_at_the_issuer(generation: int, genac_format: int) -> None:
    session = begin(generation, profile=PbocProfile(genac_format=genac_format))
    ac, dol_data = first_ac(session)
    assert ac[0x9F27] == b"\x80"
    atc = int.from_bytes(ac[0x9F36], "big")
    assert atc == 1
    assert issuer.verify_ac(
        session.keys,
        dol_data=dol_data,
        aip=session.data[0x82],
        atc=atc,
        iad=ac[0x9F10],
        ac=ac[0x9F26],
    )
    # The IAD names the algorithm: 01 3DES on gen 2, 04 SM4 on gen 3.
    assert ac[0x9F10][7] == {2: 0x01, 3: 0x04}[generation]


@pytest.fixture(scope="module")
def one_arqc() -> tuple[issuer.CardKeys, bytes]:
    session = begin(3, seed=99)
    ac, dol_data = first_ac(session)
    message = dol_data + session.data[0x82] + ac[0x9F36] + ac[0x9F10] + ac[0x9F26]
    return session.keys, message


def _verify_message(keys: issuer.CardKeys, message: bytes, cdol_len: int) -> bool:
    dol_data, rest = message[:cdol_len], message[cdol_len:]
    aip, atc, iad, ac = rest[:2], rest[2:4], rest[4:-8], rest[-8:]
    return issuer.verify_ac(
        keys, dol_data=dol_data, aip=aip, atc=int.from_bytes(atc, "big"), iad=iad, ac=ac
    )


@settings(max_examples=150, deadline=None)
@given(position=st.integers(min_value=0), flip=st.integers(min_value=1, max_value=255))
def test_any_changed_byte_fails_verification(one_arqc, position: int, flip: int) -> None:
    keys, message = one_arqc
    cdol_len = 52
    assert _verify_message(keys, message, cdol_len)
    position %= len(message)
    # IAD bytes outside the CVR (DKI, CVN, algorithm, discretionary data) are not MACed
    # (EMV Book 2 §8.1.1: the CVR is the only IAD part in the AC input); skip them.
    iad_start = cdol_len + 4
    if iad_start <= position < iad_start + 19 and not 3 <= position - iad_start < 7:
        return
    changed = bytearray(message)
    changed[position] ^= flip
    assert not _verify_message(keys, bytes(changed), cdol_len)


def test_second_generate_ac_with_valid_arpc_approves_and_goes_online() -> None:
    session = begin(2)
    ac, _ = first_ac(session)
    atc = int.from_bytes(ac[0x9F36], "big")
    auth = issuer.issuer_authentication_data(session.keys, atc=atc, arqc=ac[0x9F26], arc=b"00")
    cdol2 = session.cdol2_data(auth)
    response = session.terminal.generate_ac(TC, cdol2)
    assert response.sw == 0x9000
    tc = split_ac(response.data)
    assert tc[0x9F27] == b"\x40" and tc[0x9F36] == ac[0x9F36]
    assert issuer.verify_ac(
        session.keys, dol_data=cdol2, aip=session.data[0x82], atc=atc, iad=tc[0x9F10], ac=tc[0x9F26]
    )
    assert tc[0x9F10][4] & 0xF0 == 0x60  # CVR: TC in the second AC, ARQC in the first
    assert value(session.terminal.get_data(0x9F13).data, 0x9F13) == ac[0x9F36]
    # The approved transaction is logged: record 1 of the log file, laid out per 9F4F.
    log = session.terminal.read_record(11, 1)
    assert log.sw == 0x9000
    fields = dict(
        zip(
            [t for t, _ in dol(value(session.terminal.get_data(0x9F4F).data, 0x9F4F))],
            _cut(log.data, session),
            strict=True,
        )
    )
    assert fields[0x9F02] == AMOUNT and fields[0x9F36] == ac[0x9F36] and fields[0x9F4E] == MERCHANT
    assert session.terminal.generate_ac(TC, cdol2).sw == 0x6985  # the transaction is over


def _cut(record: bytes, session: Session) -> list[bytes]:
    entries = dol(value(session.terminal.get_data(0x9F4F).data, 0x9F4F))
    out, pos = [], 0
    for _, length in entries:
        out.append(record[pos : pos + length])
        pos += length
    assert pos == len(record)
    return out


@pytest.mark.parametrize("tamper", ["arpc", "arc_declined"])
def test_second_generate_ac_declines_without_valid_approval(tamper: str) -> None:
    session = begin(3)
    ac, _ = first_ac(session)
    atc = int.from_bytes(ac[0x9F36], "big")
    arc = b"05" if tamper == "arc_declined" else b"00"
    auth = bytearray(
        issuer.issuer_authentication_data(session.keys, atc=atc, arqc=ac[0x9F26], arc=arc)
    )
    if tamper == "arpc":
        auth[0] ^= 1
    response = session.terminal.generate_ac(TC, session.cdol2_data(bytes(auth), arc))
    assert response.sw == 0x9000
    result = split_ac(response.data)
    assert result[0x9F27] == b"\x00"  # AAC
    issuer_auth_failed = bool(result[0x9F10][4] & 0x08)
    assert issuer_auth_failed is (tamper == "arpc")
    last_online = value(session.terminal.get_data(0x9F13).data, 0x9F13)
    assert last_online == (b"\x00\x00" if tamper == "arpc" else ac[0x9F36])
    assert session.terminal.read_record(11, 1).sw == 0x6A83  # nothing logged


def test_offline_tc_within_the_offline_limit_is_logged() -> None:
    session = begin(3, profile=PbocProfile(lower_offline_limit=1, upper_offline_limit=2))
    ac, dol_data = first_ac(session, TC)
    assert ac[0x9F27] == b"\x40"
    atc = int.from_bytes(ac[0x9F36], "big")
    assert issuer.verify_ac(
        session.keys,
        dol_data=dol_data,
        aip=session.data[0x82],
        atc=atc,
        iad=ac[0x9F10],
        ac=ac[0x9F26],
    )
    assert session.terminal.read_record(11, 1).sw == 0x9000


def test_debit_default_goes_online_when_tc_is_requested() -> None:
    session = begin(3)
    ac, _ = first_ac(session, TC)
    assert ac[0x9F27] == b"\x80"


def test_generate_ac_conditions() -> None:
    card, _ = make_card(3)
    terminal = Terminal(card)
    terminal.ok(select_apdu(AID))
    assert terminal.generate_ac(ARQC, bytes(52)).sw == 0x6985  # before GPO
    session = begin(3)
    assert session.terminal.generate_ac(ARQC, bytes(51)).sw == 0x6700
    assert session.terminal.generate_ac(0xC0, bytes(52)).sw == 0x6A86
    assert session.terminal.generate_ac(ARQC | 0x10, bytes(52)).sw == 0x6A86  # no CDA
    assert session.terminal.generate_ac(AAC, bytes(52)).sw == 0x9000
    assert session.terminal.generate_ac(AAC, bytes(52)).sw == 0x6985


def _transaction(terminal: Terminal, session: Session) -> int | None:
    """One online transaction; the ATC of each cryptogram the card returned, or None if torn."""
    try:
        terminal.ok(select_apdu(AID))
        assert terminal.gpo(bytes.fromhex("000000000010000156")).sw == 0x9000
        response = terminal.generate_ac(ARQC, session.cdol1_data())
    except TransportError:
        return None
    ac = split_ac(response.data)
    return int.from_bytes(ac[0x9F36], "big")


@settings(max_examples=25, deadline=None)
@given(tears=st.lists(st.tuples(st.integers(1, 3), st.booleans()), min_size=1, max_size=6))
def test_atc_never_repeats_across_power_cuts(tears: list[tuple[int, bool]]) -> None:
    session = begin(3)
    terminal = session.terminal
    seen = []
    for n, after in tears:
        terminal.card.nvm.tear_at(n, after=after)
        atc = _transaction(terminal, session)
        terminal.card.nvm.tear_at(None)
        if atc is not None:
            seen.append(atc)
        if not terminal.card.powered:
            terminal.power_cycle()
        atc = _transaction(terminal, session)
        assert atc is not None
        seen.append(atc)
    assert seen == sorted(set(seen)), f"ATCs repeated or went back: {seen}"
    assert seen[0] >= 2  # the first transaction of `begin` used ATC 1


def test_log_is_cyclic_newest_first() -> None:
    session = begin(3, profile=PbocProfile(upper_offline_limit=250))
    terminal = session.terminal
    atcs = []
    for _ in range(12):
        terminal.ok(select_apdu(AID))  # re-selection inside the ADF starts a new transaction
        assert terminal.gpo(bytes.fromhex("000000000010000156")).sw == 0x9000
        ac, _ = first_ac(session, TC)
        assert ac[0x9F27] == b"\x40"
        atcs.append(ac[0x9F36])
    records = [terminal.read_record(11, n) for n in range(1, 12)]
    assert [r.sw for r in records] == [0x9000] * 10 + [0x6A83]
    assert [r.data[-2:] for r in records[:10]] == atcs[::-1][:10]  # 9F36 is last in 9F4F


def test_cvr_reports_offline_pin_and_new_card() -> None:
    session = begin(2)
    assert session.terminal.verify("9999").sw == 0x63C2
    assert session.terminal.verify(session.info["keys"]["pin"]).sw == 0x9000
    ac, _ = first_ac(session)
    cvr = ac[0x9F10][3:7]
    assert cvr[0] == 0x03
    assert cvr[1] == 0xA4  # second AC not requested, first ARQC, offline PIN performed (and passed)
    assert cvr[2] & 0x10  # new card: no online transaction yet
