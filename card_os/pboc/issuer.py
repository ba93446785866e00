"""Issuer-host side of the debit application: verify ARQCs, compute ARPCs, reject replays.

Pure functions over bytes (the bank back-end imports them); `AtcGuard` is the one small
stateful helper, for callers that do not keep replay state themselves.
The cryptography is `card_os.pboc.cryptogram`, the same code the card runs.
"""

import hmac
from dataclasses import dataclass, field

from card_os.pboc.cryptogram import (
    ac_input,
    compute_ac,
    compute_arpc,
    derive_session_key,
    derive_udk,
)
from card_os.pboc.iad import cvr_from_iad


@dataclass(frozen=True)
class CardKeys:
    """The issuer master key for AC of one BIN range and the card it is used for."""

    imk_ac: bytes
    pan: str
    pan_sequence: int
    algorithm: str  # "3des" (gen 2) or "sm4" (gen 3)


def expected_ac(keys: CardKeys, *, dol_data: bytes, aip: bytes, atc: int, iad: bytes) -> bytes:
    """The cryptogram the card must have produced for this data."""
    udk = derive_udk(keys.imk_ac, keys.pan, keys.pan_sequence, keys.algorithm)
    session = derive_session_key(udk, atc, keys.algorithm)
    return compute_ac(session, ac_input(dol_data, aip, atc, cvr_from_iad(iad)), keys.algorithm)


def verify_ac(
    keys: CardKeys, *, dol_data: bytes, aip: bytes, atc: int, iad: bytes, ac: bytes
) -> bool:
    """True when `ac` (ARQC, TC or AAC) is the card's cryptogram over this data.

    `dol_data` is the CDOL1 data of the first GENERATE AC (CDOL2 data for the second),
    `iad` the card's 9F10 from the same response. Malformed input gives False.
    """
    try:
        expected = expected_ac(keys, dol_data=dol_data, aip=aip, atc=atc, iad=iad)
    except ValueError:
        return False
    return hmac.compare_digest(expected, ac)


def arpc(keys: CardKeys, *, atc: int, arqc: bytes, arc: bytes) -> bytes:
    """ARPC method 1 for the authorisation response code `arc` (2 bytes, e.g. b"00")."""
    udk = derive_udk(keys.imk_ac, keys.pan, keys.pan_sequence, keys.algorithm)
    return compute_arpc(derive_session_key(udk, atc, keys.algorithm), arqc, arc, keys.algorithm)


def issuer_authentication_data(keys: CardKeys, *, atc: int, arqc: bytes, arc: bytes) -> bytes:
    """Tag 91 value for the second GENERATE AC: ARPC || ARC (10 bytes)."""
    return arpc(keys, atc=atc, arqc=arqc, arc=arc) + arc


@dataclass
class AtcGuard:
    """Replay protection: per card (PAN, PSN), an online ATC is accepted only once and only
    when greater than every ATC accepted before (EMV Book 2 §8.1: the ATC never repeats).

    The bank keeps one guard (or the same rule in its database); `accept` is the check.
    """

    highest: dict[tuple[str, int], int] = field(default_factory=dict)

    def accept(self, pan: str, pan_sequence: int, atc: int) -> bool:
        """True and remembered when `atc` is new for this card; False for a replay."""
        card = (pan, pan_sequence)
        if atc <= self.highest.get(card, -1):
            return False
        self.highest[card] = atc
        return True
