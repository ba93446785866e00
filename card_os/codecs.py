"""Field encodings of the social security card files, each with its decoder.

Formats follow card-spec §1.2: ``cn`` is packed BCD, left-aligned and right-padded with
nibble F; ``an`` is left-aligned and right-padded with 0x00; names are GBK (card-spec §1.4).
"""

from __future__ import annotations

import datetime as _dt

__all__ = [
    "CodecError",
    "card_number_check_char",
    "citizen_id_check_digit",
    "decode_an",
    "decode_cn",
    "decode_date",
    "decode_ethnic",
    "decode_gbk",
    "decode_region",
    "encode_an",
    "encode_cn",
    "encode_date",
    "encode_ethnic",
    "encode_gbk",
    "encode_region",
    "is_valid_card_number",
    "is_valid_citizen_id",
    "luhn_check_digit",
    "luhn_valid",
    "make_card_number",
    "split_name",
]


class CodecError(ValueError):
    """A value cannot be encoded or decoded in the requested format."""


# --- cn: packed BCD, F-padded (card-spec §1.2) --------------------------------------------


def encode_cn(digits: str, length: int) -> bytes:
    """Packed BCD of ``digits`` in ``length`` bytes, right-padded with nibble F."""
    if digits and (not digits.isascii() or not digits.isdigit()):
        raise CodecError(f"cn field needs decimal digits, got {digits!r}")
    if len(digits) > 2 * length:
        raise CodecError(f"cn field of {length} bytes holds at most {2 * length} digits")
    return bytes.fromhex(digits.ljust(2 * length, "F"))


def decode_cn(data: bytes) -> str:
    """Digits of a packed BCD field; trailing F nibbles are padding."""
    text = data.hex().upper().rstrip("F")
    if not text.isdigit() and text:
        raise CodecError(f"cn field {data.hex().upper()} holds non-decimal nibbles")
    return text


# --- an: ASCII, 0x00-padded (card-spec §1.2) ------------------------------------------------


def encode_an(text: str, length: int) -> bytes:
    """ASCII ``text`` left-aligned in ``length`` bytes, right-padded with 0x00."""
    if not text.isascii() or "\x00" in text:
        raise CodecError(f"an field needs printable ASCII, got {text!r}")
    raw = text.encode("ascii")
    if len(raw) > length:
        raise CodecError(f"an field of {length} bytes cannot hold {len(raw)} characters")
    return raw.ljust(length, b"\x00")


def decode_an(data: bytes) -> str:
    """Text of an ``an`` field with its 0x00 padding removed."""
    try:
        return data.rstrip(b"\x00").decode("ascii")
    except UnicodeDecodeError as exc:
        raise CodecError(f"an field {data.hex().upper()} is not ASCII") from exc


# --- GBK names (card-spec §1.4: 姓名 30 bytes, 姓名扩展 20 bytes) ---------------------------


def _gbk(text: str) -> bytes:
    try:
        return text.encode("gbk")
    except UnicodeEncodeError as exc:
        bad = text[exc.start : exc.end]
        raise CodecError(
            f"character {bad!r} (U+{ord(bad[0]):04X}) has no GBK encoding; "
            "the card stores names in GBK (card-spec §1.4)"
        ) from exc


def encode_gbk(text: str, length: int, pad: int = 0x00) -> bytes:
    """GBK ``text`` left-aligned in ``length`` bytes, right-padded with ``pad``."""
    raw = _gbk(text)
    if len(raw) > length:
        raise CodecError(f"GBK field of {length} bytes cannot hold {len(raw)} bytes of {text!r}")
    return raw + bytes([pad]) * (length - len(raw))


def decode_gbk(data: bytes, pad: int = 0x00) -> str:
    """Text of a GBK field with trailing ``pad`` bytes (and 0x00, 0xFF padding) removed."""
    body = data.rstrip(bytes([pad])).rstrip(b"\x00\xff")
    try:
        return body.decode("gbk")
    except UnicodeDecodeError as exc:
        raise CodecError(f"GBK field {data.hex().upper()} is not valid GBK") from exc


