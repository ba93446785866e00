"""Reader suite: the standard terminal interface (LD/T 6001.5; card-spec §3) of the reader
under test, driven against emulated reference cards: output strings, return codes, PIN
handling and the HSM fallback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conformance.applicability import claims
from conformance.context import TestContext
from conformance.model import Polarity, Requirement, Status
from conformance.readers import HSM_TERMINAL, ReaderSession
from conformance.readers import register as register_opener
from conformance.requirements import _LDT, register, req
from conformance.suite import Interface, Suite

register_opener()
register(
    Requirement(
        "LDT-BAS-FORMAT",
        _LDT,
        "§3.2",
        "iReadCardBas returns 0 and 11 '|'-terminated fields in the specified order",
    ),
    Requirement("LDT-BAS-NAME", _LDT, "§3.2 field 5, card-spec §1.4", "Field 5 is 姓名 ‖ 姓名扩展"),
    Requirement(
        "LDT-CODES-PIN",
        _LDT,
        "§3.3",
        "A wrong PIN is -51 with the tries left; a cancelled entry -31; a bad length -33",
    ),
    Requirement(
        "LDT-HSM",
        _LDT,
        "§2.4, §3.2",
        "Without a PSAM iReadCardBas is -2201 and the HSM Step1/Step2 pair gives the same string with terminal 000000000000",
    ),
    Requirement(
        "LDT-BANK",
        _LDT,
        "§3.1, card-spec §4",
        "iReadBankNumber returns the PAN of the debit application",
    ),
    Requirement(
        "LDT-ITYPE",
        _LDT,
        "§3.1, §3.3",
        "iType 1-4 chooses the interface; an empty interface is -2 (no card), another iType -1",
    ),
    Requirement(
        "LDT-EDGE",
        _LDT,
        "§3.3, card-spec §1.3",
        "A malformed 卡识别码 is -20; a 1st-generation or unknown spec version is -1 (wrong type)",
    ),
)

SUITE = Suite(
    name="reader",
    title="Reader terminal interface (LD/T 6001.5)",
    version="1.0.0",
    interface=Interface.READER,
    pics_file=Path(__file__).resolve().parent.parent / "fixtures" / "reader.pics.yaml",
)
case = SUITE.case
ORDER = [
    "region",
    "citizen_id",
    "card_number",
    "card_id",
    "name",
    "historical",
    "version",
    "issued",
    "expiry",
    "terminal",
    "device",
]
READY = "Reader with a personalised 3rd-generation card in the contact slot"


def session(ctx: TestContext) -> ReaderSession:
    return ctx.session


def check_basic(ctx: TestContext, text: str, expected: dict[str, str]) -> None:
    ctx.check(text.endswith("|"), "string ends with '|'", "...|", text[-5:])
    fields = text.split("|")[:-1]
    ctx.check_equal(len(fields), 11, "number of fields")
    for index, (name, value) in enumerate(zip(ORDER, fields, strict=False), 1):
        ctx.check_equal(value, expected[name], f"field {index} ({name})")


@case(
    "RD-BAS-001",
    "iReadCardBas in PSAM mode",
    req("LDT-BAS-FORMAT", "LDT-BAS-NAME"),
    "Verify the basic-information string: order, content and terminator of the 11 fields.",
    [READY, "PSAM with RKSSSE in the PSAM slot"],
    [
        (
            "iReadCardBas(1)",
            "0 and region|ID|card no|card id|name|historical|version|issued|expiry|terminal|device|",
        )
    ],
    ["Return code 0", "Each field equals the value personalised on the card"],
)
def basic(ctx: TestContext) -> None:
    s = session(ctx)
    ctx.step("1")
    result = s.make(True).iReadCardBas(1)
    ctx.check_equal(result.code, 0, "return code", stop=True)
    check_basic(ctx, result.text, s.expected)


@case(
    "RD-HSM-001",
    "HSM fallback without a PSAM",
    req("LDT-HSM", "LDT-BAS-FORMAT"),
    "Verify the reader reports -2201 without a PSAM and completes the read through the HSM steps.",
    [READY, "No PSAM"],
    [
        ("iReadCardBas(1)", "-2201"),
        ("iReadCardBas_HSM_Step1(1); pass the output to the HSM", "0; the HSM returns pKey"),
        ("iReadCardBas_HSM_Step2(pKey)", "0 and the basic string with terminal 000000000000"),
    ],
    ["-2201 first", "Step2 string as in PSAM mode, terminal number all zeros"],
)
def hsm(ctx: TestContext) -> None:
    s = session(ctx)
    reader = s.make(False)
    ctx.step("1")
    ctx.check_equal(reader.iReadCardBas(1).code, -2201, "return code without a PSAM")
    ctx.step("2")
    step1 = reader.iReadCardBas_HSM_Step1(1)
    ctx.require(step1.code == 0, "HSM Step1", 0, step1.code)
    key = s.hsm_key(step1.text)
    ctx.step("3")
    result = reader.iReadCardBas_HSM_Step2(key)
    ctx.check_equal(result.code, 0, "Step2 return code", stop=True)
    check_basic(ctx, result.text, {**s.expected, "terminal": HSM_TERMINAL})


@case(
    "RD-PIN-001",
    "iVerifyPIN return codes",
    req("LDT-CODES-PIN"),
    "Verify the return codes for a right PIN, a wrong PIN (with tries left), a cancelled entry and a short PIN.",
    [READY, "PIN pad scripted by the tester"],
    [
        ("PIN pad: right PIN; iVerifyPIN(1)", "0"),
        ("PIN pad: wrong PIN; iVerifyPIN(1)", "-51, text names limit-1 tries left"),
        ("PIN pad: cancel; iVerifyPIN(1)", "-31"),
        ("PIN pad: 2 digits; iVerifyPIN(1)", "-33"),
        ("PIN pad: right PIN; iVerifyPIN(1)", "0"),
    ],
    ["Return codes as specified"],
    polarity=Polarity.NEGATIVE,
)
def verify(ctx: TestContext) -> None:
    s = session(ctx)
    reader = s.make(False)
    pin, limit = s.extra["pin"], s.extra["retry_limit"]
    wrong = pin[:-1] + str((int(pin[-1]) + 1) % 10)
    for step, entry, code in (
        ("1", pin, 0),
        ("2", wrong, -51),
        ("3", None, -31),
        ("4", "12", -33),
        ("5", pin, 0),
    ):
        ctx.step(step)
        s.pad.entries = [entry]
        result = reader.iVerifyPIN(1)
        ctx.check_equal(
            result.code,
            code,
            f"iVerifyPIN with {'a cancelled entry' if entry is None else 'PIN pad entry'}",
        )
        if code == -51:
            ctx.check(
                str(limit - 1) in result.text, "tries left in the text", str(limit - 1), result.text
            )


@case(
    "RD-BANK-001",
    "iReadBankNumber",
    req("LDT-BANK"),
    "Verify the reader reads the PAN from the debit application.",
    [READY],
    [("iReadBankNumber(1)", "0 and the PAN")],
    ["Return code 0", "Text is the personalised PAN"],
    status=Status.OPTIONAL,
    applies=[claims("iReadBankNumber")],
)
def bank(ctx: TestContext) -> None:
    s = session(ctx)
    ctx.step("1")
    result = s.make(False).iReadBankNumber(1)
    ctx.check_equal(result.code, 0, "return code")
    ctx.check_equal(result.text.strip("|"), s.extra["pan"], "PAN")


def _ssse_ef05(image: dict[str, Any]) -> dict[str, Any]:
    ssse = next(c for c in image["mf"]["children"] if c.get("app") == "ssse")
    return next(c for c in ssse["children"] if c.get("fid") == "EF05")


def _set_record(image: dict[str, Any], tag: int, value: bytes) -> None:
    ef = _ssse_ef05(image)
    ef["records"] = [
        (bytes([tag, len(value)]) + value).hex().upper() if bytes.fromhex(r)[0] == tag else r
        for r in ef["records"]
    ]


@case(
    "RD-EDGE-001",
    "iType chooses the interface",
    req("LDT-ITYPE"),
    "Verify iType: a card only in the contact slot is not found contactless, and an iType outside 1-4 is refused.",
    [READY, "Nothing in the contactless slot; no PSAM"],
    [
        ("iReadCardBas(2)", "-2"),
        ("iReadCardBas(0) and iReadCardBas(5)", "-1"),
        ("iReadCardBas(3)", "the contact card is found: neither -1 nor -2"),
    ],
    ["Return codes as specified"],
    polarity=Polarity.NEGATIVE,
)
def itype(ctx: TestContext) -> None:
    reader = session(ctx).make(False)
    ctx.step("1")
    ctx.check_equal(reader.iReadCardBas(2).code, -2, "contactless only, no contactless card")
    ctx.step("2")
    for value in (0, 5):
        ctx.check_equal(reader.iReadCardBas(value).code, -1, f"iType {value}")
    ctx.step("3")
    code = reader.iReadCardBas(3).code
    ctx.check(code not in (-1, -2), "auto-detect finds the contact card", "not -1 / -2", code)


@case(
    "RD-EDGE-002",
    "Edge cards: malformed 卡识别码, 1st-generation card",
    req("LDT-EDGE"),
    "Verify the reader refuses edge cards with the specified codes instead of returning garbage.",
    [READY, "Edge cards prepared by the tester (emulator target)"],
    [
        ("Card whose 卡识别码 area code is not BCD (AB CD EF ...); iReadCardBas(1)", "-20"),
        ("Card whose 规范版本 is 1.00; iReadCardBas(1)", "-1"),
    ],
    ["Codes as specified, no output string"],
    polarity=Polarity.NEGATIVE,
    priority=2,
)
def edge_cards(ctx: TestContext) -> None:
    s = session(ctx)
    ctx.step("1")
    bad_id = bytes.fromhex("ABCDEFD15600000500000000000000AA")
    try:
        reader = s.make(True, lambda image: _set_record(image, 0x01, bad_id))
    except NotImplementedError as exc:
        ctx.require(False, "edge cards can be inserted", "emulator target", str(exc))
    ctx.check_equal(reader.iReadCardBas(1).code, -20, "malformed 卡识别码")
    ctx.step("2")
    reader = s.make(True, lambda image: _set_record(image, 0x03, b"1.00"))
    ctx.check_equal(reader.iReadCardBas(1).code, -1, "1st-generation card")
