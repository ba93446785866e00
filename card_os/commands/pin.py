"""VERIFY (20), CHANGE REFERENCE DATA (24), RESET RETRY COUNTER (2C).

A PIN's retry counter is decremented and persisted before the comparison and restored
after a match, so a power cut at any point never yields a free try (DESIGN "truths").
"""

from __future__ import annotations

import hmac

from card_os.apdu import Command
from card_os.context import Context
from card_os.security import Pin, decode_pin
from card_os.sw import CardError, counter_sw


def resolve_pin(ctx: Context, p2: int) -> Pin:
    """The PIN named by P2 (b8 global/specific ignored). P2=00 means the PIN with reference
    0 or, when none, the lowest reference of the nearest DF that has PINs (an issuer choice:
    social security terminals send `00 20 00 00`, card-spec §2.1)."""
    ref = p2 & 0x7F
    pin = ctx.df.find_pin(ref)
    if pin is None and ref == 0:
        df = ctx.df
        while df is not None and not df.pins:
            df = df.parent  # type: ignore[assignment]
        if df is not None:
            pin = df.pins[min(df.pins)]
    if pin is None:
        raise CardError(0x6A88)
    return pin


def check_format(pin: Pin, data: bytes) -> str:
    """The PIN value carried by `data`; 6700 for a wrong length, 6A80 for bad characters."""
    value = decode_pin(data, pin.encoding)
    if value is None:
        raise CardError(0x6A80)
    if not pin.acceptable(value):
        raise CardError(0x6700)
    return value


def present(ctx: Context, pin: Pin, data: bytes) -> None:
    """Compare `data` with the PIN: decrement and persist first, restore on a match.

    Raises 6983 when blocked and 63Cx on a mismatch; marks the PIN verified on success.
    """
    tries = pin.tries_left
    if tries <= 0:
        raise CardError(0x6983)
    ctx.nvm.set(pin, "tries_left", tries - 1)
    if hmac.compare_digest(data, pin.encoded):
        ctx.nvm.set(pin, "tries_left", pin.max_tries)
        ctx.security.pins.add(pin)
        return
    ctx.security.pins.discard(pin)
    raise CardError(counter_sw(tries - 1))


def verify(ctx: Context, cmd: Command) -> bytes:
    pin = resolve_pin(ctx, cmd.p2)
    data = cmd.data
    if cmd.p1 == 0xFF:  # ISO/IEC 7816-4:2013: reset the verification status
        if data:
            raise CardError(0x6700)
        ctx.security.pins.discard(pin)
        return b""
    if cmd.p1:
        raise CardError(0x6A86)
    if not data:  # status query: the remaining tries
        if pin.tries_left <= 0:
            raise CardError(0x6983)
        if pin in ctx.security.pins:
            return b""
        raise CardError(counter_sw(pin.tries_left))
    if pin.tries_left <= 0:
        raise CardError(0x6983)
    if data != pin.encoded:
        check_format(pin, data)
    present(ctx, pin, data)
    return b""


def _split(pin: Pin, data: bytes) -> tuple[bytes, bytes]:
    """Split old || new: at an FF separator for BCD PINs (card-spec §2.1), else after the
    length of the current reference data."""
    if pin.encoding == "bcd" and 0xFF in data:
        i = data.index(0xFF)
        return data[:i], data[i + 1 :]
    n = len(pin.encoded)
    return data[:n], data[n:]


def change_reference_data(ctx: Context, cmd: Command) -> bytes:
    pin = resolve_pin(ctx, cmd.p2)
    data = cmd.data
    if not data:
        raise CardError(0x6700)
    if cmd.p1 == 0x00:
        old, new = _split(pin, data)
    elif cmd.p1 == 0x01:
        old, new = b"", data
        if pin not in ctx.security.pins:
            raise CardError(0x6982)
    else:
        raise CardError(0x6A86)
    if not new:
        raise CardError(0x6700)
    if pin.tries_left <= 0:
        raise CardError(0x6983)
    value = check_format(pin, new)
    if old:
        present(ctx, pin, old)
    ctx.nvm.commit(((pin, "value", value), (pin, "tries_left", pin.max_tries)))
    ctx.security.pins.add(pin)
    return b""


def reset_retry_counter(ctx: Context, cmd: Command) -> bytes:
    pin = resolve_pin(ctx, cmd.p2)
    p1, data = cmd.p1, cmd.data
    owner = pin.owner
    assert owner is not None
    if p1 in (0x00, 0x01):
        if pin.puk_ref is None:
            raise CardError(0x6985)
        puk = owner.find_pin(pin.puk_ref)
        if puk is None:
            raise CardError(0x6A88)
        if not data:
            raise CardError(0x6700)
        if p1 == 0x00:
            n = len(puk.encoded)
            code, new = data[:n], data[n:]
            if not new:
                raise CardError(0x6700)
        else:
            code, new = data, b""
        value = check_format(pin, new) if new else None
        present(ctx, puk, code)
    elif p1 in (0x02, 0x03):
        # Unblocking under a key: the command carries a MAC under the PIN's unblock key
        # (CLA 84), or that key was authenticated by EXTERNAL AUTHENTICATE (an issuer choice).
        if pin.unblock_key_ref is None:
            raise CardError(0x6985)
        key = owner.find_key(pin.unblock_key_ref)
        if key is None:
            raise CardError(0x6A88)
        if cmd.mac is not None:
            ctx.verify_mac(cmd, key)
        elif key not in ctx.security.keys:
            raise CardError(0x6982)
        if (p1 == 0x02) is not bool(data):
            raise CardError(0x6700)
        value = check_format(pin, data) if data else None
    else:
        raise CardError(0x6A86)
    writes = [(pin, "tries_left", pin.max_tries)]
    if value is not None:
        writes.append((pin, "value", value))
    ctx.nvm.commit(writes)
    ctx.security.pins.discard(pin)
    return b""
