"""Personalisation: cardholder data + issuer profile + seed -> card image (docs/internals.md).

The tree is that of card-spec §1.1: MF, the SSSE DDF with EF05/EF06 (SFI 5/6, TLV records,
card-spec §1.2-§1.4), EF0D on 3rd-gen cards, DF01-DF04 (AIDs D156000005 00..03, card-spec
§1.6) and, on formal cards, the PBOC nodes built by card_os.pboc.personalise (card-spec §4).
Deterministic: the same inputs give the same image; nothing reads the clock.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from card_os import codecs
from card_os.atr import Historical, build_atr, card_factor
from card_os.ssse import cardkeys
from card_os.ssse.layouts import EF0D, EF05, EF06, DfLayout, EfLayout, encode_value
from card_os.ssse.profile import IssuerProfile

__all__ = [
    "DDF_FID",
    "RID",
    "SSSE_AID",
    "CardKind",
    "CardState",
    "Holder",
    "Personalisation",
    "PersonaliseError",
    "build_card_image",
    "card_id_bytes",
]

# card-spec §1.1: "sx1.sh." + GBK "社会保障".
SSSE_AID = bytes.fromhex("7378312E73682EC9E7BBE1B1A3D5CF")
RID = bytes.fromhex("D156000005")  # national IC-card RID (card-spec §1.1)
DDF_FID = 0xDDF1  # FID of the SSSE DDF: not in the reference, our choice
PIN_REF = 1  # reference of the SSSE PIN: our choice

CardKind = Literal["formal", "temporary"]
CardState = Literal["active", "app_locked", "pin_blocked"]


class PersonaliseError(ValueError):
    """Cardholder data that cannot go on a card; the message names the field."""


class Holder(Protocol):
    """What personalisation reads of a cardholder (emulator.population.Cardholder fits)."""

    name: str
    citizen_id: str
    sex: str
    ethnic: int
    birth_date: dt.date
    birth_region: str
    card_number: str
    pan: str
    phone: str
    address: str


@dataclass(frozen=True)
class Personalisation:
    """The per-card inputs besides the holder and the profile."""

    region: str  # issuing area, GB/T 2260 (卡识别码 prefix, city factor)
    seed: int
    issued: dt.date
    kind: CardKind = "formal"
    state: CardState = "active"


def card_id_bytes(region: str, card_bytes: bytes) -> bytes:
    """卡识别码: 3-byte BCD area code ‖ D156000005 ‖ 8 card bytes (card-spec §1.3)."""
    if len(card_bytes) != 8:
        raise PersonaliseError(f"卡识别码 needs 8 card bytes, got {len(card_bytes)}")
    return codecs.encode_region(region) + RID + card_bytes


def card_expiry(issued: dt.date, years: int) -> dt.date:
    """卡有效期 of a formal card: the last day it is valid, the day before the ``years``-th
    anniversary of ``issued`` (card-spec §1.3, EF05 tag 06: issue 20211203, expiry 20311202).

    The bureau records the same date (backends/bureau), so chip and record agree; a card is
    expired from the day after. A card issued on 29 February has its anniversary on 1 March
    (valid up to 28 February). One rule for both sides: docs/http-api.md, "Card validity".
    """
    try:
        anniversary = issued.replace(year=issued.year + years)
    except ValueError:  # 29 February in a common year
        anniversary = dt.date(issued.year + years, 3, 1)
    return anniversary - dt.timedelta(days=1)


def _records(layout: EfLayout, values: dict[str, Any], pad: int) -> list[str]:
    out = []
    for field in layout.records:
        try:
            value = encode_value(field, values.get(field.name), pad)
        except (codecs.CodecError, ValueError, TypeError) as exc:
            raise PersonaliseError(f"{layout.name}/{field.name}: {exc}") from None
        out.append((bytes([field.tag, field.length]) + value).hex().upper())
    return out


def _ef_node(layout: EfLayout, values: dict[str, Any], acl: dict[str, str], pad: int = 0) -> dict:
    return {
        "kind": "EF",
        "structure": "linear_variable",
        "fid": f"{layout.fid:04X}",
        "sfi": layout.sfi,
        "max_records": len(layout.records),
        "record_size": max(2 + f.length for f in layout.records),
        "lcs": "operational",
        "acl": acl,
        "records": _records(layout, values, pad),
    }


def _read_rule(base: str, guarded: bool) -> str:
    pin = f"pin:{PIN_REF}"
    if not guarded:
        return base
    return pin if base == "always" else f"{base}&{pin}"


def _write_rule(key: int) -> str:
    # Writes need key authentication and a MAC (card-spec §2.1 update record, §2.4).
    return f"key:{key}&mac:{key}"


def _holder_values(holder: Holder, profile: IssuerProfile) -> dict[str, Any]:
    try:
        name, ext = codecs.split_name(holder.name)
    except codecs.CodecError as exc:
        raise PersonaliseError(f"姓名: {exc}") from None
    if not codecs.is_valid_citizen_id(holder.citizen_id):
        raise PersonaliseError("社会保障号码 fails the GB 11643 check digit")
    values: dict[str, Any] = {
        "社会保障号码": holder.citizen_id,
        "姓名": name,
        "性别": holder.sex,
        "民族": holder.ethnic,
        "出生地": holder.birth_region,
        "出生日期": holder.birth_date,
    }
    if profile.generation == 3 or profile.name_ext_on_gen2:
        values["姓名扩展"] = ext
    elif ext:
        raise PersonaliseError("姓名 needs 姓名扩展 but the profile omits it on 2nd-gen cards")
    return values


def _df_values(holder: Holder, p: Personalisation) -> dict[str, Any]:
    # Values for the issuer-chosen DF01-DF04 layouts; fields not listed stay padding.
    return {
        "户籍所在地": holder.birth_region,
        "户籍地址": holder.address,
        "常住地址": holder.address,
        "联系电话": holder.phone,
        "国籍": "CHN",
        "医保参保地": p.region,
        "医疗人员类别": "11",
        "医保参保日期": p.issued,
        "养老参保地": p.region,
    }


def _df_node(layout: DfLayout, values: dict[str, Any], read: str, write: str) -> dict:
    return {
        "kind": "DF",
        "fid": f"{layout.fid:04X}",
        "name": (RID + bytes([layout.aid_suffix])).hex().upper(),
        "lcs": "operational",
        "acl": {"create": "never", "delete": "never"},
        "pins": [],
        "keys": [],
        "app": None,
        "app_state": {},
        "children": [_ef_node(ef, values, {"read": read, "update": write}) for ef in layout.efs],
    }


def _keys(profile: IssuerProfile, region: str, factor: bytes) -> list[dict]:
    ids = profile.key_ids
    usages = {
        "internal_auth": ["internal_auth"],
        "rkssse": ["external_auth"],
        "issuer_write": ["external_auth", "mac"],
        "holder_write": ["external_auth", "mac"],
        "pin_reload": ["external_auth", "mac"],
    }
    out = []
    for name, usage in usages.items():
        key = cardkeys.card_key(profile.cipher, profile.master_key(name), region, factor)
        out.append(
            {
                "ref": getattr(ids, name),
                "algorithm": profile.cipher,
                "usage": usage,
                "value": key.hex().upper(),
                "max_tries": 15,
                "tries_left": 15,
            }
        )
    return out


def build_card_image(holder: Holder, profile: IssuerProfile, p: Personalisation) -> dict:
    """The card image of ``holder`` under ``profile`` (docs/internals.md format)."""
    if not codecs.is_valid_card_number(holder.card_number):
        raise PersonaliseError(f"卡号 {holder.card_number!r} fails its check character (§1.5)")
    rng = random.Random(p.seed)
    serial = rng.randbytes(4)
    historical = Historical(
        chip_maker=bytes.fromhex(
            profile.atr.chip_maker or ("0081" if profile.generation == 2 else "008C")
        ),
        cos=bytes.fromhex(profile.atr.cos),
        card_maker=bytes.fromhex(profile.atr.card_maker),
        made=p.issued.strftime("%y%m"),
        serial=serial,
    ).to_bytes()
    factor = card_factor(historical)
    # 8 card bytes of 卡识别码: the ATR serial then 4 random bytes (our choice; the spec
    # sample's card bytes begin with its ATR's last 4 bytes, card-spec §3.2 sample).
    card_bytes = serial + rng.randbytes(4)
    if p.kind == "temporary":
        expiry = p.issued + dt.timedelta(days=profile.temporary_validity_days)
    else:
        expiry = card_expiry(p.issued, profile.formal_validity_years)
    ids = profile.key_ids
    gen3 = profile.generation == 3
    guards = set(profile.pin.guards)
    ef05_values = {
        "卡识别码": card_id_bytes(p.region, card_bytes),
        "卡类别": profile.card_category,
        "规范版本": profile.spec_version,
        "初始化机构编号": profile.init_institution,
        "发卡日期": p.issued,
        "卡有效期": expiry,
        "卡号": holder.card_number,
    }
    # card-spec §2.4: on 3.0 cards EF06 (and EF05 records 05/06, enforced per record by the
    # SSSE application) is read only after EXTERNAL AUTHENTICATE with RKSSSE.
    holder_read = f"key:{ids.rkssse}" if gen3 else "always"
    children: list[dict] = [
        _ef_node(
            EF05,
            ef05_values,
            {
                "read": _read_rule("always", "ef05_read" in guards),
                "update": _write_rule(ids.issuer_write),
            },
        ),
        _ef_node(
            EF06,
            _holder_values(holder, profile),
            {
                "read": _read_rule(holder_read, "ef06_read" in guards),
                "update": _write_rule(ids.holder_write),
            },
            profile.name_ext_pad,
        ),
    ]
    if gen3:
        ef0d = {"人员识别号": rng.randbytes(12), "初次申领地代码": p.region}
        children.append(
            _ef_node(EF0D, ef0d, {"read": holder_read, "update": _write_rule(ids.holder_write)})
        )
    df_values = _df_values(holder, p)
    for layout in profile.df_layouts:
        if p.kind == "temporary" and layout.fid not in profile.temporary_dfs:
            continue  # temporary cards: identity and medical functions only
        guard = f"df{layout.fid & 0xFF:02d}_read" in guards
        children.append(
            _df_node(layout, df_values, _read_rule("always", guard), _write_rule(ids.holder_write))
        )
    pin = profile.pin
    ssse = {
        "kind": "DF",
        "fid": f"{DDF_FID:04X}",
        "name": SSSE_AID.hex().upper(),
        "lcs": "operational",
        "acl": {"create": "never", "delete": "never"},
        "pins": [
            {
                "ref": PIN_REF,
                "value": pin.default,
                "encoding": "bcd",
                "min_len": pin.min_len,
                "max_len": pin.max_len,
                "max_tries": pin.retry_limit,
                "tries_left": 0 if p.state == "pin_blocked" else pin.retry_limit,
                "unblock": {"puk_ref": None, "key_ref": ids.pin_reload},
            }
        ],
        "keys": _keys(profile, p.region, factor),
        "app": "ssse",
        "app_state": {
            "locked": p.state == "app_locked",
            "pin_ref": PIN_REF,
            "pin_change_header": pin.change_header,
            "internal_auth_key": ids.internal_auth,
            "rkssse_key": ids.rkssse,
            "pin_reload_key": ids.pin_reload,
            "algorithm": profile.cipher,
            "issuer_write_key": ids.issuer_write,
            # Per-record read rules, by EF and record number (card-spec §2.4).
            "record_acl": {"EF05": {"5": f"key:{ids.rkssse}", "6": f"key:{ids.rkssse}"}}
            if gen3
            else {},
        },
        # card-spec §2.1: the FCI carries 9F0C 03 86 01 <algorithm>.
        "fci_proprietary": f"9F0C038601{profile.algorithm:02X}",
        "children": children,
    }
    mf_children: list[dict] = [ssse]
    if p.kind == "formal":
        mf_children += _pboc_nodes(holder, profile, p, expiry)
    return {
        "format": "sscard-image/1",
        "atr": build_atr(historical, profile.offer_t1).hex().upper(),
        "protocol": "T=0",
        "profile": {
            "generation": profile.generation,
            "kind": p.kind,
            "state": p.state,
            "region": p.region,
            "seed": p.seed,
            # gen 3 is dual interface (ISO 7816 + ISO 14443, card-spec §4); gen 2 contact only
            "interfaces": ["contact", "contactless"] if gen3 else ["contact"],
            "issuer": profile.to_json_dict(),
        },
        "mf": {
            "kind": "DF",
            "fid": "3F00",
            "name": None,
            "lcs": "operational",
            "acl": {"create": "never", "delete": "never"},
            "pins": [],
            "keys": [],
            "app": None,
            "app_state": {},
            "children": mf_children,
        },
    }


def _pboc_nodes(
    holder: Holder, profile: IssuerProfile, p: Personalisation, expiry: dt.date
) -> list[dict]:
    """PSE, PPSE (gen 3) and the UnionPay debit ADF (card-spec §4), with the bank's test
    issuer master keys (card_os.pboc.personalise.default_test_keys)."""
    try:
        from card_os.pboc.personalise import (
            PersonalisationError,
            build_pboc_nodes,
            default_test_keys,
        )
    except ImportError:  # the financial application is not installed in this build
        return []
    try:
        return build_pboc_nodes(
            pan=holder.pan,
            name=holder.name,
            expiry=expiry,
            effective=p.issued,
            generation=profile.generation,
            contactless=profile.generation == 3,
            keys=default_test_keys(profile.generation),
            seed=p.seed,
        )
    except PersonalisationError as exc:
        raise PersonaliseError(f"financial application: {exc}") from None
