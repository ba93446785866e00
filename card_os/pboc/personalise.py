"""Personalisation of the PBOC debit part: MF child nodes in the card-image format.

`build_pboc_nodes` returns the PSE DDF `1PAY.SYS.DDF01`, on gen 3 cards the PPSE
`2PAY.SYS.DDF01`, and the UnionPay debit ADF A000000333010101 (card-spec §1.1, §4).
The ADF carries the card's keys (UDKs derived here from the issuer master keys), the bank
PIN (separate from the SSSE PIN, card-spec §4), the AFL records and the transaction log.
"""

import datetime as dt
import hashlib
import random
from typing import Any

from card_os.pboc.cryptogram import derive_udk
from card_os.pboc.dol import encode_dol
from card_os.pboc.pan import validate_pan
from card_os.pboc.profile import PPSE_NAME, PSE_NAME, UNIONPAY_DEBIT_AID, PbocProfile
from card_os.pboc.records import (
    DIRECTORY_SFI,
    Cardholder,
    adf_fci_proprietary,
    afl,
    afl_records,
    ppse_fci_proprietary,
    pse_directory_record,
    pse_fci_proprietary,
)

KEY_USAGES = ("ac", "mac", "enc")
#: Key references of the card keys in the ADF (issuer choice, docs/pboc.md).
KEY_REFS = {"ac": 0x01, "mac": 0x02, "enc": 0x03}
#: Reference of the bank PIN: VERIFY P2 = 80 means "plaintext PIN" (EMV Book 3 §6.5.12).
BANK_PIN_REF = 0x80
DEFAULT_BANK_PIN = "123456"  # issuer choice for test cards; real banks let the holder set it


class PersonalisationError(ValueError):
    """An input to personalisation is unacceptable; the message names the field."""


def algorithm_for(generation: int) -> str:
    """3DES on gen 2, SM4 on gen 3 (card-spec §2.4, issue 3)."""
    algorithms = {2: "3des", 3: "sm4"}
    if generation not in algorithms:
        raise PersonalisationError(f"generation must be 2 or 3, got {generation!r}")
    return algorithms[generation]


def default_test_keys(generation: int) -> dict[str, Any]:
    """Fixed, public test issuer master keys (AC, MAC, ENC) and the default bank PIN.

    Derived from a label so they are reproducible and distinct; never use them for money.
    """
    algorithm = algorithm_for(generation)
    keys: dict[str, Any] = {
        usage: hashlib.sha256(f"sscard test IMK {usage} {algorithm}".encode()).digest()[:16]
        for usage in KEY_USAGES
    }
    keys["pin"] = DEFAULT_BANK_PIN
    return keys


def _check_keys(keys: dict[str, Any]) -> None:
    for usage in KEY_USAGES:
        value = keys.get(usage)
        if not isinstance(value, bytes) or len(value) != 16:
            raise PersonalisationError(f"keys[{usage!r}] must be a 16-byte issuer master key")
    pin = keys.get("pin")
    if not isinstance(pin, str) or not pin.isdigit() or not 4 <= len(pin) <= 12:
        raise PersonalisationError("keys['pin'] must be a bank PIN of 4-12 digits")


def _records_ef(sfi: int, records: list[bytes]) -> dict[str, Any]:
    return {
        "kind": "EF",
        "structure": "linear_variable",
        "sfi": sfi,
        "record_size": max(len(r) for r in records),
        "max_records": len(records),
        "acl": {"read": "always", "update": "never"},
        "records": [r.hex().upper() for r in records],
    }


def _pse_node(profile: PbocProfile) -> dict[str, Any]:
    return {
        "kind": "DDF",
        "name": PSE_NAME.hex().upper(),
        "fci_proprietary": pse_fci_proprietary(profile).hex().upper(),
        "children": [_records_ef(DIRECTORY_SFI, [pse_directory_record(profile)])],
    }


def _ppse_node(profile: PbocProfile) -> dict[str, Any]:
    return {
        "kind": "DDF",
        "name": PPSE_NAME.hex().upper(),
        "fci_proprietary": ppse_fci_proprietary(profile).hex().upper(),
        "children": [],
    }


