"""The standard terminal interface as a Python protocol: one target API for every reader.

The conformance harness calls the reference reader and a vendor's native library through
this protocol alike. Each method mirrors a C function of card-spec §3.1 and returns
``Result(code, text)``: the return value and what the C function writes to ``pOutInfo``.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from emulator.reader.codes import Result

__all__ = ["TerminalInterface"]


@runtime_checkable
class TerminalInterface(Protocol):
    """The functions of the standard terminal interface (card-spec §3.1)."""

    description: str

    def iReadCardBas(self, iType: int) -> Result:
        """Basic information: 11 '|'-terminated fields (card-spec §3.2)."""
        ...

    def iReadCardBas_HSM_Step1(self, iType: int) -> Result:
        """HSM mode step 1: the data the HSM needs (card-spec §2.4)."""
        ...

    def iReadCardBas_HSM_Step2(self, pKey: str) -> Result:
        """HSM mode step 2: the HSM's key in, the iReadCardBas string out."""
        ...

    def iVerifyPIN(self, iType: int) -> Result:
        """VERIFY the PIN entered on the PIN pad; -51 with tries left, -52 locked."""
        ...

    def iChangePIN(self, iType: int) -> Result:
        """Old PIN, new PIN twice on the PIN pad, then CHANGE PIN."""
        ...

    def iReloadPIN_HSM_Step1(self, iType: int, pCardInfo: str) -> Result:
        """PIN reload step 1: new PIN twice on the pad, checks 卡识别码|卡号 against the
        card, returns the HSM authentication request (docs/reader.md)."""
        ...

    def iReloadPIN_HSM_Step2(self, pKey: str) -> Result:
        """PIN reload step 2: EXTERNAL AUTHENTICATE with the HSM's answer, returns the HSM
        PIN-block request."""
        ...

    def iReloadPIN_HSM_Step3(self, pKey: str) -> Result:
        """PIN reload step 3: sends the HSM's reload command (PIN block ‖ MAC)."""
        ...

    def iReadCard(self, iType: int, iAuthType: int, pCardInfo: str, pFileAddr: str) -> Result:
        """Generic record read; ``pFileAddr`` syntax in docs/reader.md."""
        ...

    def iReadBankNumber(self, iType: int) -> Result:
        """The bank PAN from the PBOC debit application (card-spec §4)."""
        ...
