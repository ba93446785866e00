"""READ RECORD (B2), UPDATE RECORD (DC), APPEND RECORD (E2) on record EFs.

P1 is a record number or a record identifier; P2 b8-b4 is the SFI (0 = current EF) and
b3-b1 the mode: 100 record P1, 101 P1 to last, 110 last to P1 (READ only), 000/001/010/011
first/last/next/previous record whose identifier is P1. The identifier of a record is its
first byte, i.e. the tag of the social security simple TLV records (card-spec §1.2, §2.1:
`00 B2 05 28` reads the record tagged 05 of SFI 5).
"""

from __future__ import annotations

from card_os.apdu import Command
from card_os.commands.binary import UNUSABLE
from card_os.context import Context
from card_os.fs import EF
from card_os.sw import CardError


def _target(ctx: Context, p2: int) -> EF:
    sfi = p2 >> 3
    if sfi == 0:
        ef = ctx.ef
        if ef is None:
            raise CardError(0x6986)
    elif sfi == 0x1F:
        raise CardError(0x6A86)
    else:
        ef = ctx.df.ef_by_sfi.get(sfi)  # type: ignore[assignment]
        if ef is None:
            raise CardError(0x6A82)
    if ef.structure == "transparent":
        raise CardError(0x6981)
    if ef.lcs in UNUSABLE:
        raise CardError(0x6985)
    return ef


def _current(ctx: Context, ef: EF) -> int | None:
    return ctx.record if ctx.ef is ef else None


def _by_number(ctx: Context, ef: EF, p1: int) -> int:
    if p1 == 0xFF:
        raise CardError(0x6A86)
    index = _current(ctx, ef) if p1 == 0 else p1 - 1
    if index is None or index >= len(ef.records):
        raise CardError(0x6A83)
    return index


def _by_identifier(ctx: Context, ef: EF, ident: int, mode: int) -> int:
    """Index of the first/last/next/previous record with identifier `ident` (00 = any)."""
    records = ef.records
    n = len(records)
    current = _current(ctx, ef)
    if mode == 0:
        order = range(n)
    elif mode == 1:
        order = range(n - 1, -1, -1)
    elif mode == 2:
        order = range(0 if current is None else current + 1, n)
    else:
        order = range(n - 1 if current is None else current - 1, -1, -1)
    for i in order:
        if ident == 0 or records[i][0] == ident:
            return i
    raise CardError(0x6A83)


def read_record(ctx: Context, cmd: Command) -> bytes:
    if cmd.data or cmd.le is None:
        raise CardError(0x6700)
    p1, p2 = cmd.p1, cmd.p2
    mode = p2 & 0x07
    if mode == 0x07:
        raise CardError(0x6A86)
    ef = _target(ctx, p2)
    ctx.check_access(ef, "read", cmd)
    records = ef.records
    if mode == 0x04:
        index = _by_number(ctx, ef, p1)
        out = records[index]
    elif mode & 0x04:  # 101: P1 to last, 110: last to P1
        first = _by_number(ctx, ef, p1)
        chosen = records[first:] if mode == 0x05 else records[first:][::-1]
        out = b"".join(chosen)
        index = len(records) - 1 if mode == 0x05 else first
    else:
        index = _by_identifier(ctx, ef, p1, mode)
        out = records[index]
    ctx.select_ef(ef)
    ctx.record = index
    return out


def _check_size(ef: EF, data: bytes) -> None:
    if ef.structure == "linear_variable":
        if not 1 <= len(data) <= ef.record_size:
            raise CardError(0x6700)
    elif len(data) != ef.record_size:
        raise CardError(0x6700)


def update_record(ctx: Context, cmd: Command) -> bytes:
    data = cmd.data
    if not data:
        raise CardError(0x6700)
    p1, p2 = cmd.p1, cmd.p2
    mode = p2 & 0x07
    if mode > 0x04:
        raise CardError(0x6A86)
    ef = _target(ctx, p2)
    if ef.structure == "cyclic" and not (mode == 0x03 and p1 == 0):
        raise CardError(0x6A86)  # cyclic EFs are written as "previous" (ISO 7816-4 §11.4.4)
    ctx.check_access(ef, "update", cmd)
    _check_size(ef, data)
    records = ef.records
    if ef.structure == "cyclic":
        new = (data, *records[: ef.max_records - 1])
        index = 0
    else:
        index = _by_number(ctx, ef, p1) if mode == 0x04 else _by_identifier(ctx, ef, p1, mode)
        new = (*records[:index], data, *records[index + 1 :])
    ctx.nvm.set(ef, "records", new)
    ctx.select_ef(ef)
    ctx.record = index
    return b""


def append_record(ctx: Context, cmd: Command) -> bytes:
    data = cmd.data
    if not data:
        raise CardError(0x6700)
    if cmd.p1 or cmd.p2 & 0x07:
        raise CardError(0x6A86)
    ef = _target(ctx, cmd.p2)
    ctx.check_access(ef, "append", cmd)
    _check_size(ef, data)
    records = ef.records
    if ef.structure == "cyclic":
        new = (data, *records[: ef.max_records - 1])
        index = 0
    else:
        if len(records) >= ef.max_records:
            raise CardError(0x6A84)
        new = (*records, data)
        index = len(records)
    ctx.nvm.set(ef, "records", new)
    ctx.select_ef(ef)
    ctx.record = index
    return b""
