"""Contents of the debit application's files: directory entries, FCIs and AFL records.

Layout (issuer choice, docs/pboc.md): SFI 1 record 1 holds the track 2 data and the name,
SFI 2 records 1-2 hold the PAN, dates, risk-management data and the DOLs, SFI 11 is the
cyclic transaction log. SFIs start at 1 and are contiguous because some EMV tools
(`emvtool info`) read record 1 of SFI 1, 2, ... until the first error.
"""

import datetime as dt
from dataclasses import dataclass

from card_os.codecs import encode_cn
from card_os.pboc.dol import encode_dol
from card_os.pboc.profile import UNIONPAY_DEBIT_AID, PbocProfile
from card_os.pboc.tags import Tag
from card_os.tlv import tlv as _tlv


def tlv(tag: int, *parts: bytes) -> bytes:
    """One BER-TLV whose value is the parts concatenated."""
    return _tlv(tag, b"".join(parts))


PAN_SFI = 2
TRACK_SFI = 1
DIRECTORY_SFI = 1  # the PSE directory file, under the PSE DDF


@dataclass(frozen=True)
class Cardholder:
    """The personal data the debit application carries."""

    pan: str
    name: str
    expiry: dt.date
    effective: dt.date


def yymmdd(day: dt.date) -> bytes:
    """EMV date format n6 YYMMDD (5F24, 5F25, 9A)."""
    return bytes.fromhex(day.strftime("%y%m%d"))


def encode_pan(pan: str) -> bytes:
    """5A: cn, F-padded to whole bytes (EMV Book 3 Annex A; card-spec §4 "BCD, F-padded")."""
    return encode_cn(pan, (len(pan) + 1) // 2)


def track2_equivalent(pan: str, expiry: dt.date, service_code: str, discretionary: str) -> bytes:
    """57: PAN 'D' YYMM service code discretionary data, F-padded (EMV Book 3 Annex A)."""
    text = f"{pan}D{expiry:%y%m}{service_code}{discretionary}"
    if len(text) % 2:
        text += "F"
    return bytes.fromhex(text)


def cardholder_name(name: str) -> bytes:
    """5F20: ASCII names verbatim; Chinese names in GBK as Chinese issuers write them
    (issuer choice, docs/pboc.md), cut to the 26 bytes EMV allows on a character boundary."""
    raw = name.encode("gbk")
    while len(raw) > 26:
        name = name[:-1]
        raw = name.encode("gbk")
    return raw


def afl(profile: PbocProfile) -> bytes:
    """94: SFI 1 record 1, SFI 2 records 1-2; none used for offline data authentication."""
    del profile  # same layout for every profile today; kept for future per-issuer layouts
    return bytes([TRACK_SFI << 3, 1, 1, 0, PAN_SFI << 3, 1, 2, 0])


def afl_records(
    holder: Cardholder, profile: PbocProfile, *, app_version: bytes, discretionary: str
) -> dict[int, list[bytes]]:
    """Records per SFI, each a 70 template, in AFL order."""
    sfi1 = tlv(
        Tag.RECORD_TEMPLATE,
        tlv(
            Tag.TRACK2,
            track2_equivalent(holder.pan, holder.expiry, profile.service_code, discretionary),
        ),
        tlv(Tag.CARDHOLDER_NAME, cardholder_name(holder.name)),
        tlv(Tag.TRACK1_DISCRETIONARY, discretionary.encode("ascii")),
    )
    sfi2_rec1 = tlv(
        Tag.RECORD_TEMPLATE,
        tlv(Tag.PAN, encode_pan(holder.pan)),
        tlv(Tag.EXPIRY, yymmdd(holder.expiry)),
        tlv(Tag.EFFECTIVE, yymmdd(holder.effective)),
        tlv(Tag.ISSUER_COUNTRY, bytes.fromhex(profile.country)),
        tlv(Tag.PAN_SEQUENCE, bytes.fromhex(f"{profile.pan_sequence:02d}")),
        tlv(Tag.SERVICE_CODE, bytes.fromhex("0" + profile.service_code)),
        tlv(Tag.AUC, profile.auc),
        tlv(Tag.IAC_DEFAULT, profile.iac_default),
        tlv(Tag.IAC_DENIAL, profile.iac_denial),
        tlv(Tag.IAC_ONLINE, profile.iac_online),
        tlv(Tag.CVM_LIST, profile.cvm_list),
    )
    sfi2_rec2 = tlv(
        Tag.RECORD_TEMPLATE,
        tlv(Tag.CDOL1, encode_dol(list(profile.cdol1))),
        tlv(Tag.CDOL2, encode_dol(list(profile.cdol2))),
        tlv(Tag.APP_VERSION, app_version),
        tlv(Tag.APP_CURRENCY, bytes.fromhex(profile.currency)),
        tlv(Tag.APP_CURRENCY_EXPONENT, bytes([profile.currency_exponent])),
        tlv(Tag.LOWER_OFFLINE_LIMIT, bytes([profile.lower_offline_limit])),
        tlv(Tag.UPPER_OFFLINE_LIMIT, bytes([profile.upper_offline_limit])),
    )
    return {TRACK_SFI: [sfi1], PAN_SFI: [sfi2_rec1, sfi2_rec2]}


def directory_entry(profile: PbocProfile) -> bytes:
    """61: one application in a PSE record or the PPSE FCI (EMV Book 1 §12.2.3)."""
    return tlv(
        Tag.DIRECTORY_ENTRY,
        tlv(Tag.AID, UNIONPAY_DEBIT_AID),
        tlv(Tag.APPLICATION_LABEL, profile.label.encode("ascii")),
        tlv(Tag.APPLICATION_PRIORITY, bytes([profile.priority])),
    )


def pse_directory_record(profile: PbocProfile) -> bytes:
    """Record 1 of the PSE directory file: 70 holding the debit application's entry."""
    return tlv(Tag.RECORD_TEMPLATE, directory_entry(profile))


def pse_fci_proprietary(profile: PbocProfile) -> bytes:
    """Content of A5 in the PSE FCI: SFI of the directory file, language preference."""
    return tlv(Tag.SFI_OF_DIRECTORY, bytes([DIRECTORY_SFI])) + tlv(
        Tag.LANGUAGE_PREFERENCE, profile.language.encode("ascii")
    )


def ppse_fci_proprietary(profile: PbocProfile) -> bytes:
    """Content of A5 in the PPSE FCI: BF0C with the directory entries (EMV Book B §3.3)."""
    return tlv(Tag.FCI_ISSUER_DISCRETIONARY, directory_entry(profile))


def adf_fci_proprietary(profile: PbocProfile) -> bytes:
    """Content of A5 in the ADF FCI: label, priority, PDOL, language, BF0C with 9F4D."""

    # Without a PDOL the tag is absent and GPO carries `83 00` (EMV Book 3 §6.5.8.3).
    pdol = tlv(Tag.PDOL, encode_dol(list(profile.pdol))) if profile.pdol else b""
    return b"".join(
        (
            tlv(Tag.APPLICATION_LABEL, profile.label.encode("ascii")),
            tlv(Tag.APPLICATION_PRIORITY, bytes([profile.priority])),
            pdol,
            tlv(Tag.LANGUAGE_PREFERENCE, profile.language.encode("ascii")),
            tlv(
                Tag.FCI_ISSUER_DISCRETIONARY,
                tlv(Tag.LOG_ENTRY, bytes([profile.log_sfi, profile.log_records])),
            ),
        )
    )
