"""HSM service on a personalised 3rd-gen card: Step2 pKey and PIN reload, in-process and HTTP."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from fastapi.testclient import TestClient
from service_world import CREDENTIALS

from backends.core.errors import DomainError
from backends.hsm.service import HsmService
from card_os.card import Card
from card_os.ssse.hsm import Step1
from card_os.ssse.personalise import SSSE_AID, Personalisation, build_card_image
from card_os.ssse.profile import IssuerProfile
from emulator.population import make_cardholder
from emulator.transport import InProcessTransport

REGION = "500100"
PROFILE = IssuerProfile()


class Terminal:
    def __init__(self, seed: int = 4) -> None:
        image = build_card_image(
            make_cardholder(seed),
            PROFILE,
            Personalisation(region=REGION, seed=seed, issued=dt.date(2026, 3, 1)),
        )
        self.transport = InProcessTransport(Card(image, rng=random.Random(seed)))
        self.historical = self.transport.connect()[-13:]
        self.rng = random.Random(seed + 100)

    def send(self, apdu: bytes) -> tuple[bytes, bytes]:
        answer = self.transport.transmit(apdu)
        return answer[:-2], answer[-2:]

    def ok(self, apdu: bytes) -> bytes:
        data, sw = self.send(apdu)
        assert sw == b"\x90\x00", f"{apdu.hex()} -> {sw.hex()}"
        return data

    def step1(self) -> tuple[Step1, bytes]:
        """Select SSSE, read 卡识别码, take a challenge: the Step1 fields of a 3.0 card."""
        self.ok(bytes([0x00, 0xA4, 0x04, 0x00, len(SSSE_AID)]) + SSSE_AID + b"\x00")
        card_id = self.ok(bytes.fromhex("00B2012C00"))[2:]
        ia_factor, ia_data, ea_factor = (self.rng.randbytes(8) for _ in range(3))
        challenge = self.ok(bytes.fromhex("0084000008"))
        fields = Step1(REGION, self.historical, "03", card_id, ia_factor, ia_data, ea_factor,
                       challenge, "000000000000")  # fmt: skip
        return fields, ia_factor + ia_data


def test_pkey_is_the_same_in_process_and_over_http_and_opens_the_card(client: TestClient):
    terminal = Terminal()
    fields, internal = terminal.step1()
    pkey = HsmService().read_card_bas_step2(fields.to_string())
    answer = client.post(
        "/hsm/read-card-bas/step2", json={"step1": fields.to_string()}, auth=CREDENTIALS["hospital"]
    )
    assert answer.status_code == 200 and answer.json() == {"pkey": pkey}
    head, external = pkey.split("|")
    # Chars 0-15 are what the genuine card answers to INTERNAL AUTHENTICATE (card-spec §2.4).
    ia_key = PROFILE.key_ids.internal_auth
    result = terminal.ok(bytes([0x00, 0x88, 0x00, ia_key, 0x10]) + internal)
    assert result.hex().upper() == head[:16]
    terminal.ok(bytes([0x00, 0x82, 0x00, PROFILE.key_ids.rkssse, 0x10]) + bytes.fromhex(external))
    record = terminal.ok(bytes.fromhex("00B2013400"))  # EF06 opens after RKSSSE
    assert record[:2] == b"\x08\x12"


def test_pin_reload_over_http_sets_the_new_pin(client: TestClient):
    terminal = Terminal(seed=6)
    terminal.step1()  # selects SSSE
    auth = CREDENTIALS["hospital"]
    common = {"algorithm": "03", "region": REGION, "historical": terminal.historical.hex()}
    factor = terminal.rng.randbytes(8)
    challenge = terminal.ok(bytes.fromhex("0084000008"))
    body = dict(common, factor=factor.hex(), challenge=challenge.hex())
    data = client.post("/hsm/pin-reload/auth", json=body, auth=auth).json()["data"]
    key_id = PROFILE.key_ids.pin_reload
    terminal.ok(bytes([0x00, 0x82, 0x00, key_id, 0x10]) + bytes.fromhex(data))
    challenge = terminal.ok(bytes.fromhex("0084000008"))
    body = dict(common, challenge=challenge.hex(), new_pin="246810")
    apdu = client.post("/hsm/pin-reload", json=body, auth=auth).json()["apdu"]
    in_process = HsmService().pin_reload("03", REGION, terminal.historical, challenge, "246810")
    assert bytes.fromhex(apdu) == in_process  # same inputs, same command
    terminal.ok(bytes.fromhex(apdu))
    assert terminal.send(bytes.fromhex("0020000103246810"))[1] == b"\x90\x00"
    assert terminal.send(bytes.fromhex("0020000103123456"))[1][:1] == b"\x63"


@pytest.mark.parametrize(
    ("step1", "message"),
    [
        ("500100|", "9 fields"),
        ("5001|" + "00" * 13 + "|03|" + "00" * 16 + "|" + "|" * 5, "区划代码"),
        ("500100|" + "00" * 13 + "|03|ZZ|" + "|" * 5, "卡识别码"),
    ],
)
def test_bad_step1_is_refused_naming_the_field(client: TestClient, step1: str, message: str):
    with pytest.raises(DomainError, match=message):
        HsmService().read_card_bas_step2(step1)
    answer = client.post(
        "/hsm/read-card-bas/step2", json={"step1": step1}, auth=CREDENTIALS["hospital"]
    )
    assert answer.status_code == 400 and message in answer.json()["detail"]


def test_the_hsm_needs_an_institution_credential(client: TestClient):
    assert client.post("/hsm/read-card-bas/step2", json={"step1": "x|"}).status_code == 401
    body = {"algorithm": "03", "region": REGION, "historical": "00" * 13, "challenge": "00" * 8,
            "new_pin": "12"}  # fmt: skip
    assert client.post("/hsm/pin-reload", json=body, auth=CREDENTIALS["bank"]).status_code == 422
