"""SSSE suite: the social security application (card-spec §1-§2) on a personalised card.

Expected values come from PIXIT `extra.ssse`; on the emulator they are those the card was
personalised with (emulator.population holder, default issuer profile)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from card_os import crypto
from conformance import apdu as cmd
from conformance.apdu import Response
from conformance.applicability import generation
from conformance.context import TestContext
from conformance.model import Polarity, Requirement
from conformance.requirements import _CARD, register, req
from conformance.statement import KeyInfo, Pics, Pixit
from conformance.suite import Interface, Suite
from conformance.suites.card_os import find_tlv, wrong_pin

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SSSE_AID = bytes.fromhex("7378312E73682EC9E7BBE1B1A3D5CF")  # card-spec §1.1
SUB_AIDS = [bytes.fromhex(f"D156000005{n:02X}") for n in range(4)]  # DF01-DF04, card-spec §1.1
SEED = 8
ISSUED = dt.date(2024, 1, 15)

register(
    Requirement(
        "SSC-AID", _CARD, "§1.1", "The SSSE DDF is selectable by AID 7378312E73682EC9E7BBE1B1A3D5CF"
    ),
    Requirement(
        "SSC-FCI-ALG",
        _CARD,
        "§2.1, §7",
        "The SSSE FCI carries the algorithm identifier 9F0C 03 86 01 xx",
    ),
    Requirement(
        "SSC-DF", _CARD, "§1.1", "DF01-DF04 are selectable under SSSE by AID D156000005 00..03"
    ),
    Requirement(
        "SSC-EF05",
        _CARD,
        "§1.2, §1.3",
        "EF05 (SFI 5) holds records 01-07 as simple TLV with the specified tags and lengths",
    ),
    Requirement(
        "SSC-EF06",
        _CARD,
        "§1.2, §1.4",
        "EF06 (SFI 6) holds records 08, 09, 4E, 0A, 0B, 0C, 0D in this order with the specified lengths",
    ),
    Requirement(
        "SSC-CARDID", _CARD, "§1.3", "卡识别码 = issuing-area BCD (3) ‖ D156000005 ‖ 8 card bytes"
    ),
    Requirement(
        "SSC-CHECKCHAR",
        _CARD,
        "§1.5",
        "卡号 is 8 characters and a check character (weights 3,7,9,10,5,8,4,2)",
    ),
    Requirement(
        "SSC-VERSION", _CARD, "§1.3", '规范版本 is ASCII "n.00" whose first digit is the generation'
    ),
    Requirement(
        "SSC-CN",
        _CARD,
        "§1.2",
        "cn fields (dates, region codes) are packed BCD, right-padded with F",
    ),
    Requirement(
        "SSC-AN",
        _CARD,
        "§1.2",
        "an fields (name, ID number, card number) are left-aligned and 0x00-padded; the name is GBK",
    ),
    Requirement("SSC-NAME", _CARD, "§1.4", "The full name is 姓名 ‖ 姓名扩展 (2.0/3.0 cards)"),
    Requirement(
        "SSC-GEN3-AUTH",
        _CARD,
        "§2.4",
        "On 3.0 cards EF06 and EF05 records 05/06 are read only after EXTERNAL AUTHENTICATE with RKSSSE",
    ),
    Requirement(
        "SSC-GEN3-FREE",
        _CARD,
        "§2.4",
        "On 3.0 cards EF05 records 01/03/07 are readable before authentication",
    ),
    Requirement(
        "SSC-PIN-DEFAULT", _CARD, "§2.3", "The SSSE PIN is verified by VERIFY with packed BCD data"
    ),
)

EF05_LAYOUT = [(0x01, 16), (0x02, 1), (0x03, 4), (0x04, 12), (0x05, 4), (0x06, 4), (0x07, 9)]
EF06_LAYOUT = [(0x08, 18), (0x09, 30), (0x4E, 20), (0x0A, 1), (0x0B, 1), (0x0C, 3), (0x0D, 4)]
CHECK_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _personalised(pics: Pics, _pixit: Pixit) -> dict[str, Any]:
    from card_os.ssse.personalise import Personalisation, build_card_image
    from card_os.ssse.profile import IssuerProfile
    from emulator.population import make_cardholder

    holder = make_cardholder(SEED)
    profile = IssuerProfile(
        generation=pics.generation, **({"pin": {"retry_limit": pics.pin_retry_limit}})
    )
    image = build_card_image(
        holder, profile, Personalisation(region=holder.region, seed=SEED, issued=ISSUED)
    )
    return image


def _expectations(image: dict[str, Any]) -> dict[str, Any]:
    """What the emulator card was personalised with (the holder is re-made from the seed)."""
    from emulator.population import make_cardholder

    holder = make_cardholder(SEED)
    ssse = next(c for c in image["mf"]["children"] if c.get("name") == SSSE_AID.hex().upper())
    issuer = image["profile"]["issuer"]
    ref = issuer["key_ids"]["rkssse"]
    key = next(k for k in ssse["keys"] if k["ref"] == ref)
    expiry = next(
        r
        for c in ssse["children"]
        if c.get("fid") == "EF05"
        for r in c["records"]
        if r.startswith("06")
    )
    return {
        "ssse": {
            "card_number": holder.card_number,
            "citizen_id": holder.citizen_id,
            "name": holder.name,
            "sex": holder.sex,
            "ethnic": holder.ethnic,
            "birth_date": holder.birth_date.strftime("%Y%m%d"),
            "birth_region": holder.birth_region,
            "region": holder.region,
            "issued": ISSUED.strftime("%Y%m%d"),
            "expiry": expiry[4:],
            "pin": ssse["pins"][0]["value"],
            "rkssse": {"ref": ref, "algorithm": key["algorithm"], "value": key["value"]},
        }
    }


SUITE = Suite(
    name="ssse",
    title="Social security application (SSSE)",
    version="1.0.0",
    interface=Interface.CARD,
    pics_file=FIXTURES / "ssse.pics.yaml",
    pixit_file=FIXTURES / "ssse.pixit.yaml",
    emulator_image=_personalised,
    emulator_pixit=_expectations,
)
case = SUITE.case
POWERED = "Card powered on, nothing selected"


def facts(ctx: TestContext) -> dict[str, Any]:
    values = ctx.pixit.extra.get("ssse")
    ctx.require(isinstance(values, dict), "PIXIT extra.ssse present", "a mapping", values)
    return values  # type: ignore[return-value]


def enter_ssse(ctx: TestContext) -> Response:
    r = ctx.card.send(cmd.select_name(SSSE_AID))
    ctx.require_sw(r, "9000", what="preamble: SELECT SSSE")
    return r


def authenticate(ctx: TestContext) -> Response:
    """EXTERNAL AUTHENTICATE with RKSSSE (the 8-byte form: cryptogram of the challenge)."""
    key = KeyInfo.model_validate(facts(ctx)["rkssse"])
    challenge = ctx.card.send(cmd.get_challenge(8))
    ctx.require_sw(challenge, "9000", what="GET CHALLENGE")
    return ctx.card.send(
        cmd.external_authenticate(
            key.ref, crypto.cryptogram(key.algorithm, key.key, challenge.data)
        )
    )


def read_records(ctx: TestContext, sfi: int, count: int) -> list[Response]:
    return [ctx.card.send(cmd.read_record(n, sfi)) for n in range(1, count + 1)]


def bcd(text: str) -> bytes:
    return bytes.fromhex(text + "F" * (len(text) % 2))


def check_character(first8: str) -> str:
    """card-spec §1.5: Σ weight·value mod 11 → 11 − r; 10 → X, 11 → 0."""
    total = sum(w * int(ch, 36) for w, ch in zip(CHECK_WEIGHTS, first8, strict=True))
    r = 11 - total % 11
    return {10: "X", 11: "0"}.get(r, str(r))


@case(
    "SS-SEL-001",
    "SELECT SSSE by AID; the FCI names the algorithm",
    req("SSC-AID", "SSC-FCI-ALG", "ISO4-SEL-NAME"),
    "Verify the SSSE DDF is selected by its AID and its FCI carries 9F0C 03 86 01 xx.",
    [POWERED],
    [
        (
            "SELECT by name 7378312E73682EC9E7BBE1B1A3D5CF",
            "9000 and a 6F FCI with 84 = the AID and 9F0C 03 86 01 xx",
        )
    ],
    ["SW 9000", "84 = SSSE AID", "9F0C present, value 86 01 xx"],
)
def sel_ssse(ctx: TestContext) -> None:
    ctx.step("1")
    r = ctx.card.send(cmd.select_name(SSSE_AID))
    ctx.check_sw(r, "9000", stop=True)
    ctx.check_equal(find_tlv(r.data[2:], 0x84), SSSE_AID, "DF name (84)")
    ctx.check(
        bytes.fromhex("9F0C038601") in r.data,
        "algorithm identifier 9F0C 03 86 01 xx",
        "present",
        r.data,
    )


@case(
    "SS-SEL-002",
    "DF01-DF04 are selectable under SSSE",
    req("SSC-DF"),
    "Verify each sub-application DF is selected by its AID after SSSE.",
    [POWERED, "SSSE selected"],
    [("For each of D15600000500..03: SELECT by name", "9000")],
    ["Each SELECT answers 9000"],
)
def sel_dfs(ctx: TestContext) -> None:
    ctx.step("1")
    for aid in SUB_AIDS:
        enter_ssse(ctx)
        ctx.check_sw(
            ctx.card.send(cmd.select_name(aid)), "9000", what=f"SELECT {aid.hex().upper()}"
        )


@case(
    "SS-EF05-001",
    "EF05: layout and encoding of the card data",
    req("SSC-EF05", "SSC-CARDID", "SSC-CHECKCHAR", "SSC-VERSION", "SSC-CN", "SSC-GEN3-FREE"),
    "Verify tags, lengths and encodings of EF05, read by record number after authentication.",
    [POWERED, "SSSE selected"],
    [
        ("READ RECORD 1, 3, 7 by SFI 5 before authentication", "9000 each (free on 3.0)"),
        (
            "EXTERNAL AUTHENTICATE with RKSSSE; READ RECORD 1..7 by SFI 5",
            "9000 and TLV tags 01..07 with lengths 16,1,4,12,4,4,9",
        ),
        (
            "Decode 卡识别码, 规范版本, dates and 卡号",
            "as personalised; the check character verifies",
        ),
    ],
    ["Every record has the specified tag and length", "Values decode as personalised"],
)
def ef05(ctx: TestContext) -> None:
    want = facts(ctx)
    enter_ssse(ctx)
    ctx.step("1")
    for n in (1, 3, 7):
        ctx.check_sw(
            ctx.card.send(cmd.read_record(n, 5)), "9000", what=f"EF05 record {n} before auth"
        )
    ctx.step("2")
    ctx.require_sw(authenticate(ctx), "9000", what="EXTERNAL AUTHENTICATE RKSSSE")
    records = read_records(ctx, 5, 7)
    for r, (tag, length) in zip(records, EF05_LAYOUT, strict=True):
        ctx.check_equal(
            r.data[:2].hex().upper(), f"{tag:02X}{length:02X}", f"EF05 tag {tag:02X} header"
        )
    values = [r.data[2:] for r in records]
    ctx.step("3")
    card_id = values[0]
    ctx.check_equal(card_id[:3], bcd(want["region"]), "卡识别码 area code (BCD)")
    ctx.check_equal(card_id[3:8], bytes.fromhex("D156000005"), "卡识别码 RID")
    ctx.check_equal(values[2], f"{ctx.pics.generation}.00".encode(), "规范版本")
    ctx.check_equal(values[4], bcd(want["issued"]), "发卡日期 (BCD)")
    ctx.check_equal(values[5], bcd(want["expiry"]), "卡有效期 (BCD)")
    number = values[6].decode("ascii", "replace")
    ctx.check_equal(number, want["card_number"], "卡号")
    ctx.check_equal(number[8:], check_character(number[:8]), "卡号 check character")


@case(
    "SS-EF06-001",
    "EF06: layout and encoding of the cardholder data",
    req("SSC-EF06", "SSC-AN", "SSC-CN", "SSC-NAME"),
    "Verify the order, tags, lengths and encodings of EF06, including GBK name padding.",
    [POWERED, "SSSE selected"],
    [
        (
            "EXTERNAL AUTHENTICATE with RKSSSE; READ RECORD 1..7 by SFI 6",
            "tags 08, 09, 4E, 0A, 0B, 0C, 0D with lengths 18,30,20,1,1,3,4",
        ),
        ("Decode the values", "as personalised; name GBK 0x00-padded; cn BCD F-padded"),
    ],
    [
        "Record order and headers as specified",
        "姓名 ‖ 姓名扩展 decodes to the holder's name",
        "Padding as the an/cn rules say",
    ],
)
def ef06(ctx: TestContext) -> None:
    want = facts(ctx)
    enter_ssse(ctx)
    ctx.step("1")
    ctx.require_sw(authenticate(ctx), "9000", what="EXTERNAL AUTHENTICATE RKSSSE")
    records = read_records(ctx, 6, 7)
    for n, (r, (tag, length)) in enumerate(zip(records, EF06_LAYOUT, strict=True), 1):
        ctx.check_sw(r, "9000", what=f"EF06 record {n}")
        ctx.check_equal(
            r.data[:2].hex().upper(), f"{tag:02X}{length:02X}", f"EF06 record {n} header"
        )
    v = [r.data[2:] for r in records]
    ctx.step("2")
    ctx.check_equal(v[0], want["citizen_id"].encode("ascii"), "社会保障号码 (an)")
    name_bytes = v[1] + v[2]
    used = len(want["name"].encode("gbk"))
    ctx.check_equal(
        name_bytes[:used].decode("gbk", "replace"), want["name"], "姓名 ‖ 姓名扩展 (GBK)"
    )
    ctx.check_equal(
        v[1][min(used, 30) :], bytes(30 - min(used, 30)), "姓名 padding (0x00, an rule)"
    )
    ctx.check_equal(v[3], want["sex"].encode("ascii"), "性别")
    ctx.check_equal(v[4], bytes.fromhex(f"{want['ethnic']:02d}"), "民族 (one BCD byte)")
    ctx.check_equal(v[5], bcd(want["birth_region"]), "出生地 (cn)")
    ctx.check_equal(v[6], bcd(want["birth_date"]), "出生日期 (BCD)")


@case(
    "SS-ACC-001",
    "3.0 access rules: holder data needs RKSSSE",
    req("SSC-GEN3-AUTH", "ISO4-AC"),
    "Verify EF06 and EF05 records 05/06 are refused before EXTERNAL AUTHENTICATE with RKSSSE.",
    [POWERED, "SSSE selected, no authentication"],
    [
        ("READ RECORD 1 by SFI 6", "6982"),
        ("READ RECORD 5 and 6 by SFI 5; READ RECORD by identifier 05", "6982"),
        (
            "EXTERNAL AUTHENTICATE with a wrong cryptogram; READ RECORD 1 by SFI 6",
            "63Cx, then 6982",
        ),
    ],
    ["No holder data before authentication"],
    polarity=Polarity.NEGATIVE,
    applies=[generation(3)],
)
def acc_gen3(ctx: TestContext) -> None:
    enter_ssse(ctx)
    ctx.step("1")
    ctx.check_sw(ctx.card.send(cmd.read_record(1, 6)), "6982", what="EF06 before auth")
    ctx.step("2")
    for n in (5, 6):
        ctx.check_sw(
            ctx.card.send(cmd.read_record(n, 5)), "6982", what=f"EF05 record {n} before auth"
        )
    ctx.check_sw(
        ctx.card.send(cmd.read_record(0x05, 5, by_id=True)),
        "6982",
        what="EF05 identifier 05 before auth",
    )
    ctx.step("3")
    key = KeyInfo.model_validate(facts(ctx)["rkssse"])
    challenge = ctx.card.send(cmd.get_challenge(8))
    bad = bytes(b ^ 0x55 for b in crypto.cryptogram(key.algorithm, key.key, challenge.data))
    ctx.check_sw(
        ctx.card.send(cmd.external_authenticate(key.ref, bad)), "63Cx", what="wrong cryptogram"
    )
    ctx.check_sw(ctx.card.send(cmd.read_record(1, 6)), "6982", what="EF06 after failed auth")
    authenticate(ctx)  # restore the key's counter


@case(
    "SS-ACC-002",
    "2.0 access rules: holder data readable without authentication",
    req("SSC-EF06"),
    "Verify a 2nd-generation card gives EF06 without EXTERNAL AUTHENTICATE.",
    [POWERED, "SSSE selected"],
    [("READ RECORD 1 by SFI 6", "9000 and tag 08")],
    ["EF06 readable"],
    applies=[generation(2)],
)
def acc_gen2(ctx: TestContext) -> None:
    enter_ssse(ctx)
    ctx.step("1")
    r = ctx.card.send(cmd.read_record(1, 6))
    ctx.check_sw(r, "9000")
    ctx.check_equal(r.data[:1], b"\x08", "record 08")


@case(
    "SS-PIN-001",
    "SSSE PIN: verify, count down, restore",
    req("SSC-PIN-DEFAULT", "SSC-PIN-63CX", "ISO4-VERIFY-CTR"),
    "Verify the SSSE PIN answers 9000 when right, 63Cx counting down when wrong, and a right PIN restores it.",
    [POWERED, "SSSE selected"],
    [
        ("VERIFY a wrong PIN twice", "63C(limit-1), 63C(limit-2)"),
        ("VERIFY the right PIN", "9000"),
        ("VERIFY a wrong PIN", "63C(limit-1)"),
        ("VERIFY the right PIN", "9000"),
    ],
    ["Counter decrements per wrong PIN and is restored by a right one"],
    polarity=Polarity.NEGATIVE,
)
def ssse_pin(ctx: TestContext) -> None:
    pin = facts(ctx)["pin"]
    limit = ctx.pics.pin_retry_limit
    enter_ssse(ctx)
    wrong = cmd.pin_bcd(wrong_pin(pin))
    ctx.step("1")
    for k in (1, 2):
        ctx.check_equal(
            ctx.card.send(cmd.verify(1, wrong)).sw_hex, f"63C{limit - k:X}", f"wrong PIN #{k}"
        )
    ctx.step("2")
    ctx.check_sw(ctx.card.send(cmd.verify(1, cmd.pin_bcd(pin))), "9000", what="right PIN")
    ctx.step("3")
    ctx.check_equal(
        ctx.card.send(cmd.verify(1, wrong)).sw_hex, f"63C{limit - 1:X}", "wrong PIN after right"
    )
    ctx.step("4")
    ctx.check_sw(ctx.card.send(cmd.verify(1, cmd.pin_bcd(pin))), "9000", what="right PIN")
