"""A small EMV terminal for the tests, with its own BER-TLV reader (independent of card_os.tlv)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from card_os.card import Card
from card_os.pboc.pan import generate_pan
from card_os.pboc.personalise import build_pboc_nodes, default_test_keys
from card_os.pboc.profile import PbocProfile
from emulator.transport import InProcessTransport

PSE = b"1PAY.SYS.DDF01"
PPSE = b"2PAY.SYS.DDF01"
AID = bytes.fromhex("A000000333010101")


def parse(data: bytes) -> list[tuple[int, bytes]]:
    """Top-level BER-TLV objects of `data` (ISO/IEC 8825-1 tag and length rules)."""
    out = []
    i = 0
    while i < len(data):
        tag = data[i]
        i += 1
        if tag & 0x1F == 0x1F:
            while True:
                tag = tag << 8 | data[i]
                i += 1
                if not data[i - 1] & 0x80:
                    break
        length = data[i]
        i += 1
        if length & 0x80:
            count = length & 0x7F
            length = int.from_bytes(data[i : i + count], "big")
            i += count
        assert i + length <= len(data), "TLV runs past the end"
        out.append((tag, data[i : i + length]))
        i += length
    return out


def value(data: bytes, *path: int) -> bytes:
    """The value at `path` (tags, outermost first); AssertionError when missing."""
    for tag in path:
        found = [v for t, v in parse(data) if t == tag]
        assert found, f"tag {tag:X} not found"
        data = found[0]
    return data


def dol(raw: bytes) -> list[tuple[int, int]]:
    """(tag, length) entries of a DOL."""
    out = []
    i = 0
    while i < len(raw):
        tag = raw[i]
        i += 1
        if tag & 0x1F == 0x1F:
            while True:
                tag = tag << 8 | raw[i]
                i += 1
                if not raw[i - 1] & 0x80:
                    break
        out.append((tag, raw[i]))
        i += 1
    return out


def fill(entries: list[tuple[int, int]], values: dict[int, bytes]) -> bytes:
    return b"".join(
        values.get(tag, bytes(length)).rjust(length, b"\0")[:length] for tag, length in entries
    )


@dataclass
class Response:
    data: bytes
    sw: int


def make_card(
    generation: int = 3,
    *,
    seed: int = 7,
    contactless: bool = True,
    profile: PbocProfile | None = None,
) -> tuple[Card, dict]:
    """A card with only an MF and the debit nodes; returns it with its personalisation data."""
    pan = generate_pan(seed)
    keys = default_test_keys(generation)
    info = {
        "pan": pan,
        "name": "ZHANG/SAN",
        "expiry": dt.date(2036, 5, 31),
        "effective": dt.date(2026, 6, 1),
        "keys": keys,
        "generation": generation,
    }
    nodes = build_pboc_nodes(
        pan=pan,
        name=info["name"],
        expiry=info["expiry"],
        effective=info["effective"],
        generation=generation,
        contactless=contactless,
        keys=keys,
        seed=seed,
        profile=profile,
    )
    image = {
        "format": "sscard-image/1",
        "protocol": "T=0",
        "mf": {"kind": "MF", "fid": "3F00", "children": nodes},
    }
    return Card(image), info


class Terminal:
    """Sends EMV commands over the Transport seam (T=0 handling included)."""

    def __init__(self, card: Card) -> None:
        self.card = card
        self.transport = InProcessTransport(card, description="pboc test card")
        self.transport.connect()

    def send(self, apdu: bytes) -> Response:
        raw = self.transport.transmit(apdu)
        return Response(raw[:-2], int.from_bytes(raw[-2:], "big"))

    def ok(self, apdu: bytes) -> bytes:
        response = self.send(apdu)
        assert response.sw == 0x9000, f"{apdu.hex().upper()} -> {response.sw:04X}"
        return response.data

    def power_cycle(self) -> None:
        self.transport.reset(cold=True)

    def select(self, name: bytes) -> Response:
        return self.send(select_apdu(name))

    def read_record(self, sfi: int, number: int) -> Response:
        return self.send(bytes([0x00, 0xB2, number, sfi << 3 | 4, 0x00]))

    def get_data(self, tag: int) -> Response:
        return self.send(bytes([0x80, 0xCA, tag >> 8, tag & 0xFF, 0x00]))

    def gpo(self, pdol_data: bytes) -> Response:
        body = bytes([0x83, len(pdol_data)]) + pdol_data
        return self.send(bytes([0x80, 0xA8, 0x00, 0x00, len(body)]) + body + b"\x00")

    def verify(self, pin: str) -> Response:
        block = bytes.fromhex(f"2{len(pin):X}{pin}".ljust(16, "F"))
        return self.send(bytes([0x00, 0x20, 0x00, 0x80, 0x08]) + block)

    def generate_ac(self, p1: int, data: bytes) -> Response:
        return self.send(bytes([0x80, 0xAE, p1, 0x00, len(data)]) + data + b"\x00")

    def start(self) -> dict[int, bytes]:
        """SELECT the ADF, GPO with the PDOL filled, read every AFL record; the card data."""
        fci = self.ok(select_apdu(AID))
        pdol = dol(value(fci, 0x6F, 0xA5, 0x9F38))
        gpo = self.gpo(fill(pdol, {0x9F02: bytes.fromhex("000000001000"), 0x5F2A: b"\x01\x56"}))
        assert gpo.sw == 0x9000
        aip, afl = split_gpo(gpo.data)
        records = {0x82: aip, 0x94: afl}
        for sfi, first, last in afl_entries(afl):
            for number in range(first, last + 1):
                records.update(parse(value(self.read_record(sfi, number).data, 0x70)))
        return records


def select_apdu(name: bytes) -> bytes:
    return bytes([0x00, 0xA4, 0x04, 0x00, len(name)]) + name + b"\x00"


def split_gpo(data: bytes) -> tuple[bytes, bytes]:
    """(AIP, AFL) from a GPO response in format 1 (80) or format 2 (77)."""
    ((tag, body),) = parse(data)
    if tag == 0x80:
        return body[:2], body[2:]
    assert tag == 0x77
    inner = dict(parse(body))
    return inner[0x82], inner[0x94]


def afl_entries(afl: bytes) -> list[tuple[int, int, int]]:
    assert len(afl) % 4 == 0
    return [(afl[i] >> 3, afl[i + 1], afl[i + 2]) for i in range(0, len(afl), 4)]


def split_ac(data: bytes) -> dict[int, bytes]:
    """CID, ATC, AC and IAD from a GENERATE AC response in format 1 or 2."""
    ((tag, body),) = parse(data)
    if tag == 0x80:
        return {0x9F27: body[:1], 0x9F36: body[1:3], 0x9F26: body[3:11], 0x9F10: body[11:]}
    assert tag == 0x77
    return dict(parse(body))
