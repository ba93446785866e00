"""The per-channel context every command handler and application receives as `ctx`.

One Context lives per open logical channel (it is not rebuilt per APDU). It holds the
channel's selection (current DF, EF and record), its security state, the last challenge and
the pending GET RESPONSE data, and gives access to the card's NVM and injected rng.
"""

from __future__ import annotations

import hmac
import random
from typing import TYPE_CHECKING, Any, NoReturn

from card_os import crypto
from card_os.apdu import Command
from card_os.fs import DF, EF
from card_os.nvm import Nvm
from card_os.security import Key, Pin, SecurityState
from card_os.sw import CardError
from card_os.types import SW, KeyRef, PinRef

if TYPE_CHECKING:
    from card_os.apps.base import Application
    from card_os.card import Card


class Context:
    """State of one logical channel plus the helpers handlers need."""

    __slots__ = (
        "app",
        "card",
        "challenge",
        "df",
        "ef",
        "number",
        "nvm",
        "pending",
        "record",
        "rng",
        "security",
    )

    def __init__(self, card: Card, number: int, df: DF) -> None:
        self.card = card
        self.number = number
        self.nvm: Nvm = card.nvm
        self.rng: random.Random = card.rng
        self.df: DF = df
        self.ef: EF | None = None
        self.record: int | None = None  # index of the current record in ef.records
        self.security = SecurityState()
        self.challenge: bytes | None = None
        self.pending: bytes | None = None  # response data waiting for GET RESPONSE
        self.app: Application | None = card.application_for(df)

    # -- selection -------------------------------------------------------------------------

    def select_df(self, df: DF) -> None:
        """Make `df` the current DF (no current EF); applies the security-state rule."""
        if df is not self.df:
            self.df = df
            self.security.retain_for(df)
            self.app = self.card.application_for(df)
        self.ef = None
        self.record = None

    def select_ef(self, ef: EF) -> None:
        """Make `ef` the current EF and its parent the current DF."""
        parent = ef.parent
        if parent is not None and parent is not self.df:
            self.select_df(parent)
        if ef is not self.ef:
            self.ef = ef
            self.record = None

    # -- security objects ------------------------------------------------------------------

    def find_pin(self, ref: PinRef, df: DF | None = None) -> Pin | None:
        """PIN `ref` of `df` (default: the current DF) or its nearest ancestor."""
        return (df or self.df).find_pin(ref)

    def find_key(self, ref: KeyRef, df: DF | None = None) -> Key | None:
        """Key `ref` of `df` (default: the current DF) or its nearest ancestor."""
        return (df or self.df).find_key(ref)

    def take_challenge(self) -> bytes | None:
        """The last GET CHALLENGE response, consumed (valid for one security command)."""
        challenge, self.challenge = self.challenge, None
        return challenge

    def verify_mac(self, cmd: Command, key: Key | None) -> None:
        """Check the secure-messaging MAC of `cmd` under `key` (docs/card-os.md, "Secure
        messaging"); consumes the challenge. Raises 6A88 (no key), 6985 (key not for "mac"),
        6984 (no challenge), 6987 (no MAC) or 6988 (wrong MAC)."""
        challenge = self.take_challenge()
        if cmd.mac is None:
            raise CardError(0x6987)
        if key is None:
            raise CardError(0x6A88)
        if not key.allows("mac"):
            raise CardError(0x6985)
        if challenge is None:
            raise CardError(0x6984)
        message = cmd.header + cmd.lc_field + cmd.data
        expected = crypto.mac(key.algorithm, key.value, message, challenge)[:4]
        if not hmac.compare_digest(expected, cmd.mac):
            raise CardError(0x6988)

    def check_access(self, node: DF | EF, op: str, cmd: Command) -> None:
        """Raise unless the access rule of `node` for `op` is met by the security state and
        (for a secure-messaging command) a valid MAC under the key the rule names.

        6982 when unmet; 6882 when the command uses secure messaging but the rule names no
        MAC key; 6988 for a wrong MAC.
        """
        rule = node.rules[op]
        if cmd.mac is None:
            if rule.kind == "always":
                return
            mac_ref = None
        else:
            mac_ref = rule.mac_ref
            if mac_ref is None:
                raise CardError(0x6882)
            df = node if isinstance(node, DF) else node.parent
            assert df is not None
            self.verify_mac(cmd, df.find_key(mac_ref))
        df = node if isinstance(node, DF) else node.parent
        assert df is not None
        if not rule.satisfied(df, self.security, mac_ref):
            raise CardError(0x6982)

    # -- persistence and responses ---------------------------------------------------------

    def set_app_state(self, df: DF, state: dict[str, Any]) -> None:
        """Persist a new `app_state` for `df` (one atomic NVM commit). Pass a new dict; never
        mutate the current one in place."""
        self.nvm.set(df, "app_state", state)

    @property
    def protocol(self) -> str:
        return self.card.protocol

    @staticmethod
    def fail(sw: SW, data: bytes = b"") -> NoReturn:
        """End the command with status word `sw`."""
        raise CardError(sw, data)

    @staticmethod
    def reply(data: bytes = b"", sw: SW = 0x9000) -> bytes:
        """The value a handler returns for `data` with `sw`: 9000 returns `data` (the
        dispatcher applies the T=0/T=1 rules); any other SW is raised with its data."""
        if sw != 0x9000:
            raise CardError(sw, data)
        return data
