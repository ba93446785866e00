"""PIN objects, keys, and the per-channel security state."""

from __future__ import annotations

from typing import TYPE_CHECKING

from card_os.types import KeyRef, PinRef

if TYPE_CHECKING:
    from card_os.fs import DF

PIN_ENCODINGS = ("bcd", "ascii", "format2")


def encode_pin(value: str, encoding: str) -> bytes:
    """The bytes a terminal sends in VERIFY for PIN `value`.

    bcd: packed digits, F-padded to whole bytes (card-spec §2.3: 123456 -> 12 34 56);
    ascii: the characters; format2: ISO 9564 format 2 block 2L PPPP..FF (8 bytes).
    """
    if encoding == "bcd":
        digits = value if len(value) % 2 == 0 else value + "F"
        return bytes.fromhex(digits)
    if encoding == "ascii":
        return value.encode("ascii")
    if encoding == "format2":
        block = f"2{len(value):X}{value}".ljust(16, "F")
        return bytes.fromhex(block)
    raise ValueError(f"unknown PIN encoding {encoding!r}")


def decode_pin(data: bytes, encoding: str) -> str | None:
    """The PIN carried by `data` in `encoding`, or None when `data` is not well formed."""
    if encoding == "bcd":
        digits = data.hex().upper()
        if digits.endswith("F"):
            digits = digits[:-1]
        return digits if digits.isdigit() else None
    if encoding == "ascii":
        try:
            text = data.decode("ascii")
        except UnicodeDecodeError:
            return None
        return text if text.isprintable() else None
    if encoding == "format2":
        h = data.hex().upper()
        if len(data) != 8 or h[0] != "2":
            return None
        n = int(h[1], 16)
        digits, fill = h[2 : 2 + n], h[2 + n :]
        return digits if digits.isdigit() and set(fill) <= {"F"} and n >= 1 else None
    return None


class Pin:
    """A PIN object: reference data with its own retry counter and limit (card-spec §2.3).

    `tries_left` and `value` are persistent; write them only through the card's Nvm.
    """

    __slots__ = (
        "_value",
        "encoded",
        "encoding",
        "max_len",
        "max_tries",
        "min_len",
        "owner",
        "puk_ref",
        "ref",
        "tries_left",
        "unblock_key_ref",
    )

    def __init__(
        self,
        ref: PinRef,
        value: str,
        *,
        encoding: str = "bcd",
        min_len: int = 4,
        max_len: int = 16,
        max_tries: int = 3,
        tries_left: int | None = None,
        puk_ref: PinRef | None = None,
        unblock_key_ref: KeyRef | None = None,
    ) -> None:
        self.ref = ref
        self.encoding = encoding
        self.min_len = min_len
        self.max_len = max_len
        self.max_tries = max_tries
        self.tries_left = max_tries if tries_left is None else tries_left
        self.puk_ref = puk_ref
        self.unblock_key_ref = unblock_key_ref
        self.owner: DF | None = None
        self.encoded = b""
        self.value = value

    @property
    def value(self) -> str:
        return self._value

    @value.setter
    def value(self, value: str) -> None:
        # The encoded form is what VERIFY compares against; keep it next to the value.
        self._value = value
        self.encoded = encode_pin(value, self.encoding)

    @property
    def blocked(self) -> bool:
        return self.tries_left <= 0

    def acceptable(self, pin: str) -> bool:
        """True when `pin` satisfies this object's format (length and characters)."""
        if not self.min_len <= len(pin) <= self.max_len:
            return False
        if self.encoding == "format2" and len(pin) > 14:
            return False  # the ISO 9564 format 2 block holds at most 14 digits
        return pin.isdigit() if self.encoding != "ascii" else pin.isprintable()

    def __repr__(self) -> str:  # never shows the value
        return f"Pin(ref={self.ref}, tries_left={self.tries_left}/{self.max_tries})"


class Key:
    """A secret key by reference, with its own retry counter for EXTERNAL AUTHENTICATE."""

    __slots__ = ("algorithm", "max_tries", "owner", "ref", "tries_left", "usage", "value")

    def __init__(
        self,
        ref: KeyRef,
        algorithm: str,
        value: bytes,
        *,
        usage: tuple[str, ...] = (),
        max_tries: int = 15,
        tries_left: int | None = None,
    ) -> None:
        self.ref = ref
        self.algorithm = algorithm
        self.value = value
        self.usage = usage
        self.max_tries = max_tries
        self.tries_left = max_tries if tries_left is None else tries_left
        self.owner: DF | None = None

    @property
    def blocked(self) -> bool:
        return self.tries_left <= 0

    def allows(self, usage: str) -> bool:
        """True when the key may be used for `usage` (an empty usage list allows all)."""
        return not self.usage or usage in self.usage

    def __repr__(self) -> str:  # never shows the value
        return f"Key(ref={self.ref}, algorithm={self.algorithm}, tries_left={self.tries_left})"


class SecurityState:
    """Volatile security status of one logical channel: verified PINs, authenticated keys."""

    __slots__ = ("keys", "pins")

    def __init__(self) -> None:
        self.pins: set[Pin] = set()
        self.keys: set[Key] = set()

    def clear(self) -> None:
        self.pins.clear()
        self.keys.clear()

    def copy(self) -> SecurityState:
        other = SecurityState()
        other.pins = set(self.pins)
        other.keys = set(self.keys)
        return other

    def retain_for(self, df: DF) -> None:
        """Keep only the status of PINs and keys owned by `df` or one of its ancestors.

        This is the card's rule for "security status cleared on application change": moving
        to another application (a DF outside the owner's subtree) forgets what was proved
        inside the old one, while a PIN of the MF stays verified everywhere.
        """
        lineage = df.lineage
        if self.pins:
            self.pins = {p for p in self.pins if p.owner in lineage}
        if self.keys:
            self.keys = {k for k in self.keys if k.owner in lineage}
