"""Primary account numbers: UnionPay 62-prefixed, Luhn check digit (ISO/IEC 7812-1).

card-spec §4: the financial application carries a Luhn-valid PAN in tag 5A. The BIN of a
real card belongs to its issuing bank; ours is a documented issuer choice (see docs/pboc.md).
"""

import random

from card_os.codecs import luhn_check_digit, luhn_valid

DEFAULT_BIN = "623456"  # issuer choice: a 62-prefixed UnionPay-range BIN, not a real bank's
# Issuer choice: 16 digits. An odd-length PAN is F-padded in 5A (EMV), which emvtool 1.0.14
# cannot render (docs/pboc.md); 17-19 digits remain available through `length`.
DEFAULT_LENGTH = 16


class PanError(ValueError):
    """A PAN or PAN parameter is not acceptable."""


def generate_pan(seed: int, *, length: int = DEFAULT_LENGTH, bin_prefix: str = DEFAULT_BIN) -> str:
    """A 62-prefixed, Luhn-valid PAN of 16-19 digits, the same for the same seed."""
    if not 16 <= length <= 19:
        raise PanError(f"PAN length must be 16-19 digits, got {length}")
    if not bin_prefix.isdigit() or not bin_prefix.startswith("62"):
        raise PanError(f"UnionPay BIN must be digits starting with 62, got {bin_prefix!r}")
    if len(bin_prefix) >= length - 1:
        raise PanError(f"BIN {bin_prefix!r} leaves no room for an account number")
    rng = random.Random(seed)
    body = bin_prefix + "".join(str(rng.randrange(10)) for _ in range(length - 1 - len(bin_prefix)))
    return body + luhn_check_digit(body)


def validate_pan(pan: str) -> str:
    """Return pan when it is a 16-19 digit, 62-prefixed, Luhn-valid PAN; raise otherwise."""
    if not pan.isdigit() or not 16 <= len(pan) <= 19:
        raise PanError(f"PAN must be 16-19 digits, got {len(pan)} characters")
    if not pan.startswith("62"):
        raise PanError("PAN must start with the UnionPay prefix 62")
    if not luhn_valid(pan):
        raise PanError("PAN fails the Luhn check")
    return pan