def split_name(name: str, name_len: int = 30, ext_len: int = 20) -> tuple[str, str]:
    """Split a full name into 姓名 and 姓名扩展 parts on a character boundary.

    The interface returns 姓名 ‖ 姓名扩展 as the full name (card-spec §1.4 notes), so the
    first part takes as many whole characters as fit in ``name_len`` GBK bytes.
    """
    used = 0
    cut = len(name)
    for index, char in enumerate(name):
        size = len(_gbk(char))
        if used + size > name_len:
            cut = index
            break
        used += size
    head, tail = name[:cut], name[cut:]
    if len(_gbk(tail)) > ext_len:
        raise CodecError(
            f"name of {len(_gbk(name))} GBK bytes exceeds 姓名 ({name_len}) + 姓名扩展 ({ext_len})"
        )
    return head, tail


# --- dates and region codes (card-spec §1.3, §1.4) -----------------------------------------


def encode_date(day: _dt.date) -> bytes:
    """A date as 4-byte BCD YYYYMMDD."""
    return encode_cn(day.strftime("%Y%m%d"), 4)


def decode_date(data: bytes) -> _dt.date:
    """The date of a 4-byte BCD YYYYMMDD field."""
    digits = decode_cn(data)
    try:
        return _dt.datetime.strptime(digits, "%Y%m%d").date()
    except ValueError as exc:
        raise CodecError(f"date field {data.hex().upper()} is not YYYYMMDD") from exc


def encode_region(code: str) -> bytes:
    """A 6-digit administrative region code (GB/T 2260) as 3-byte cn."""
    if len(code) != 6:
        raise CodecError(f"region code needs 6 digits, got {code!r}")
    return encode_cn(code, 3)


def decode_region(data: bytes) -> str:
    """The 6-digit region code of a 3-byte cn field."""
    code = decode_cn(data)
    if len(code) != 6:
        raise CodecError(f"region field {data.hex().upper()} does not hold 6 digits")
    return code


def encode_ethnic(code: int) -> bytes:
    """A GB 3304 two-digit ethnic code held as one BCD byte (card-spec §1.4: 0x01 for 01)."""
    if not 1 <= code <= 99:
        raise CodecError(f"ethnic code must be 01-99, got {code}")
    return encode_cn(f"{code:02d}", 1)


def decode_ethnic(data: bytes) -> int:
    """The ethnic code of a one-byte BCD field."""
    digits = decode_cn(data)
    if len(digits) != 2:
        raise CodecError(f"ethnic field {data.hex().upper()} is not two BCD digits")
    return int(digits)


# --- check characters ----------------------------------------------------------------------

_CARD_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def card_number_check_char(body: str) -> str:
    """Check character of an 8-character card-number body (card-spec §1.5)."""
    if len(body) != 8 or any(c not in _ALNUM for c in body):
        raise CodecError(f"card-number body needs 8 digits or upper-case letters, got {body!r}")
    total = sum(_ALNUM.index(c) * w for c, w in zip(body, _CARD_WEIGHTS, strict=True))
    r = 11 - total % 11
    return {10: "X", 11: "0"}.get(r, str(r))


def make_card_number(body: str) -> str:
    """The 9-character card number: body plus its check character."""
    return body + card_number_check_char(body)


def is_valid_card_number(number: str) -> bool:
    """Whether a 9-character card number carries the right check character."""
    try:
        return len(number) == 9 and card_number_check_char(number[:8]) == number[8]
    except CodecError:
        return False


def luhn_check_digit(digits: str) -> str:
    """The Luhn digit to append to ``digits`` (PANs)."""
    if not digits.isascii() or not digits.isdigit():
        raise CodecError(f"Luhn needs decimal digits, got {digits!r}")
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str(-total % 10)


def luhn_valid(number: str) -> bool:
    """Whether ``number`` ends with its Luhn digit."""
    try:
        return len(number) >= 2 and luhn_check_digit(number[:-1]) == number[-1]
    except CodecError:
        return False


_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_ID_CHECK = "10X98765432"


def citizen_id_check_digit(first17: str) -> str:
    """GB 11643 check character of the first 17 digits of a citizen ID number."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise CodecError(f"citizen ID body needs 17 digits, got {len(first17)} characters")
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def is_valid_citizen_id(number: str) -> bool:
    """Whether an 18-character citizen ID number carries the right check character."""
    try:
        return len(number) == 18 and citizen_id_check_digit(number[:17]) == number[17]
    except CodecError:
        return False
