"""GET RESPONSE (C0): hand out data a command left pending behind 61xx."""

from __future__ import annotations

from card_os.apdu import Command
from card_os.context import Context
from card_os.sw import CardError


def more(remaining: int) -> bytes:
    """The 61xx status word for `remaining` bytes (6100 for 256 or more)."""
    return bytes((0x61, remaining if remaining < 256 else 0))


def get_response(ctx: Context, cmd: Command, strict_le: bool) -> bytes:
    """The raw response (data + SW) to GET RESPONSE.

    `strict_le` (T=0) answers 6Cxx when Le exceeds the pending data; under T=1 the card
    sends what it has.
    """
    pending = ctx.pending
    if cmd.p1 or cmd.p2:
        raise CardError(0x6A86)
    if cmd.data or cmd.le is None:
        raise CardError(0x6700)
    if pending is None:
        raise CardError(0x6985)
    n = len(pending)
    ne = cmd.le
    if ne < n:
        ctx.pending = pending[ne:]
        return pending[:ne] + more(n - ne)
    if ne > n and strict_le:
        return bytes((0x6C, n))
    ctx.pending = None
    return pending + b"\x90\x00"
