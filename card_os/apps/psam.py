"""The virtual PSAM application (AID D156000005 90, card-spec §2.4).

card-spec §2.4 says the real PSAM command class is vendor-specific, so this command set is
our own (CLA 80, documented in docs/card-model.md):

* PSAM INFO ``80 F6 00 00 00`` -> terminal number (6 bytes BCD) ‖ n ‖ n algorithm ids ‖
  flags (bit 1: RKSSSE held).
* DIVERSIFY ``80 1A aa kk 10`` card factor (8) ‖ city factor (8) -> 9000; keeps the card
  key of master key ``kk`` for algorithm ``aa`` for this channel until power-off.
* COMPUTE ``80 FA 00 00 10`` process factor ‖ data (or ``80 FA 00 00 08`` data) -> the
  8-byte cryptogram under the diversified key.

Diversification and cryptograms are card_os.ssse.cardkeys, the same arithmetic as the card.
The terminal number (终端机编号) is also readable in EF 0016 (transparent, SFI 16h).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from card_os import crypto
from card_os.apps.base import Application as _Base
from card_os.ssse import cardkeys
from card_os.sw import CardError

if TYPE_CHECKING:
    from card_os.apdu import Command
    from card_os.context import Context

__all__ = ["ALGORITHMS", "Application"]

ALGORITHMS = {0x01: "3des", 0x03: "sm4"}  # 9F0C identifiers (card-spec §2.1, mapping INF)


class Application(_Base):
    """Proprietary PSAM commands over the master keys in ``app_state["master_keys"]``."""

    _session: tuple[object, str, bytes] | None = None

    def handle(self, ctx: Context, cmd: Command) -> bytes | None:
        if cmd.cla != 0x80:
            return None
        handler = _HANDLERS.get(cmd.ins)
        return None if handler is None else handler(self, ctx, cmd)

    def _info(self, ctx: Context, cmd: Command) -> bytes:
        state = self.df.app_state
        algorithms = sorted(int(a, 16) for a in state.get("master_keys", {}))
        rkssse = f"{state.get('rkssse_key', 0x0A):02X}"
        has_rk = any(rkssse in keys for keys in state.get("master_keys", {}).values())
        terminal = bytes.fromhex(state.get("terminal_number", "000000000000"))
        return terminal + bytes([len(algorithms), *algorithms, 0x01 if has_rk else 0x00])

    def _diversify(self, ctx: Context, cmd: Command) -> bytes:
        if len(cmd.data) != 16:
            raise CardError(0x6700)
        algorithm = ALGORITHMS.get(cmd.p1)
        keys = self.df.app_state.get("master_keys", {}).get(f"{cmd.p1:02X}", {})
        master = keys.get(f"{cmd.p2:02X}")
        if algorithm is None or master is None:
            raise CardError(0x6A88)
        card_key = cardkeys.card_key_from_factors(
            algorithm, bytes.fromhex(master), cmd.data[8:], cmd.data[:8]
        )
        self._session = (ctx, algorithm, card_key)
        return b""

    def _compute(self, ctx: Context, cmd: Command) -> bytes:
        session = self._session
        if session is None or session[0] is not ctx:
            raise CardError(0x6985)  # DIVERSIFY first, on this channel and power cycle
        _, algorithm, key = session
        if len(cmd.data) == 16:
            return cardkeys.auth_cryptogram(algorithm, key, cmd.data[:8], cmd.data[8:])
        if len(cmd.data) == 8:
            return crypto.cryptogram(algorithm, key, cmd.data)
        raise CardError(0x6700)


_HANDLERS: dict[int, Callable[[Application, Context, Command], bytes]] = {
    0xF6: Application._info,
    0x1A: Application._diversify,
    0xFA: Application._compute,
}
