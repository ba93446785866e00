"""Issuer host against a real card's GENERATE AC (card_os Card with the PBOC application)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from service_world import CREDENTIALS

from backends.bank.issuer_host import IssuerHost
from backends.bank.linked import linked_services
from backends.core.db import Database
from card_os.card import Card
from card_os.codecs import citizen_id_check_digit
from card_os.pboc.dol import build_dol_data, parse_dol
from card_os.pboc.personalise import build_pboc_nodes, default_test_keys
from card_os.tlv import decode_tlv, find_tlv
from emulator.transport import InProcessTransport

AID = bytes.fromhex("A000000333010101")
AMOUNT = Decimal("123.45")
BODY = "50010119700101123"
CERTNO = BODY + citizen_id_check_digit(BODY)


class DebitCard:
    """A card with only the debit application, driven by a minimal EMV terminal."""

    def __init__(self, pan: str) -> None:
        nodes = build_pboc_nodes(
            pan=pan,
            name="ZHAO/LIU",
            expiry=dt.date(2036, 5, 31),
            effective=dt.date(2026, 1, 1),
            generation=3,
            contactless=False,
            keys=default_test_keys(3),
            seed=1,
        )
        image = {"format": "sscard-image/1", "protocol": "T=0",
                 "mf": {"kind": "MF", "fid": "3F00", "children": nodes}}  # fmt: skip
        self.transport = InProcessTransport(Card(image))
        self.transport.connect()
        self.data: dict[int, bytes] = {}

    def send(self, apdu: bytes) -> tuple[bytes, bytes]:
        answer = self.transport.transmit(apdu)
        return answer[:-2], answer[-2:]

    def start(self) -> None:
        fci, sw = self.send(bytes([0x00, 0xA4, 0x04, 0x00, len(AID)]) + AID + b"\x00")
        assert sw == b"\x90\x00"
        pdol = parse_dol(find_tlv(fci, 0x9F38) or b"")
        pdol_data = build_dol_data(
            pdol, {0x9F02: bytes.fromhex("000000012345"), 0x5F2A: b"\x01\x56"}
        )
        body = bytes([0x83, len(pdol_data)]) + pdol_data
        gpo, sw = self.send(bytes([0x80, 0xA8, 0x00, 0x00, len(body)]) + body + b"\x00")
        assert sw == b"\x90\x00"
        [(_, value)] = decode_tlv(gpo)
        self.data[0x82], afl = value[:2], value[2:]
        for i in range(0, len(afl), 4):
            sfi, first, last = afl[i] >> 3, afl[i + 1], afl[i + 2]
            for number in range(first, last + 1):
                record, _ = self.send(bytes([0x00, 0xB2, number, sfi << 3 | 4, 0x00]))
                [(_, inner)] = decode_tlv(record)
                self.data.update(decode_tlv(inner))

    def first_ac(self) -> dict:
        cdol1 = build_dol_data(
            parse_dol(self.data[0x8C]),
            {0x9F02: bytes.fromhex("000000012345"), 0x5F2A: b"\x01\x56", 0x9F1A: b"\x01\x56",
             0x9A: bytes.fromhex("260302"), 0x9F37: b"\x11\x22\x33\x44"},
        )  # fmt: skip
        answer, sw = self.send(bytes([0x80, 0xAE, 0x80, 0x00, len(cdol1)]) + cdol1 + b"\x00")
        assert sw == b"\x90\x00"
        [(_, body)] = decode_tlv(answer)
        return {
            "atc": int.from_bytes(body[1:3], "big"),
            "arqc": body[3:11],
            "iad": body[11:],
            "cdol1_data": cdol1,
            "aip": self.data[0x82],
            "pan_sequence": int(self.data[0x5F34].hex()),
        }

    def second_ac(self, issuer_auth: bytes, arc: bytes) -> tuple[bytes, bytes]:
        cdol2 = build_dol_data(
            parse_dol(self.data[0x8D]), {0x91: issuer_auth, 0x8A: arc, 0x9F37: b"\x55\x66\x77\x88"}
        )
        return self.send(bytes([0x80, 0xAE, 0x40, 0x00, len(cdol2)]) + cdol2 + b"\x00")


@pytest.fixture
def funded(database: Database, clock) -> tuple[str, str]:
    """(card number, PAN) of an activated account holding 500.00."""
    with database.transaction() as s:
        bureau, bank = linked_services(s, clock)
        bureau.register_person(CERTNO, "赵六", "1", dt.date(1970, 1, 1), "500101")
        card_no = bureau.produce(bureau.apply(CERTNO, "500101").id).card_no
        pan = bank.account(card_no).account_no  # production opened the account; its PAN
        bureau.collect(card_no, CERTNO)
        bank.activate(card_no, CERTNO, "000111")
        bank.deposit(card_no, Decimal("500.00"), "dep")
    return card_no, pan


def test_arqc_verifies_arpc_is_accepted_and_replay_is_refused(database, clock, funded):
    card_no, pan = funded
    card = DebitCard(pan)
    card.start()
    ac = card.first_ac()
    with database.transaction() as s:
        bank = linked_services(s, clock)[1]
        result = IssuerHost(bank).authorise(pan=pan, amount=AMOUNT, **ac)
        assert (result.approved, result.arc) == (True, b"00")
        assert bank.card_balance(card_no) == Decimal("500.00") - AMOUNT
    # The card takes the ARPC in its second GENERATE AC and completes with a TC.
    answer, sw = card.second_ac(result.issuer_authentication_data, result.arc)
    assert sw == b"\x90\x00" and decode_tlv(answer)[0][1][0] == 0x40
    with database.transaction() as s:
        replay = IssuerHost(linked_services(s, clock)[1]).authorise(pan=pan, amount=AMOUNT, **ac)
        assert (replay.approved, replay.arpc) == (False, None)
        assert "replayed ATC" in replay.reason
        assert linked_services(s, clock)[1].card_balance(card_no) == Decimal("500.00") - AMOUNT


def test_forged_arqc_gets_no_arpc(database, clock, funded):
    _, pan = funded
    card = DebitCard(pan)
    card.start()
    ac = card.first_ac()
    ac["arqc"] = bytes([ac["arqc"][0] ^ 1]) + ac["arqc"][1:]
    with database.transaction() as s:
        result = IssuerHost(linked_services(s, clock)[1]).authorise(pan=pan, **ac)
    assert (result.approved, result.arpc, result.reason) == (False, None, "ARQC does not verify")


def test_lost_card_is_declined_with_an_arpc_the_card_accepts(database, clock, funded):
    card_no, pan = funded
    with database.transaction() as s:
        linked_services(s, clock)[1].report_loss(card_no, CERTNO, "temporary")
    card = DebitCard(pan)
    card.start()
    ac = card.first_ac()
    with database.transaction() as s:
        result = IssuerHost(linked_services(s, clock)[1]).authorise(pan=pan, amount=AMOUNT, **ac)
    assert (result.approved, result.arc) == (False, b"05") and "lost" in result.reason
    answer, sw = card.second_ac(result.issuer_authentication_data, result.arc)
    assert sw == b"\x90\x00" and decode_tlv(answer)[0][1][0] == 0x00  # AAC: declined


def test_issuer_host_over_http(database, clock, funded, client: TestClient):
    _, pan = funded
    card = DebitCard(pan)
    card.start()
    ac = card.first_ac()
    body = {
        "pan": pan,
        "pan_sequence": ac["pan_sequence"],
        "atc": ac["atc"],
        "arqc": ac["arqc"].hex(),
        "cdol1_data": ac["cdol1_data"].hex(),
        "aip": ac["aip"].hex(),
        "iad": ac["iad"].hex(),
        "amount": "10.00",
    }
    first = client.post("/bank/issuer/authorise", json=body, auth=CREDENTIALS["bank"])
    assert first.status_code == 200 and first.json()["approved"] is True
    again = client.post("/bank/issuer/authorise", json=body, auth=CREDENTIALS["bank"])
    assert again.json()["approved"] is False and again.json()["arpc"] is None
    bad = client.post(
        "/bank/issuer/authorise", json=dict(body, arqc="zz"), auth=CREDENTIALS["bank"]
    )
    assert bad.status_code == 422
