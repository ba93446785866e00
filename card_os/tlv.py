"""BER-TLV (ISO/IEC 7816-4 §5.2, EMV) and the simple TLV records of social security files."""

from __future__ import annotations

from collections.abc import Iterator


def encode_length(n: int) -> bytes:
    """BER length octets for `n`."""
    if n < 0x80:
        return bytes((n,))
    if n < 0x100:
        return bytes((0x81, n))
    if n < 0x10000:
        return bytes((0x82, n >> 8, n & 0xFF))
    if n < 0x1000000:
        return bytes((0x83, n >> 16, (n >> 8) & 0xFF, n & 0xFF))
    raise ValueError(f"length {n} too large for BER-TLV")


def encode_tag(tag: int) -> bytes:
    """Tag octets of `tag` given as an integer (0x6F, 0x9F0C, 0xBF0C ...)."""
    if tag < 0:
        raise ValueError("negative tag")
    return tag.to_bytes(max(1, (tag.bit_length() + 7) // 8), "big")


def tlv(tag: int, value: bytes) -> bytes:
    """One BER-TLV data object."""
    return encode_tag(tag) + encode_length(len(value)) + value


def _read_tag(data: bytes, i: int) -> tuple[int, int]:
    if i >= len(data):
        raise ValueError("truncated tag")
    tag = data[i]
    i += 1
    if tag & 0x1F == 0x1F:
        while True:
            if i >= len(data):
                raise ValueError("truncated multi-byte tag")
            b = data[i]
            tag = tag << 8 | b
            i += 1
            if not b & 0x80:
                break
    return tag, i


def _read_length(data: bytes, i: int) -> tuple[int, int]:
    if i >= len(data):
        raise ValueError("truncated length")
    b = data[i]
    i += 1
    if b < 0x80:
        return b, i
    count = b & 0x7F
    if count == 0 or count > 3 or i + count > len(data):
        raise ValueError("bad length octets")
    return int.from_bytes(data[i : i + count], "big"), i + count


def iter_tlv(data: bytes) -> Iterator[tuple[int, bytes]]:
    """Yield (tag, value) for each BER-TLV object in `data`; ValueError when malformed.

    00 and FF bytes between objects are skipped (ISO/IEC 7816-4 padding).
    """
    i = 0
    n = len(data)
    while i < n:
        if data[i] in (0x00, 0xFF):
            i += 1
            continue
        tag, i = _read_tag(data, i)
        length, i = _read_length(data, i)
        if i + length > n:
            raise ValueError(f"value of tag {tag:X} runs past the end")
        yield tag, data[i : i + length]
        i += length


def decode_tlv(data: bytes) -> list[tuple[int, bytes]]:
    """All (tag, value) pairs of `data` at the top level."""
    return list(iter_tlv(data))


def find_tlv(data: bytes, tag: int) -> bytes | None:
    """The value of the first object with `tag`, searching constructed objects recursively."""
    for t, value in iter_tlv(data):
        if t == tag:
            return value
        first = t >> (8 * ((t.bit_length() - 1) // 8)) if t else 0
        if first & 0x20:  # constructed
            try:
                found = find_tlv(value, tag)
            except ValueError:
                found = None
            if found is not None:
                return found
    return None


def simple_record(tag: int, value: bytes) -> bytes:
    """A social security record: tag (1 byte) || length (1 byte) || value (card-spec §1.2)."""
    if not 0 <= tag <= 0xFF or len(value) > 0xFF:
        raise ValueError("simple TLV needs a 1-byte tag and at most 255 value bytes")
    return bytes((tag, len(value))) + value


def parse_simple_record(record: bytes) -> tuple[int, bytes]:
    """(tag, value) of a simple TLV record; ValueError when the length byte disagrees."""
    if len(record) < 2 or record[1] > len(record) - 2:
        raise ValueError("malformed simple TLV record")
    return record[0], record[2 : 2 + record[1]]
