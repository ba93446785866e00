"""The SSSE application: what the social security DDF does beyond ISO/IEC 7816-4.

(INTERNAL/EXTERNAL AUTHENTICATE with process factors are the card OS's, card_os.commands.auth.)
* Per-record read rules from ``app_state["record_acl"]``: on 3.0 cards EF05 records 05/06
  need RKSSSE (card-spec §2.4); by record number and by identifier (card-spec §2.1).
* CHANGE PIN, data oldPIN ‖ FF ‖ newPIN (card-spec §2.1); header from the issuer profile,
  default ``80 5E 01 00`` (PBOC's, not verified for SSSE: an issuer choice).
* PIN reload ``84 24 00 01 14`` + 16-byte enciphered PIN block + MAC under the reload key
  (card-spec §2.1, §2.4), after EXTERNAL AUTHENTICATE with that key.
* APPLICATION BLOCK ``84 1E 00 00 04 MAC`` under the issuer write key (PBOC form; our
  choice); a locked application answers 9303 to everything but SELECT (card-spec §2.2).

The cryptograms are those of card_os.ssse.cardkeys (documented in docs/card-model.md).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import TYPE_CHECKING

from card_os.access import parse_rule
from card_os.apps.base import Application as _Base
from card_os.security import Key, Pin
from card_os.ssse import cardkeys
from card_os.sw import CardError, counter_sw

if TYPE_CHECKING:
    from card_os.apdu import Command
    from card_os.context import Context
    from card_os.fs import EF

__all__ = ["Application"]

_SELECT = 0xA4
_READ_RECORD = 0xB2


class Application(_Base):
    """Behaviour of the SSSE DDF (AID 7378312E73682EC9E7BBE1B1A3D5CF, card-spec §1.1)."""

    def handle(self, ctx: Context, cmd: Command) -> bytes | None:
        state = self.df.app_state
        if cmd.ins == _SELECT:
            return None
        if state.get("locked"):
            raise CardError(0x9303)  # application permanently locked (card-spec §2.2)
        header = cmd.header
        if header.hex().upper() == state.get("pin_change_header", "805E0100"):
            return self._change_pin(ctx, cmd)
        handler = _HANDLERS.get((cmd.cla, cmd.ins))
        if handler is None:
            return None
        return handler(self, ctx, cmd)

    def _key(self, ctx: Context, ref: int) -> Key:
        key = ctx.find_key(ref)
        if key is None:
            raise CardError(0x6A88)
        return key

    # -- per-record read rules -------------------------------------------------------------

    def _read_record(self, ctx: Context, cmd: Command) -> None:
        sfi = cmd.p2 >> 3
        ef: EF | None = ctx.df.ef_by_sfi.get(sfi) if sfi else ctx.ef
        if ef is None or ef.fid is None:
            return None
        rules = self.df.app_state.get("record_acl", {}).get(f"{ef.fid:04X}")
        if not rules:
            return None
        current = ctx.record if ctx.ef is ef else None
        for number in sorted(_touched(ef, current, cmd.p1, cmd.p2 & 0x07)):
            rule = rules.get(str(number))
            if rule and not parse_rule(rule).satisfied(ef.parent, ctx.security, None):
                raise CardError(0x6982)
        return None  # the ISO handler reads the record

    # -- PIN management --------------------------------------------------------------------

    def _pin(self, ctx: Context) -> Pin:
        pin = ctx.find_pin(self.df.app_state.get("pin_ref", 1))
        if pin is None:
            raise CardError(0x6A88)
        return pin

    def _change_pin(self, ctx: Context, cmd: Command) -> bytes:
        old_raw, sep, new_raw = cmd.data.partition(b"\xff")
        old, new = _bcd_pin(old_raw), _bcd_pin(new_raw)
        if not sep or old is None or new is None:
            raise CardError(0x6A80)
        pin = self._pin(ctx)
        if pin.blocked:
            raise CardError(0x6983)
        ctx.nvm.set(pin, "tries_left", pin.tries_left - 1)
        if not hmac.compare_digest(old.encode(), pin.value.encode()):
            raise CardError(0x6983 if pin.tries_left <= 0 else counter_sw(pin.tries_left))
        if not pin.acceptable(new):
            ctx.nvm.set(pin, "tries_left", pin.max_tries)
            raise CardError(0x6A80)
        ctx.nvm.commit([(pin, "value", new), (pin, "tries_left", pin.max_tries)])
        ctx.security.pins.add(pin)
        return b""

    def _reload_pin(self, ctx: Context, cmd: Command) -> bytes:
        key = self._key(ctx, self.df.app_state.get("pin_reload_key", 0x06))
        if key not in ctx.security.keys:
            raise CardError(0x6982)
        if cmd.p1 != 0x00 or len(cmd.data) != 16:
            raise CardError(0x6A86 if cmd.p1 else 0x6700)
        ctx.verify_mac(cmd, key)
        try:
            new = cardkeys.decrypt_pin_block(key.algorithm, key.value, cmd.data)
        except ValueError:
            raise CardError(0x6A80) from None
        pin = ctx.find_pin(cmd.p2)
        if pin is None:
            raise CardError(0x6A88)
        if not pin.acceptable(new):
            raise CardError(0x6A80)
        ctx.nvm.commit([(pin, "value", new), (pin, "tries_left", pin.max_tries)])
        return b""

    def _block(self, ctx: Context, cmd: Command) -> bytes:
        key = self._key(ctx, self.df.app_state.get("issuer_write_key", 0x04))
        ctx.verify_mac(cmd, key)
        ctx.set_app_state(self.df, {**self.df.app_state, "locked": True})
        return b""


def _touched(ef: EF, current: int | None, p1: int, mode: int) -> set[int]:
    """1-based numbers of the records a READ RECORD may return (card-spec §2.1 addressing).

    Conservative for "next"/"previous" with identifier 00: every record.
    """
    n = len(ef.records)
    everything = set(range(1, n + 1))
    if mode == 0x04:
        return {p1} if p1 else ({current + 1} if current is not None else set())
    if mode in (0x05, 0x06):  # P1 to last, last to P1
        return set(range(p1 or 1, n + 1))
    if p1 == 0:  # first / last / next / previous record of any identifier
        return {0x00: {1}, 0x01: {n}}.get(mode, everything)
    return {i for i, record in enumerate(ef.records, start=1) if record and record[0] == p1}


def _bcd_pin(raw: bytes) -> str | None:
    digits = raw.hex().upper()
    if digits.endswith("F"):
        digits = digits[:-1]
    return digits if digits.isdigit() and 4 <= len(digits) <= 16 else None


_HANDLERS: dict[tuple[int, int], Callable[[Application, Context, Command], bytes | None]] = {
    (0x00, _READ_RECORD): Application._read_record,
    (0x84, 0x24): Application._reload_pin,
    (0x84, 0x1E): Application._block,
}
