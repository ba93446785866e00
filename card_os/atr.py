"""The answer to reset of a social security card (card-spec §5).

The contact ATR is ``3B 6D 00 00`` + 13 historical bytes when only T=0 is offered: T0 = 6D
announces TB1 and TC1 (both 00) and K = 13. T=0 alone needs no TCK (ISO/IEC 7816-3 §8.2.5);
when T=1 is offered too, TD1/TD2 are added and the TCK is appended.

Historical bytes (card-spec §5): T1-T2 chip maker, T3-T5 COS (name, version, capacity),
T6-T7 card maker, T8-TD date + serial. The split of T8-TD into date and serial is not in the
reference; our choice (docs/card-model.md) is T8-T9 = BCD YYMM of manufacture, TA-TD = serial.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AtrError", "Historical", "build_atr", "card_factor", "parse_atr"]

HISTORICAL_LEN = 13


class AtrError(ValueError):
    """Malformed ATR or historical bytes."""


@dataclass(frozen=True)
class Historical:
    """The 13 historical bytes, field by field (card-spec §5)."""

    chip_maker: bytes  # 2 bytes, e.g. 00 81 华大, 00 85 华虹, 00 87 大唐, 00 90 复旦微
    cos: bytes  # 3 bytes: COS name, version, chip capacity, e.g. 54 31 16
    card_maker: bytes  # 2 bytes, e.g. 86 60 东信和平
    made: str  # "YYMM" of manufacture (our choice of T8-T9 layout)
    serial: bytes  # 4 bytes

    def to_bytes(self) -> bytes:
        """The 13 historical bytes."""
        parts = (
            (self.chip_maker, 2, "chip_maker"),
            (self.cos, 3, "cos"),
            (self.card_maker, 2, "card_maker"),
            (self.serial, 4, "serial"),
        )
        for value, size, name in parts:
            if len(value) != size:
                raise AtrError(f"historical field {name} needs {size} bytes, got {len(value)}")
        if len(self.made) != 4 or not self.made.isdigit():
            raise AtrError(f"historical field made needs YYMM digits, got {self.made!r}")
        return self.chip_maker + self.cos + self.card_maker + bytes.fromhex(self.made) + self.serial

    @classmethod
    def from_bytes(cls, data: bytes) -> Historical:
        """Split 13 historical bytes into their fields."""
        if len(data) != HISTORICAL_LEN:
            raise AtrError(f"historical bytes must be {HISTORICAL_LEN} long, got {len(data)}")
        return cls(data[0:2], data[2:5], data[5:7], data[7:9].hex(), data[9:13])


def card_factor(historical: bytes) -> bytes:
    """The PSAM card factor: the last 8 historical bytes (card-spec §2.4)."""
    if len(historical) != HISTORICAL_LEN:
        raise AtrError(f"historical bytes must be {HISTORICAL_LEN} long, got {len(historical)}")
    return historical[-8:]


def build_atr(historical: bytes, offer_t1: bool = False) -> bytes:
    """The contact ATR for ``historical`` bytes; T=0 first, T=1 optional (card-spec §5)."""
    if len(historical) != HISTORICAL_LEN:
        raise AtrError(f"historical bytes must be {HISTORICAL_LEN} long, got {len(historical)}")
    if not offer_t1:
        # TS, T0 (TB1, TC1 present, K=13), TB1 = 00 (no Vpp), TC1 = 00 (no extra guard time).
        return bytes([0x3B, 0x60 | HISTORICAL_LEN, 0x00, 0x00]) + historical
    # TD1 = 80: T=0, TD2 follows; TD2 = 01: T=1, nothing follows. TCK then required.
    body = bytes([0xE0 | HISTORICAL_LEN, 0x00, 0x00, 0x80, 0x01]) + historical
    tck = 0
    for byte in body:
        tck ^= byte
    return bytes([0x3B]) + body + bytes([tck])


def parse_atr(atr: bytes) -> tuple[bytes, list[int]]:
    """Historical bytes and offered protocols of an ATR; checks TCK when one is required."""
    if len(atr) < 2 or atr[0] not in (0x3B, 0x3F):
        raise AtrError("ATR must start with TS 3B or 3F")
    index, y, k = 1, atr[1] >> 4, atr[1] & 0x0F
    protocols: list[int] = []
    while True:
        count = bin(y & 0x0F).count("1")
        td_index = index + count
        index = td_index
        if not y & 0x8:
            break
        if td_index >= len(atr):
            raise AtrError("ATR truncated in interface bytes")
        protocols.append(atr[td_index] & 0x0F)
        y = atr[td_index] >> 4
    historical = atr[index + 1 : index + 1 + k]
    if len(historical) != k:
        raise AtrError("ATR truncated in historical bytes")
    needs_tck = any(p != 0 for p in protocols)
    if needs_tck:
        tail = atr[1 : index + 1 + k + 1]
        if len(tail) != index + k + 1:
            raise AtrError("ATR lacks its TCK")
        check = 0
        for byte in tail:
            check ^= byte
        if check:
            raise AtrError("ATR TCK is wrong")
    return historical, protocols or [0]
