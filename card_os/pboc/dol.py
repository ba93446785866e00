"""Data object lists (PDOL, CDOL1, CDOL2, log format): EMV Book 3 §5.4.

A DOL is a concatenation of BER tags each followed by a one-byte length, with no values.
The terminal answers with the values concatenated in the same order.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from card_os.tlv import encode_tag


class DolError(ValueError):
    """A DOL or DOL-related data string is malformed."""


@dataclass(frozen=True)
class DolEntry:
    tag: int
    length: int


def _read_tag(raw: bytes, pos: int) -> tuple[int, int]:
    """Read one BER tag starting at pos; return (tag as int, next position)."""
    if pos >= len(raw):
        raise DolError("DOL ends inside a tag")
    tag = raw[pos]
    pos += 1
    if tag & 0x1F == 0x1F:  # multi-byte tag: continue while b8 is set (ISO 8825-1)
        while True:
            if pos >= len(raw):
                raise DolError("DOL ends inside a multi-byte tag")
            tag = (tag << 8) | raw[pos]
            pos += 1
            if not raw[pos - 1] & 0x80:
                break
    return tag, pos


def parse_dol(raw: bytes) -> list[DolEntry]:
    """Split a DOL into its (tag, length) entries."""
    entries: list[DolEntry] = []
    pos = 0
    while pos < len(raw):
        tag, pos = _read_tag(raw, pos)
        if pos >= len(raw):
            raise DolError(f"DOL entry {tag:X} has no length byte")
        entries.append(DolEntry(tag, raw[pos]))
        pos += 1
    return entries


def encode_dol(entries: list[DolEntry]) -> bytes:
    """Concatenate (tag, length) entries into a DOL."""
    out = bytearray()
    for entry in entries:
        out += encode_tag(entry.tag)
        out.append(entry.length)
    return bytes(out)


def dol_length(entries: list[DolEntry]) -> int:
    """Length of the data the terminal must send for this DOL."""
    return sum(entry.length for entry in entries)


def split_dol_data(entries: list[DolEntry], data: bytes) -> dict[int, bytes]:
    """Cut DOL-related data into values per tag; the length must match exactly."""
    if len(data) != dol_length(entries):
        raise DolError(f"DOL data is {len(data)} bytes, the DOL asks for {dol_length(entries)}")
    values: dict[int, bytes] = {}
    pos = 0
    for entry in entries:
        values[entry.tag] = data[pos : pos + entry.length]
        pos += entry.length
    return values


def build_dol_data(entries: list[DolEntry], values: Mapping[int, bytes]) -> bytes:
    """Terminal side: fill a DOL from known values, zeros for unknown ones (EMV Book 3 §5.4).

    Values longer than the DOL asks for are truncated on the right, shorter ones are
    left-padded with zeros: the numeric-field rule, which covers every tag we use.
    """
    out = bytearray()
    for entry in entries:
        value = values.get(entry.tag, b"")
        if len(value) >= entry.length:
            out += value[: entry.length]
        else:
            out += bytes(entry.length - len(value)) + value
    return bytes(out)
