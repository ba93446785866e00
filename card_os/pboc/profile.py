"""Issuer choices of the PBOC debit application, with their documented defaults.

card-spec §4 fixes only the AID, the PSE name and the PAN in tag 5A; every other value here
is an issuer choice (docs/pboc.md lists each with its reason). Defaults follow what PBOC 2.0/3.0
debit cards commonly carry (EMV Book 3 Annex A; PBOC 3.0 Part 5).
"""

from dataclasses import dataclass

from card_os.pboc.dol import DolEntry, dol_length
from card_os.pboc.tags import Tag

UNIONPAY_DEBIT_AID = bytes.fromhex("A000000333010101")  # card-spec §4
PSE_NAME = b"1PAY.SYS.DDF01"  # card-spec §1.1, §4
PPSE_NAME = b"2PAY.SYS.DDF01"  # EMV Book B (contactless), gen 3 only (issue 3)

# PDOL: VLP support indicator, amount authorised, transaction currency: 9 bytes of data,
# the `83 09` a social-security reader sends with currency 0156 (card-spec §4, [S7]).
DEFAULT_PDOL = (
    DolEntry(Tag.VLP_SUPPORT_INDICATOR, 1),
    DolEntry(Tag.AMOUNT_AUTHORISED, 6),
    DolEntry(Tag.TXN_CURRENCY, 2),
)

# CDOL1: the EMV recommended minimum set for the AC (EMV Book 2 §8.1.1) plus time and
# merchant name, which the transaction log needs (9F4F below).
DEFAULT_CDOL1 = (
    DolEntry(Tag.AMOUNT_AUTHORISED, 6),
    DolEntry(Tag.AMOUNT_OTHER, 6),
    DolEntry(Tag.TERMINAL_COUNTRY, 2),
    DolEntry(Tag.TVR, 5),
    DolEntry(Tag.TXN_CURRENCY, 2),
    DolEntry(Tag.TXN_DATE, 3),
    DolEntry(Tag.TXN_TYPE, 1),
    DolEntry(Tag.UNPREDICTABLE_NUMBER, 4),
    DolEntry(Tag.TXN_TIME, 3),
    DolEntry(Tag.MERCHANT_NAME, 20),
)

# CDOL2: issuer authentication data (ARPC || ARC) first, so the card checks the ARPC inside
# the second GENERATE AC (EMV Book 3 §10.9), then ARC, TVR and a fresh unpredictable number.
DEFAULT_CDOL2 = (
    DolEntry(Tag.ISSUER_AUTH_DATA, 10),
    DolEntry(Tag.AUTH_RESPONSE_CODE, 2),
    DolEntry(Tag.TVR, 5),
    DolEntry(Tag.UNPREDICTABLE_NUMBER, 4),
)

# Transaction log format 9F4F (PBOC 3.0 Part 5 transaction log); each record is the
# concatenated values, 45 bytes.
DEFAULT_LOG_FORMAT = (
    DolEntry(Tag.TXN_DATE, 3),
    DolEntry(Tag.TXN_TIME, 3),
    DolEntry(Tag.AMOUNT_AUTHORISED, 6),
    DolEntry(Tag.AMOUNT_OTHER, 6),
    DolEntry(Tag.TERMINAL_COUNTRY, 2),
    DolEntry(Tag.TXN_CURRENCY, 2),
    DolEntry(Tag.MERCHANT_NAME, 20),
    DolEntry(Tag.TXN_TYPE, 1),
    DolEntry(Tag.ATC, 2),
)

GPO_FORMATS = (1, 2)


@dataclass(frozen=True)
class PbocProfile:
    """Issuer choices for the debit application; every field has a documented default."""

    label: str = "PBOC DEBIT"
    priority: int = 1
    language: str = "zh"
    # AIP: cardholder verification and terminal risk management supported. No offline data
    # authentication (no certificates are personalised) and the "issuer authentication"
    # bit off: issuer authentication runs inside the second GENERATE AC (91 in CDOL2), as in
    # EMV Common Core Definitions, so terminals send no EXTERNAL AUTHENTICATE.
    aip: bytes = bytes.fromhex("1800")
    gpo_format: int = 1
    genac_format: int = 1
    pdol: tuple[DolEntry, ...] = DEFAULT_PDOL
    cdol1: tuple[DolEntry, ...] = DEFAULT_CDOL1
    cdol2: tuple[DolEntry, ...] = DEFAULT_CDOL2
    log_format: tuple[DolEntry, ...] = DEFAULT_LOG_FORMAT
    log_sfi: int = 11
    log_records: int = 10
    country: str = "0156"
    currency: str = "0156"
    currency_exponent: int = 2
    service_code: str = "620"  # national (domestic) interchange, IC, online auth (card-spec §4)
    pan_sequence: int = 1
    auc: bytes = bytes.fromhex("FF00")
    iac_default: bytes = bytes.fromhex("D84000A800")
    iac_denial: bytes = bytes.fromhex("0010000000")
    iac_online: bytes = bytes.fromhex("D84004F800")
    # CVM list: online PIN, else offline plaintext PIN, else signature, else no CVM; each
    # "if terminal supports the CVM" and "apply succeeding rule if this one fails".
    cvm_list: bytes = bytes.fromhex("0000000000000000420341035E031F03")
    lower_offline_limit: int = 0  # 9F14: 0 = every TC request goes online (debit, card-spec §4)
    upper_offline_limit: int = 0  # 9F23
    pin_tries: int = 3  # bank PIN, separate from the SSSE PIN (card-spec §2.3, §4)
    dki: int = 1  # derivation key index in 9F10
    cvn: int = 1  # cryptogram version number in 9F10

    def __post_init__(self) -> None:
        checks = {
            "label": 1 <= len(self.label) <= 16 and self.label.isascii(),
            "priority": 1 <= self.priority <= 15,
            "gpo_format": self.gpo_format in GPO_FORMATS,
            "genac_format": self.genac_format in GPO_FORMATS,
            "aip": len(self.aip) == 2,
            "log_sfi": 1 <= self.log_sfi <= 30,
            "log_records": 1 <= self.log_records <= 254,
            "pin_tries": 1 <= self.pin_tries <= 15,
            "service_code": len(self.service_code) == 3 and self.service_code.isdigit(),
            "pan_sequence": 0 <= self.pan_sequence <= 99,
            "cdol2": any(e.tag == Tag.ISSUER_AUTH_DATA for e in self.cdol2),
            "upper_offline_limit": 0 <= self.lower_offline_limit <= self.upper_offline_limit,
        }
        for field_name, ok in checks.items():
            if not ok:
                raise ValueError(f"PBOC profile field {field_name!r} has an unacceptable value")

    @property
    def log_record_size(self) -> int:
        return dol_length(list(self.log_format))
