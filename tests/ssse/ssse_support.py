"""Test support: a tiny terminal over APDUs, made cards, RKSSSE authentication via the HSM."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import ssse_refdecoder as ref
from ssse_refdecoder import SSSE_AID

from card_os.card import Card
from card_os.ssse.hsm import Step1, step2
from card_os.ssse.profile import IssuerProfile
from emulator.population import Cardholder
from emulator.transport import InProcessTransport

ISSUED = dt.date(2024, 3, 15)
REGION = "500100"


class Terminal:
    """APDUs as hex-friendly calls; answers are (data, sw)."""

    def __init__(self, transport: InProcessTransport) -> None:
        self.t = transport
        self.atr = transport.connect()

    def send(self, apdu: bytes | str) -> tuple[bytes, int]:
        raw = bytes.fromhex(apdu) if isinstance(apdu, str) else apdu
        answer = self.t.transmit(raw)
        return answer[:-2], int.from_bytes(answer[-2:], "big")

    def ok(self, apdu: bytes | str) -> bytes:
        data, sw = self.send(apdu)
        assert sw == 0x9000, f"{apdu if isinstance(apdu, str) else apdu.hex()} -> {sw:04X}"
        return data

    def select_ssse(self) -> bytes:
        return self.ok(bytes([0x00, 0xA4, 0x04, 0x00, len(SSSE_AID)]) + SSSE_AID + b"\x00")

    def read(self, rec: int, p2: int) -> tuple[bytes, int]:
        return self.send(bytes([0x00, 0xB2, rec, p2, 0x00]))

    def challenge(self) -> bytes:
        return self.ok("0084000008")


@dataclass
class Made:
    holder: Cardholder
    profile: IssuerProfile
    image: dict
    card: Card
    term: Terminal
    kind: str


MakeCard = Callable[..., Made]


def authenticate_rkssse(made) -> None:
    """RKSSSE external authentication through the HSM arithmetic (card-spec §2.4)."""
    term: Terminal = made.term
    fci = term.select_ssse()
    algorithm = fci[fci.index(bytes.fromhex("9F0C038601")) + 5]
    card_id = ref.split_tlv(term.ok("00B2012C00"), ref.EF05_TABLE)[1]
    historical = term.atr[4:]
    ia_factor, ia_data, ea_factor = bytes(range(8)), bytes(range(8, 16)), bytes(range(16, 24))
    answered = term.ok(bytes.fromhex("0088000810") + ia_factor + ia_data + b"\x00")
    challenge = term.challenge()
    step1 = Step1(
        REGION,
        historical,
        f"{algorithm:02X}",
        card_id,
        ia_factor,
        ia_data,
        ea_factor,
        challenge,
        "000000000000",
    )
    pkey = step2(
        step1.to_string(),
        internal_auth_master=made.profile.master_key("internal_auth"),
        rkssse_master=made.profile.master_key("rkssse"),
    )
    assert pkey[:16] == answered.hex().upper()  # card is genuine (else −25)
    term.ok("0082000A10" + pkey.split("|")[1])
