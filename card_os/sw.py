"""Status words: one table of meanings, and `CardError`, the one exception handlers raise."""

from __future__ import annotations

from card_os.types import SW

OK: SW = 0x9000

#: Every status word the card OS produces, with its ISO/IEC 7816-4 meaning (card-spec §2.2).
MEANINGS: dict[SW, str] = {
    0x9000: "normal processing",
    0x6200: "warning: state of non-volatile memory unchanged",
    0x6281: "warning: part of returned data may be corrupted",
    0x6282: "warning: end of file or record reached before reading Ne bytes",
    0x6283: "warning: selected file deactivated",
    0x6285: "warning: selected file in termination state",
    0x6581: "memory failure",
    0x6700: "wrong length",
    0x6881: "logical channel not supported",
    0x6882: "secure messaging not supported",
    0x6884: "command chaining not supported",
    0x6981: "command incompatible with file structure",
    0x6982: "security status not satisfied",
    0x6983: "authentication method blocked",
    0x6984: "reference data not usable (no valid challenge)",
    0x6985: "conditions of use not satisfied",
    0x6986: "command not allowed (no current EF)",
    0x6987: "expected secure messaging data objects missing",
    0x6988: "incorrect secure messaging data objects (MAC wrong)",
    0x6A80: "incorrect parameters in the data field",
    0x6A81: "function not supported",
    0x6A82: "file or application not found",
    0x6A83: "record not found",
    0x6A84: "not enough memory space in the file",
    0x6A86: "incorrect parameters P1-P2",
    0x6A87: "Nc inconsistent with parameters P1-P2",
    0x6A88: "referenced data or reference data not found",
    0x6B00: "wrong parameters P1-P2 (offset outside the EF)",
    0x6D00: "instruction code not supported or invalid",
    0x6E00: "class not supported",
    0x6F00: "no precise diagnosis",
    0x9303: "application permanently locked",
}

#: Families where SW2 carries a count: SW1 -> meaning template (SW2 = n, 00 meaning 256).
FAMILIES: dict[int, str] = {
    0x61: "{n} response bytes still available (GET RESPONSE)",
    0x6C: "wrong Le field; {n} bytes available",
}


def describe(sw: SW) -> str:
    """The meaning of `sw`, including the 61xx, 6Cxx and 63Cx families."""
    meaning = MEANINGS.get(sw)
    if meaning is not None:
        return meaning
    sw1, sw2 = sw >> 8, sw & 0xFF
    if sw1 in FAMILIES:
        return FAMILIES[sw1].format(n=sw2 or 256)
    if sw1 == 0x63 and sw2 & 0xF0 == 0xC0:
        return f"verification failed, {sw2 & 0x0F} tries left"
    return "unknown status word"


def is_valid_sw(sw: SW) -> bool:
    """True when `sw` is one the card may legitimately send (in the table or a known family)."""
    sw1, sw2 = sw >> 8, sw & 0xFF
    return sw in MEANINGS or sw1 in FAMILIES or (sw1 == 0x63 and sw2 & 0xF0 == 0xC0)


def counter_sw(tries_left: int) -> SW:
    """63Cx for a failed verification with `tries_left` remaining (x capped at 15)."""
    return 0x63C0 | min(tries_left, 15)


class CardError(Exception):
    """A command ends with status word `sw` (and, for warnings, response `data`)."""

    __slots__ = ("data", "sw")

    def __init__(self, sw: SW, data: bytes = b"") -> None:
        super().__init__(sw)
        self.sw = sw
        self.data = data

    def __str__(self) -> str:
        return f"{self.sw:04X} ({describe(self.sw)})"