def app_config(profile: PbocProfile, algorithm: str) -> dict[str, Any]:
    """The static part of the ADF's app_state: what the card needs to run transactions."""
    return {
        "algorithm": algorithm,
        "aip": profile.aip.hex().upper(),
        "afl": afl(profile).hex().upper(),
        "pdol": encode_dol(list(profile.pdol)).hex().upper(),
        "cdol1": encode_dol(list(profile.cdol1)).hex().upper(),
        "cdol2": encode_dol(list(profile.cdol2)).hex().upper(),
        "log_format": encode_dol(list(profile.log_format)).hex().upper(),
        "log_sfi": profile.log_sfi,
        "gpo_format": profile.gpo_format,
        "genac_format": profile.genac_format,
        "lower_offline_limit": profile.lower_offline_limit,
        "upper_offline_limit": profile.upper_offline_limit,
        "dki": profile.dki,
        "cvn": profile.cvn,
        "pin_ref": BANK_PIN_REF,
        "ac_key_ref": KEY_REFS["ac"],
    }


def build_pboc_nodes(
    *,
    pan: str,
    name: str,
    expiry: dt.date,
    effective: dt.date,
    generation: int,
    contactless: bool,
    keys: dict,
    seed: int,
    profile: PbocProfile | None = None,
) -> list[dict]:
    """MF children for the debit application: PSE, (gen 3 contactless) PPSE, ADF."""
    profile = profile or PbocProfile()
    algorithm = algorithm_for(generation)
    try:
        validate_pan(pan)
    except ValueError as exc:
        raise PersonalisationError(f"pan: {exc}") from None
    if not isinstance(name, str) or not name.strip():
        raise PersonalisationError("name must be a non-empty string")
    if effective > expiry:
        raise PersonalisationError("effective date must not be after the expiry date")
    _check_keys(keys)
    rng = random.Random(seed)
    # Track 1/2 discretionary data: PIN verification value and CVV positions hold digits
    # only the issuer could check; ours are random digits (issuer choice).
    discretionary = "".join(str(rng.randrange(10)) for _ in range(8))
    holder = Cardholder(pan=pan, name=name, expiry=expiry, effective=effective)
    app_version = bytes.fromhex("0030" if generation == 3 else "0020")
    records = afl_records(holder, profile, app_version=app_version, discretionary=discretionary)
    children: list[dict[str, Any]] = [_records_ef(sfi, recs) for sfi, recs in records.items()]
    children.append(
        {
            "kind": "EF",
            "structure": "cyclic",
            "sfi": profile.log_sfi,
            "record_size": profile.log_record_size,
            "max_records": profile.log_records,
            "acl": {"read": "always", "update": "never"},
            "records": [],
        }
    )
    adf = {
        "kind": "ADF",
        "name": UNIONPAY_DEBIT_AID.hex().upper(),
        "app": "pboc",
        "fci_proprietary": adf_fci_proprietary(profile).hex().upper(),
        "pins": [
            {
                "ref": BANK_PIN_REF,
                "value": keys["pin"],
                "encoding": "format2",
                "min_len": 4,
                "max_len": 12,
                "max_tries": profile.pin_tries,
                "tries_left": profile.pin_tries,
            }
        ],
        "keys": [
            {
                "ref": KEY_REFS[usage],
                "algorithm": algorithm,
                "usage": [usage],
                "value": derive_udk(keys[usage], pan, profile.pan_sequence, algorithm)
                .hex()
                .upper(),
            }
            for usage in KEY_USAGES
        ],
        "app_state": {
            "config": app_config(profile, algorithm),
            "pan": pan,
            "pan_sequence": profile.pan_sequence,
            "atc": 0,
            "last_online_atc": 0,
            "online_pending": False,
        },
        "children": children,
    }
    nodes = [_pse_node(profile)]
    if generation == 3 and contactless:
        nodes.append(_ppse_node(profile))
    nodes.append(adf)
    return nodes
