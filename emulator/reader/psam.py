"""The PSAM as the reader sees it: a security module in a second slot (card-spec §2.4).

``PsamModule`` is what the reference reader needs from a PSAM; ``PsamClient`` implements it
over a Transport to the virtual PSAM card (card_os/apps/psam.py).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from card_os.ssse import cardkeys
from card_os.ssse.profile import KeyIds
from emulator.reader.card_session import CardSession
from emulator.reader.codes import ReaderError

if TYPE_CHECKING:
    from emulator.transport import Transport

__all__ = ["PSAM_AID", "CardIdentity", "PsamClient", "PsamInfo", "PsamModule", "parse_psam_info"]


@dataclass(frozen=True)
class CardIdentity:
    """What a security module diversifies card keys with (card-spec §2.4)."""

    region: str  # 6-digit issuing-area code: the city factor is its ASCII ‖ "sx"
    historical: bytes  # 13 ATR historical bytes: the card factor is the last 8
    card_id: bytes  # 卡识别码, 16 bytes


@dataclass(frozen=True)
class PsamInfo:
    """What the PSAM offers: algorithms, whether it holds RKSSSE, its terminal number."""

    algorithms: frozenset[int]  # 9F0C algorithm identifiers it has keys for
    has_rkssse: bool
    terminal_number: str  # 终端机编号, 12 digits
    device_number: str = ""  # 终端设备号


class PsamModule(Protocol):
    """The PSAM operations of the iReadCardBas flow; failures raise ReaderError."""

    def open(self) -> PsamInfo:
        """Power on and select the PSAM application; -2201 when there is no PSAM."""
        ...

    def internal_auth_result(
        self, algorithm: int, card: CardIdentity, factor: bytes, data: bytes
    ) -> bytes:
        """The 8 bytes a genuine card answers to INTERNAL AUTHENTICATE(factor, data)."""
        ...

    def external_auth_data(self, algorithm: int, card: CardIdentity, challenge: bytes) -> bytes:
        """The 16 bytes of EXTERNAL AUTHENTICATE with RKSSSE: factor ‖ E_SK(challenge)."""
        ...

    def close(self) -> None: ...


#: PSAM application AID (card-spec §2.4: D1 56 00 00 05 90).
PSAM_AID = bytes.fromhex("D15600000590")
#: Commands of the virtual PSAM (card_os/apps/psam.py; the real class is vendor-specific).
PSAM_INFO = bytes.fromhex("80F6000000")
PSAM_DIVERSIFY = bytes.fromhex("801A")
PSAM_COMPUTE = bytes.fromhex("80FA0000")
RKSSSE_FLAG = 0x01


class PsamClient:
    """PsamModule over a Transport to a PSAM card holding the issuer's master keys.

    ``random_bytes`` draws the external-authentication factor (default os.urandom); a seeded
    one makes the APDUs reproducible, as ``ReferenceReader`` allows for its own draws.
    """

    def __init__(
        self,
        transport: Transport,
        key_ids: KeyIds | None = None,
        random_bytes: Callable[[int], bytes] = os.urandom,
    ) -> None:
        self.transport = transport
        self.key_ids = key_ids or KeyIds()
        self.random_bytes = random_bytes
        self._session: CardSession | None = None

    def open(self) -> PsamInfo:
        try:
            self.transport.connect()
        except Exception as exc:  # no PSAM in the slot, whatever the transport says
            raise ReaderError(-2201, f"未插PSAM卡：{type(exc).__name__}") from exc
        session = CardSession(self.transport)
        self._session = session
        try:
            session.select_aid(PSAM_AID)
        except ReaderError as err:
            raise ReaderError(-2201, f"未插PSAM卡：无PSAM应用（{err.message}）") from err
        answer = session.expect_ok(PSAM_INFO)
        return parse_psam_info(answer)

    def _compute(self, algorithm: int, key_ref: int, card: CardIdentity, payload: bytes) -> bytes:
        if self._session is None:
            raise ReaderError(-2201)
        factors = card.historical[-8:] + cardkeys.city_factor(card.region)
        self._session.expect_ok(PSAM_DIVERSIFY + bytes([algorithm, key_ref, 16]) + factors)
        result = self._session.expect_ok(PSAM_COMPUTE + bytes([len(payload)]) + payload + b"\0")
        if len(result) != 8:
            raise ReaderError(-15, f"PSAM计算结果长度{len(result)}，应为8")
        return result

    def internal_auth_result(
        self, algorithm: int, card: CardIdentity, factor: bytes, data: bytes
    ) -> bytes:
        return self._compute(algorithm, self.key_ids.internal_auth, card, factor + data)

    def external_auth_data(self, algorithm: int, card: CardIdentity, challenge: bytes) -> bytes:
        factor = self.random_bytes(8)
        return factor + self._compute(algorithm, self.key_ids.rkssse, card, factor + challenge)

    def close(self) -> None:
        self._session = None
        self.transport.disconnect()


def parse_psam_info(answer: bytes) -> PsamInfo:
    """PSAM INFO: terminal number (6 bytes BCD) ‖ n ‖ n algorithm ids ‖ flags."""
    if len(answer) < 8 or len(answer) != 8 + answer[6]:
        raise ReaderError(-15, f"PSAM信息格式错：{answer.hex().upper()}")
    count = answer[6]
    return PsamInfo(
        algorithms=frozenset(answer[7 : 7 + count]),
        has_rkssse=bool(answer[7 + count] & RKSSSE_FLAG),
        terminal_number=answer[:6].hex().upper(),
    )
