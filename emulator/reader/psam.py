"""The PSAM as the reader sees it: a security module in a second slot (card-spec §2.4).

``PsamModule`` is what the reference reader needs from a PSAM; ``PsamClient`` implements it
over a Transport to the virtual PSAM card (card_os/apps/psam.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = ["CardIdentity", "PsamInfo", "PsamModule"]


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
