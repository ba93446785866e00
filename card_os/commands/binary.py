"""READ BINARY (B0) and UPDATE BINARY (D6) on transparent EFs, offset or SFI in P1."""

from __future__ import annotations

from card_os.apdu import Command
from card_os.context import Context
from card_os.fs import EF
from card_os.sw import CardError

#: Life-cycle states in which a file's contents may not be used.
UNUSABLE = ("deactivated", "terminated")


def usable(ef: EF) -> None:
    """Raise 6985 unless the EF is in a state where its contents may be used."""
    if ef.lcs in UNUSABLE:
        raise CardError(0x6985)


def _target(ctx: Context, cmd: Command) -> tuple[EF, int]:
    p1 = cmd.p1
    if p1 & 0x80:
        if p1 & 0x60:
            raise CardError(0x6A86)
        ef = ctx.df.ef_by_sfi.get(p1 & 0x1F)
        if ef is None:
            raise CardError(0x6A82)
        offset = cmd.p2
    else:
        ef = ctx.ef  # type: ignore[assignment]
        if ef is None:
            raise CardError(0x6986)
        offset = p1 << 8 | cmd.p2
    if ef.structure != "transparent":
        raise CardError(0x6981)
    usable(ef)
    return ef, offset


def read_binary(ctx: Context, cmd: Command) -> bytes:
    if cmd.data or cmd.le is None:
        raise CardError(0x6700)
    ef, offset = _target(ctx, cmd)
    ctx.check_access(ef, "read", cmd)
    if offset >= ef.size:
        raise CardError(0x6B00)
    ctx.select_ef(ef)
    return ef.data[offset : offset + cmd.le]


def update_binary(ctx: Context, cmd: Command) -> bytes:
    data = cmd.data
    if not data:
        raise CardError(0x6700)
    ef, offset = _target(ctx, cmd)
    ctx.check_access(ef, "update", cmd)
    if offset > ef.size:
        raise CardError(0x6B00)
    end = offset + len(data)
    if end > ef.size:
        raise CardError(0x6700)
    ctx.nvm.set(ef, "data", ef.data[:offset] + data + ef.data[end:])
    ctx.select_ef(ef)
    return b""
