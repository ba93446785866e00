"""ACTIVATE FILE (44) and DEACTIVATE FILE (04) (ISO/IEC 7816-9): change a file's LCS.

P1=00 P2=00 without data addresses the current EF (or the current DF when no EF is
selected); P1=00 with a 2-byte FID addresses a child of the current DF.
"""

from __future__ import annotations

from card_os.apdu import Command
from card_os.context import Context
from card_os.fs import DF, EF
from card_os.sw import CardError


def _target(ctx: Context, cmd: Command) -> DF | EF:
    if cmd.p1 or cmd.p2:
        raise CardError(0x6A86)
    if not cmd.data:
        return ctx.ef if ctx.ef is not None else ctx.df
    if len(cmd.data) != 2:
        raise CardError(0x6A87)
    node = ctx.df.child_by_fid.get(cmd.data[0] << 8 | cmd.data[1])
    if node is None:
        raise CardError(0x6A82)
    return node


def _change(ctx: Context, cmd: Command, op: str, lcs: str) -> bytes:
    node = _target(ctx, cmd)
    if node.lcs == "terminated":
        raise CardError(0x6985)
    ctx.check_access(node, op, cmd)
    if node.lcs != lcs:
        ctx.nvm.set(node, "lcs", lcs)
    return b""


def activate_file(ctx: Context, cmd: Command) -> bytes:
    return _change(ctx, cmd, "activate", "operational")


def deactivate_file(ctx: Context, cmd: Command) -> bytes:
    return _change(ctx, cmd, "deactivate", "deactivated")
