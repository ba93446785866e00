"""MANAGE CHANNEL (70): open and close logical channels (ISO/IEC 7816-4 §11.1.2)."""

from __future__ import annotations

from card_os.apdu import Command
from card_os.context import Context
from card_os.sw import CardError


def manage_channel(ctx: Context, cmd: Command) -> bytes:
    if cmd.data:
        raise CardError(0x6700)
    card = ctx.card
    p1, p2 = cmd.p1, cmd.p2
    if p1 == 0x00:
        if p2 == 0x00:
            number = card.free_channel()
            if number is None:
                raise CardError(0x6A81)
            card.open_channel(number, ctx)
            return bytes((number,))
        if p2 >= card.channel_count:
            raise CardError(0x6881)
        if card.channel(p2) is not None:
            raise CardError(0x6985)
        card.open_channel(p2, ctx)
        return b""
    if p1 == 0x80:
        number = p2 or ctx.number
        if number == 0:
            raise CardError(0x6A86)  # the basic channel is never closed
        if number >= card.channel_count or card.channel(number) is None:
            raise CardError(0x6881)
        card.close_channel(number)
        return b""
    raise CardError(0x6A86)
