"""Command APDUs (ISO/IEC 7816-4 §5): cases 1-4, short and extended, and CLA decoding."""

from __future__ import annotations

from card_os.sw import CardError


class ClaInfo:
    """What a CLA byte says (ISO/IEC 7816-4 §5.4.1)."""

    __slots__ = ("chaining", "channel", "cla", "interindustry", "iso_ok", "sm")

    def __init__(
        self, cla: int, interindustry: bool, channel: int, sm: bool, chaining: bool
    ) -> None:
        self.cla = cla
        self.interindustry = interindustry
        self.channel = channel
        self.sm = sm
        self.chaining = chaining
        # Interindustry commands (INS A4, B2 ...) are also accepted with the proprietary
        # classes 80-8F, which keep the first-interindustry bit layout (04 -> 84 is the
        # secure-messaging form social security and PBOC cards use, card-spec §2.1).
        self.iso_ok = interindustry or cla & 0xF0 == 0x80

    def __repr__(self) -> str:
        return (
            f"ClaInfo(cla={self.cla:02X}, interindustry={self.interindustry}, "
            f"channel={self.channel}, sm={self.sm}, chaining={self.chaining})"
        )


def _decode_cla(cla: int) -> ClaInfo | None:
    """Decode one CLA byte; None when the class is invalid or RFU."""
    if cla == 0xFF or 0x20 <= cla <= 0x3F:
        return None  # FF is PPS, 001x xxxx is reserved
    if cla < 0x20 or 0x80 <= cla <= 0x8F:
        # First interindustry (and 8x): b5 chaining, b4-b3 SM, b2-b1 channel 0-3.
        return ClaInfo(cla, cla < 0x80, cla & 0x03, bool(cla & 0x0C), bool(cla & 0x10))
    if 0x40 <= cla <= 0x7F:
        # Further interindustry: b6 SM, b5 chaining, b4-b1 channel 4-19.
        return ClaInfo(cla, True, 4 + (cla & 0x0F), bool(cla & 0x20), bool(cla & 0x10))
    # 90-FE: proprietary without the interindustry layout; only applications understand it.
    return ClaInfo(cla, False, 0, False, False)


#: CLA byte -> decoded class (None = invalid, answered 6E00).
CLA_TABLE: tuple[ClaInfo | None, ...] = tuple(_decode_cla(c) for c in range(256))


def decode_cla(cla: int) -> ClaInfo:
    """Decode `cla`, raising CardError(6E00) for an invalid class."""
    info = CLA_TABLE[cla & 0xFF]
    if info is None:
        raise CardError(0x6E00)
    return info


#: Instructions whose data carries PIN material (VERIFY, CHANGE REFERENCE DATA, RESET RETRY
#: COUNTER): masked wherever a command is shown.
PIN_INS = frozenset((0x20, 0x24, 0x2C))


class Command:
    """A parsed command APDU.

    `le` is Ne, the number of response bytes the terminal expects (256 for a short Le of 00,
    65536 for an extended 0000), or None when the Le field is absent. `lc_field` is the Lc
    field exactly as sent (empty, 1 or 3 bytes); secure messaging MACs cover it. When the class
    indicates secure messaging, the dispatcher moves the trailing 4-byte MAC from `data`
    into `mac`.
    """

    __slots__ = (
        "case",
        "cla",
        "cls",
        "data",
        "extended",
        "ins",
        "lc_field",
        "le",
        "mac",
        "p1",
        "p2",
    )

    def __init__(
        self,
        cla: int,
        ins: int,
        p1: int,
        p2: int,
        data: bytes = b"",
        le: int | None = None,
        extended: bool = False,
        case: int = 1,
        lc_field: bytes = b"",
    ) -> None:
        self.cla = cla
        self.ins = ins
        self.p1 = p1
        self.p2 = p2
        self.data = data
        self.le = le
        self.extended = extended
        self.case = case
        self.lc_field = lc_field
        self.cls = CLA_TABLE[cla]
        self.mac: bytes | None = None

    @property
    def header(self) -> bytes:
        return bytes((self.cla, self.ins, self.p1, self.p2))

    def __repr__(self) -> str:
        le = "-" if self.le is None else str(self.le)
        # PIN material never reaches a log through a repr.
        data = "*" * (2 * len(self.data)) if self.ins in PIN_INS else self.data.hex().upper()
        return (
            f"Command({self.cla:02X} {self.ins:02X} {self.p1:02X} {self.p2:02X} "
            f"case={self.case}{'E' if self.extended else 'S'} data={data} le={le})"
        )


def parse_command(raw: bytes) -> Command:
    """Parse `raw` into a Command, raising CardError with 6700, 6E00 or 6D00 when malformed."""
    n = len(raw)
    if n < 4:
        raise CardError(0x6700)
    cla, ins, p1, p2 = raw[0], raw[1], raw[2], raw[3]
    if CLA_TABLE[cla] is None:
        raise CardError(0x6E00)
    if ins & 0xF0 in (0x60, 0x90):
        raise CardError(0x6D00)  # 6X and 9X are status bytes under T=0, never instructions
    if n == 4:
        return Command(cla, ins, p1, p2)
    b = raw[4]
    if n == 5:
        return Command(cla, ins, p1, p2, b"", b or 256, False, 2)
    if b:
        if n == 5 + b:
            return Command(cla, ins, p1, p2, raw[5:], None, False, 3, raw[4:5])
        if n == 6 + b:
            return Command(cla, ins, p1, p2, raw[5:-1], raw[-1] or 256, False, 4, raw[4:5])
        raise CardError(0x6700)
    # Extended length: B1 = 00.
    if n < 7:
        raise CardError(0x6700)
    if n == 7:
        return Command(cla, ins, p1, p2, b"", (raw[5] << 8 | raw[6]) or 65536, True, 2)
    lc = raw[5] << 8 | raw[6]
    if lc == 0:
        raise CardError(0x6700)
    if n == 7 + lc:
        return Command(cla, ins, p1, p2, raw[7:], None, True, 3, raw[4:7])
    if n == 9 + lc:
        le = (raw[-2] << 8 | raw[-1]) or 65536
        return Command(cla, ins, p1, p2, raw[7:-2], le, True, 4, raw[4:7])
    raise CardError(0x6700)


def build_command(
    cla: int, ins: int, p1: int, p2: int, data: bytes = b"", le: int | None = None
) -> bytes:
    """Encode a command APDU (short when it fits, extended otherwise); `le` is Ne."""
    extended = len(data) > 255 or (le is not None and le > 256)
    out = bytearray((cla, ins, p1, p2))
    if extended:
        if data:
            out += bytes((0, len(data) >> 8, len(data) & 0xFF)) + data
        if le is not None:
            if not data:
                out.append(0)
            out += (le & 0xFFFF).to_bytes(2, "big")
    else:
        if data:
            out += bytes((len(data),)) + data
        if le is not None:
            out.append(le & 0xFF)
    return bytes(out)
