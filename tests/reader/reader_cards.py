"""Reference cards for the reader tests: personalised images, a PSAM, and broken transports."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from card_os.atr import parse_atr
from card_os.card import Card
from card_os.ssse.personalise import Personalisation, build_card_image
from card_os.ssse.profile import IssuerProfile
from card_os.ssse.psam_image import build_psam_image
from emulator.population import Cardholder, make_cardholder
from emulator.transport import InProcessTransport, TransportError

ISSUED = dt.date(2024, 5, 1)
REGION = "500100"


@dataclass
class RefCard:
    """A personalised card with what a correct reader must report about it."""

    holder: Cardholder
    profile: IssuerProfile
    image: dict[str, Any]
    kind: str
    issued: dt.date

    def card(self, seed: int = 1) -> Card:
        return Card(self.image, rng=random.Random(seed))

    @property
    def card_id(self) -> str:
        return record_value(self.image, "EF05", 0x01).hex().upper()

    @property
    def historical(self) -> str:
        return parse_atr(bytes.fromhex(self.image["atr"]))[0].hex().upper()

    @property
    def expiry(self) -> dt.date:
        if self.kind == "temporary":
            return self.issued + dt.timedelta(days=self.profile.temporary_validity_days)
        return self.issued.replace(year=self.issued.year + 10) - dt.timedelta(days=1)

    def expected(self, terminal: str) -> str:
        """The iReadCardBas string per card-spec §3.2, built from the cardholder data."""
        fields = [
            REGION,
            self.holder.citizen_id,
            self.holder.card_number,
            self.card_id,
            self.holder.name,
            self.historical,
            f"{self.profile.generation}.00",
            self.issued.strftime("%Y%m%d"),
            self.expiry.strftime("%Y%m%d"),
            terminal,
            "",
        ]
        return "".join(f"{f}|" for f in fields)


def make_ref_card(
    generation: int = 3,
    kind: str = "formal",
    state: str = "active",
    seed: int = 7,
    issued: dt.date = ISSUED,
    **profile: Any,
) -> RefCard:
    issuer = IssuerProfile(generation=generation, **profile)
    holder = make_cardholder(seed)
    image = build_card_image(
        holder,
        issuer,
        Personalisation(region=REGION, seed=seed, issued=issued, kind=kind, state=state),
    )
    return RefCard(holder, issuer, image, kind, issued)


def make_psam(
    profile: IssuerProfile | None = None,
    algorithms: tuple[int, ...] = (0x01, 0x03),
    with_rkssse: bool = True,
) -> Card:
    image = build_psam_image(
        profile or IssuerProfile(), algorithms=algorithms, with_rkssse=with_rkssse
    )
    return Card(image, rng=random.Random(5))


def _ssse(image: dict[str, Any]) -> dict[str, Any]:
    return next(c for c in image["mf"]["children"] if c.get("app") == "ssse")


def _ef(image: dict[str, Any], fid: str) -> dict[str, Any]:
    return next(c for c in _ssse(image)["children"] if c.get("fid") == fid)


def record_value(image: dict[str, Any], fid: str, tag: int) -> bytes:
    for record in _ef(image, fid)["records"]:
        raw = bytes.fromhex(record)
        if raw and raw[0] == tag:
            return raw[2 : 2 + raw[1]]
    raise KeyError(f"{fid} has no record {tag:02X}")


def set_record(image: dict[str, Any], fid: str, tag: int, value: bytes) -> None:
    """Replace the value of record ``tag`` in SSSE/``fid`` (keeps its TLV framing)."""
    records = _ef(image, fid)["records"]
    for index, record in enumerate(records):
        raw = bytes.fromhex(record)
        if raw and raw[0] == tag:
            records[index] = (bytes([tag, len(value)]) + value).hex().upper()
            return
    raise KeyError(f"{fid} has no record {tag:02X}")


Rewrite = Callable[[bytes, bytes], bytes | None]


class BrokenTransport(InProcessTransport):
    """A good card whose answers a rule rewrites: ``rule(apdu, answer)`` returns the
    answer to deliver instead, or None to leave it alone."""

    def __init__(self, card: Card, rule: Rewrite) -> None:
        super().__init__(card, description="broken card")
        self.rule = rule

    def transmit_raw(self, apdu: bytes) -> bytes:
        answer = super().transmit_raw(apdu)
        replaced = self.rule(apdu, answer)
        return answer if replaced is None else replaced


class RemovedAfter(InProcessTransport):
    """A card pulled out of the reader after ``commands`` commands."""

    def __init__(self, card: Card, commands: int) -> None:
        super().__init__(card, description="card removed mid-read")
        self.left = commands

    def transmit_raw(self, apdu: bytes) -> bytes:
        if self.left <= 0:
            self.card.power_off()
            raise TransportError("card removed")
        self.left -= 1
        return super().transmit_raw(apdu)


class EmptySlot:
    """A reader slot with no card in it."""

    description = "empty slot"
    protocol = "T=0"
    atr = b""

    def connect(self) -> bytes:
        raise TransportError("no card in the slot")

    def reset(self, cold: bool = False) -> bytes:
        raise TransportError("no card in the slot")

    def disconnect(self) -> None:
        return None

    def transmit_raw(self, apdu: bytes) -> bytes:
        raise TransportError("no card in the slot")

    def transmit(self, apdu: bytes) -> bytes:
        raise TransportError("no card in the slot")
