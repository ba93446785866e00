"""Cards in the world: chips personalised for the cards the bureau produces, reached through
the Transport seam (in-process card OS, or a card in a PC/SC reader), and the terminals'
PSAM. Every APDU crosses a `TracedTransport`, so the trace shows what the card saw."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from card_os.card import Card
from card_os.ssse.personalise import Personalisation, build_card_image
from card_os.ssse.profile import IssuerProfile
from card_os.ssse.psam_image import build_psam_image
from emulator.population import Cardholder
from emulator.transport import InProcessTransport, Transport, resolve_t0

ApduSink = Callable[[str, bytes, bytes], None]  # (card name, command, answer)

#: INS bytes whose data field carries a PIN (VERIFY, CHANGE REFERENCE DATA, RESET RETRY
#: COUNTER, the proprietary PIN change 5E): traces never show their data.
PIN_INS = frozenset({0x20, 0x24, 0x2C, 0x5E})


def mask_apdu(apdu: bytes) -> str:
    """Hex of a command with the data of PIN commands replaced by asterisks."""
    if len(apdu) > 5 and apdu[1] in PIN_INS:
        return apdu[:5].hex().upper() + "*" * (2 * apdu[4])
    return apdu.hex().upper()


class TracedTransport:
    """A Transport that reports every exchange (raw, after T=0 resolution by `transmit`)."""

    def __init__(self, inner: Transport, name: str, sink: ApduSink) -> None:
        self.inner, self.name, self.sink = inner, name, sink
        self.description = inner.description

    @property
    def protocol(self) -> str:
        return self.inner.protocol

    @property
    def atr(self) -> bytes:
        return self.inner.atr

    def connect(self) -> bytes:
        return self.inner.connect()

    def reset(self, cold: bool = False) -> bytes:
        return self.inner.reset(cold)

    def disconnect(self) -> None:
        self.inner.disconnect()

    def transmit_raw(self, apdu: bytes) -> bytes:
        answer = self.inner.transmit_raw(apdu)
        self.sink(self.name, apdu, answer)
        return answer

    def transmit(self, apdu: bytes) -> bytes:
        return resolve_t0(self, apdu, self.transmit_raw(apdu))


@dataclass(frozen=True)
class ChipSpec:
    """What the factory needs besides the holder: the bureau's card and the cast's choices."""

    card_no: str
    card_sn: str  # the bureau's 卡识别码, written into EF05 record 01
    issued: dt.date
    generation: int = 3
    kind: str = "formal"
    region: str = "500100"


def personalise(holder: Cardholder, spec: ChipSpec, seed: int) -> dict[str, Any]:
    """The card image of the bureau's card ``spec`` for ``holder`` (the card factory)."""
    image = build_card_image(
        replace(holder, card_number=spec.card_no),
        IssuerProfile(generation=spec.generation),
        Personalisation(region=spec.region, seed=seed, issued=spec.issued, kind=spec.kind),
    )
    _set_card_id(image, bytes.fromhex(spec.card_sn))
    return image


def _set_card_id(image: dict[str, Any], card_id: bytes) -> None:
    """EF05 record 01 (卡识别码) takes the bureau's value (card-spec §1.3)."""
    ssse = next(c for c in image["mf"]["children"] if c.get("app") == "ssse")
    ef05 = next(c for c in ssse["children"] if c.get("fid") == "EF05")
    for index, record in enumerate(ef05["records"]):
        if bytes.fromhex(record)[:1] == b"\x01":
            ef05["records"][index] = (bytes([1, len(card_id)]) + card_id).hex().upper()
            return
    raise ValueError("personalised image has no EF05 record 01")


def in_process_card(image: dict[str, Any], seed: int) -> InProcessTransport:
    return InProcessTransport(Card(image, rng=random.Random(seed)), description="in-process card")


def psam_transport(seed: int) -> InProcessTransport:
    """The terminals' PSAM (one per world: every terminal uses the same issuer keys)."""
    psam = Card(build_psam_image(IssuerProfile()), rng=random.Random(seed))
    return InProcessTransport(psam, description="in-process PSAM")
