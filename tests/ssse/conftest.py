"""Fixtures: personalised cards behind InProcessTransport, and a tiny terminal over APDUs."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from card_os.card import Card
from card_os.ssse.personalise import Personalisation, build_card_image
from card_os.ssse.profile import IssuerProfile
from emulator.population import Cardholder, make_cardholder
from emulator.transport import InProcessTransport

from .refdecoder import SSSE_AID

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


@pytest.fixture
def make_card() -> MakeCard:
    def make(
        generation: int = 3,
        kind: str = "formal",
        seed: int = 5,
        state: str = "active",
        **profile_fields: object,
    ) -> Made:
        profile = IssuerProfile.from_mapping({"generation": generation, **profile_fields})
        holder = make_cardholder(seed)
        image = build_card_image(
            holder,
            profile,
            Personalisation(region=REGION, seed=seed, issued=ISSUED, kind=kind, state=state),
        )
        card = Card(image, rng=random.Random(seed))
        return Made(holder, profile, image, card, Terminal(InProcessTransport(card)), kind)

    return make
