"""The pFileAddr syntax of iReadCard: which file and records to read.

The reference does not give the syntax (card-spec §3.1: "pFileAddr syntax NF"), so this is
our documented choice (docs/reader.md):

    pFileAddr := location "|" { record-id "|" }
    location  := "DDF1" [ "DF0" n ] "EF" hh     DDF1 = SSSE; DF01..DF04 its sub-applications
    record-id := hh                              the record identifier (= TLV tag, card-spec §1.2)

``DDF1EF05|01|07|`` reads 卡识别码 and 卡号; ``DDF1DF04EF05|`` reads every record of EF05
under DF04 (medical). Hex digits may be either case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from emulator.reader.codes import ReaderError

__all__ = ["FileAddress", "parse_file_addr"]

_LOCATION = re.compile(r"DDF1(?:DF0(?P<df>[1-4]))?EF(?P<ef>[0-9A-F]{2})")
_RECORD = re.compile(r"[0-9A-F]{2}")


@dataclass(frozen=True)
class FileAddress:
    """A parsed pFileAddr: optional sub-DF number (1-4), the EF and its record identifiers."""

    df: int | None
    ef: int
    records: tuple[int, ...]  # empty: every record, by record number

    @property
    def sfi(self) -> int:
        """Files are read by SFI = the low five bits of the EF identifier (card-spec §2.1)."""
        return self.ef & 0x1F

    @property
    def df_fid(self) -> int | None:
        return None if self.df is None else 0xDF00 + self.df


def parse_file_addr(text: str) -> FileAddress:
    """Parse ``text``; raises ReaderError(-14) naming what is wrong."""
    parts = text.strip().upper().split("|")
    if len(parts) < 2 or parts[-1] != "":
        raise ReaderError(-14, f"pFileAddr {text!r} 格式错：须以'|'结尾，例如 DDF1EF05|01|07|")
    location = _LOCATION.fullmatch(parts[0])
    if location is None:
        raise ReaderError(-14, f"pFileAddr 位置 {parts[0]!r} 格式错，应为 DDF1[DF0n]EFhh")
    records = parts[1:-1]
    for record in records:
        if _RECORD.fullmatch(record) is None:
            raise ReaderError(-14, f"pFileAddr 记录标识 {record!r} 应为两位十六进制")
    df = location.group("df")
    return FileAddress(
        df=int(df) if df else None,
        ef=0xEF00 | int(location.group("ef"), 16),
        records=tuple(int(record, 16) for record in records),
    )
