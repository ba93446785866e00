"""The patient's credential at the HIS counter: the reader's iReadCardBas output or a number.

iReadCardBas output: eleven fields, each followed by '|' (card-spec §3.2). The credential types
are those of the platform (backend-flows §1.3): 01 e-credential, 02 ID card, 03 social security
card (03 needs the card identification code, which the reader output carries).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from backends.core.errors import DomainError
from card_os import codecs

CARD_FIELDS = 11


@dataclass(frozen=True)
class Credential:
    """What the HIS sends to 1101 (`mdtrt_cert_type`, `mdtrt_cert_no`, `card_sn`)."""

    cert_type: str
    cert_no: str
    card_sn: str = ""
    card_no: str | None = None
    expiry: dt.date | None = None  # 卡有效期 read from the chip: the last valid day


def from_reader_output(text: str) -> Credential:
    """A type-03 credential from iReadCardBas output; errors name the wrong field."""
    parts = text.split("|")
    if len(parts) != CARD_FIELDS + 1 or parts[-1] != "":
        raise DomainError("card_info must be the iReadCardBas output: 11 fields, each ending '|'")
    region, certno, card_no, card_sn = parts[0], parts[1], parts[2], parts[3]
    if not (len(region) == 6 and region.isdigit()):
        raise DomainError("card_info field 1 (发卡地区行政区划代码) must be 6 digits")
    if not codecs.is_valid_citizen_id(certno):
        raise DomainError("card_info field 2 (社会保障号码) fails the ID check digit")
    if len(card_no) != 9:
        raise DomainError("card_info field 3 (卡号) must have 9 characters")
    if len(card_sn) != 32 or not card_sn.startswith(region):
        raise DomainError(
            "card_info field 4 (卡识别码) must be 32 characters starting with field 1"
        )
    try:
        expiry = dt.datetime.strptime(parts[8], "%Y%m%d").date()
    except ValueError:
        raise DomainError("card_info field 9 (卡有效期) must be a date YYYYMMDD") from None
    return Credential("03", card_no, card_sn, card_no, expiry)


def from_number(cert_type: str, cert_no: str, card_sn: str = "") -> Credential:
    """A credential typed in when the card is not present (or an e-credential token)."""
    if cert_type not in ("01", "02", "03"):
        raise DomainError("mdtrt_cert_type must be 01, 02 or 03")
    if cert_type == "02" and not codecs.is_valid_citizen_id(cert_no):
        raise DomainError("mdtrt_cert_no is not a valid citizen ID number (check digit)")
    if cert_type == "03" and not card_sn:
        raise DomainError("credential type 03 needs card_sn (backend-flows §1.3)")
    return Credential(cert_type, cert_no, card_sn, cert_no if cert_type == "03" else None)
