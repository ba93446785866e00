"""What a terminal application does around the interface: the HSM fallback (card-spec §2.4).

A terminal calls iReadCardBas; when the answer is one of the fallback codes (no PSAM, PSAM
algorithm unsupported, no RKSSSE, key not found, key level too low) it switches to
iReadCardBas_HSM_Step1, asks its HSM service for pKey and calls iReadCardBas_HSM_Step2.
Works with any TerminalInterface: the reference reader or a native library.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from emulator.reader.codes import HSM_FALLBACK_CODES, ReaderError, Result
from emulator.reader.hsm import HsmService
from emulator.reader.interface import TerminalInterface

__all__ = ["TerminalRead", "needs_hsm", "read_card_bas", "reload_pin"]

#: The HSM's answer to a card before 3.0: no key needed, Step2 takes an empty pKey.
HSM_NOT_REQUIRED = -2204


class TerminalRead(NamedTuple):
    """The final result and the mode that produced it."""

    result: Result
    mode: Literal["psam", "hsm"]


def needs_hsm(code: int) -> bool:
    """Whether a terminal switches to HSM mode after iReadCardBas returned ``code``."""
    return code in HSM_FALLBACK_CODES


def read_card_bas(reader: TerminalInterface, iType: int, hsm: HsmService | None) -> TerminalRead:
    """iReadCardBas, falling back to the HSM two-step the way real terminals do."""
    first = reader.iReadCardBas(iType)
    if not needs_hsm(first.code) or hsm is None:
        return TerminalRead(first, "psam")
    step1 = reader.iReadCardBas_HSM_Step1(iType)
    if not step1.ok:
        return TerminalRead(step1, "hsm")
    try:
        pkey = hsm.read_card_bas_key(step1.text)
    except ReaderError as err:
        if err.code != HSM_NOT_REQUIRED:
            reader.iReadCardBas_HSM_Step2("")  # ends the exchange: the reader powers off
            return TerminalRead(err.result(), "hsm")
        pkey = ""
    return TerminalRead(reader.iReadCardBas_HSM_Step2(pkey), "hsm")


def reload_pin(reader: TerminalInterface, iType: int, card_info: str, hsm: HsmService) -> Result:
    """The three-step HSM PIN reload (docs/reader.md); the new PIN comes from the PIN pad."""
    step1 = reader.iReloadPIN_HSM_Step1(iType, card_info)
    if not step1.ok:
        return step1
    try:
        auth = hsm.reload_pin_auth(step1.text)
    except ReaderError as err:
        reader.iReloadPIN_HSM_Step3("")  # ends the exchange
        return err.result()
    step2 = reader.iReloadPIN_HSM_Step2(auth)
    if not step2.ok:
        return step2
    try:
        command = hsm.reload_pin_command(step2.text)
    except ReaderError as err:
        reader.iReloadPIN_HSM_Step3("")
        return err.result()
    return reader.iReloadPIN_HSM_Step3(command)
