"""GET CHALLENGE (84), EXTERNAL AUTHENTICATE (82), INTERNAL AUTHENTICATE (88).

The authentication model is the issuer's (card-spec §2.1, §2.4 give the command forms only);
docs/card-os.md describes it: cryptograms are `crypto.cryptogram` under the key or under a
session key derived from it by an 8-byte process factor.
"""

from __future__ import annotations

import hmac

from card_os import crypto
from card_os.apdu import Command
from card_os.context import Context
from card_os.security import Key
from card_os.sw import CardError, counter_sw

CHALLENGE_SIZES = (4, 8, 16)


def get_challenge(ctx: Context, cmd: Command) -> bytes:
    if cmd.p1 or cmd.p2:
        raise CardError(0x6A86)
    if cmd.data or cmd.le not in CHALLENGE_SIZES:
        raise CardError(0x6700)
    challenge = ctx.rng.randbytes(cmd.le)  # type: ignore[arg-type]
    ctx.challenge = challenge
    return challenge


def _key(ctx: Context, cmd: Command, usage: str) -> Key:
    if cmd.p1:
        raise CardError(0x6A86)
    key = ctx.find_key(cmd.p2 & 0x7F)
    if key is None:
        raise CardError(0x6A88)
    if not key.allows(usage):
        raise CardError(0x6985)
    return key


def external_authenticate(ctx: Context, cmd: Command) -> bytes:
    challenge = ctx.take_challenge()  # valid for this one security command, whatever happens
    key = _key(ctx, cmd, "external_auth")
    data = cmd.data
    if len(data) not in (8, 16):
        raise CardError(0x6700)
    tries = key.tries_left
    if tries <= 0:
        raise CardError(0x6983)
    if challenge is None:
        raise CardError(0x6984)
    ctx.nvm.set(key, "tries_left", tries - 1)  # persisted before comparing, like a PIN
    if len(data) == 8:
        secret, presented = key.value, data
    else:  # process factor F || E_SK(challenge), 3rd-gen form (card-spec §2.4)
        secret = crypto.session_key(key.value, data[:8], key.algorithm)
        presented = data[8:]
    expected = crypto.cryptogram(key.algorithm, secret, challenge)
    if not hmac.compare_digest(expected, presented):
        ctx.security.keys.discard(key)
        raise CardError(counter_sw(tries - 1))
    ctx.nvm.set(key, "tries_left", key.max_tries)
    ctx.security.keys.add(key)
    return b""


def internal_authenticate(ctx: Context, cmd: Command) -> bytes:
    key = _key(ctx, cmd, "internal_auth")
    data = cmd.data
    if len(data) == 8:
        return crypto.cryptogram(key.algorithm, key.value, data)
    if len(data) == 16:  # process factor F || data, card-spec §2.1
        secret = crypto.session_key(key.value, data[:8], key.algorithm)
        return crypto.cryptogram(key.algorithm, secret, data[8:])
    raise CardError(0x6700)
