"""A small BER-TLV reader for the suites (ISO/IEC 8825-1 tag and length rules), kept apart
from card_os.tlv so the tester does not share the parser of the implementation under test."""

from __future__ import annotations


class BerError(ValueError):
    """Bytes that are not well-formed BER-TLV; the message says where."""


def parse(data: bytes) -> list[tuple[int, bytes]]:
    """The top-level (tag, value) pairs of `data`."""
    out: list[tuple[int, bytes]] = []
    i = 0
    while i < len(data):
        if data[i] in (0x00, 0xFF):  # padding between objects
            i += 1
            continue
        tag = data[i]
        i += 1
        if tag & 0x1F == 0x1F:
            while True:
                if i >= len(data):
                    raise BerError("tag runs past the end")
                tag = tag << 8 | data[i]
                i += 1
                if not data[i - 1] & 0x80:
                    break
        if i >= len(data):
            raise BerError(f"tag {tag:X} has no length")
        length = data[i]
        i += 1
        if length & 0x80:
            count = length & 0x7F
            length = int.from_bytes(data[i : i + count], "big")
            i += count
        if i + length > len(data):
            raise BerError(f"tag {tag:X} runs past the end")
        out.append((tag, data[i : i + length]))
        i += length
    return out


def find(data: bytes, *path: int) -> bytes | None:
    """The value at `path` (outermost tag first), or None."""
    for tag in path:
        try:
            found = [v for t, v in parse(data) if t == tag]
        except BerError:
            return None
        if not found:
            return None
        data = found[0]
    return data


def dol(raw: bytes) -> list[tuple[int, int]]:
    """(tag, length) entries of a data object list."""
    out: list[tuple[int, int]] = []
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
    """DOL data: each value right-aligned and cut to its length, zeros where none is given."""
    return b"".join(values.get(t, bytes(n)).rjust(n, b"\0")[-n:] for t, n in entries)
