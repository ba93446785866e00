"""PBOC suite: the UnionPay debit application on the card (card-spec §4; JR/T 0025 / EMV
Book 3 behaviour): PSE/PPSE, GPO and AFL, GET DATA, offline PIN, GENERATE AC verified by the
issuer function, ATC monotonic."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conformance import apdu as cmd
from conformance import ber
from conformance.apdu import Response
from conformance.applicability import financial
from conformance.context import TestContext
from conformance.model import Polarity, Requirement, Status
from conformance.requirements import _PBOC, register, req
from conformance.suite import Interface, Suite
from conformance.suites import ssse

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PSE = b"1PAY.SYS.DDF01"
PPSE = b"2PAY.SYS.DDF01"
AID = bytes.fromhex("A000000333010101")  # card-spec §4

register(
    Requirement(
        "PB-PSE",
        _PBOC,
        "Book 1 12.2.2, card-spec §4",
        "The PSE 1PAY.SYS.DDF01 FCI names a directory SFI whose records list the debit AID",
    ),
    Requirement(
        "PB-PPSE",
        _PBOC,
        "Book C-1 / QPBOC, card-spec §4",
        "The PPSE 2PAY.SYS.DDF01 FCI lists the debit AID in BF0C",
    ),
    Requirement(
        "PB-FCI", _PBOC, "Book 1 11.3.4", "SELECT of the ADF returns an FCI with the PDOL (9F38)"
    ),
    Requirement(
        "PB-GPO",
        _PBOC,
        "Book 3 6.5.8",
        "GET PROCESSING OPTIONS returns the AIP and a well-formed AFL",
    ),
    Requirement(
        "PB-AFL",
        _PBOC,
        "Book 3 10.2",
        "Every record named by the AFL is readable as a 70 template; the PAN (5A) is among them",
    ),
    Requirement(
        "PB-GETDATA",
        _PBOC,
        "Book 3 6.5.7",
        "GET DATA returns the ATC (9F36) and the PIN try counter (9F17)",
    ),
    Requirement(
        "PB-PIN",
        _PBOC,
        "Book 3 6.5.12",
        "Offline plaintext PIN: 9000 when right, 63Cx when wrong, counter restored by a right PIN",
    ),
    Requirement(
        "PB-AC",
        _PBOC,
        "Book 2 8.1, Book 3 6.5.5",
        "GENERATE AC returns an ARQC the issuer verifies with the card's keys",
    ),
    Requirement(
        "PB-ATC",
        _PBOC,
        "Book 2 8.1.1, Book 3 6.5.5",
        "The ATC increases with every GENERATE AC and never repeats",
    ),
)


def _expectations(image: dict[str, Any]) -> dict[str, Any]:
    from card_os.pboc.personalise import default_test_keys

    adf = next(c for c in image["mf"]["children"] if c.get("name") == AID.hex().upper())
    state = adf["app_state"]
    generation = image["profile"]["generation"]
    pin = next(p["value"] for p in adf["pins"])
    return {
        "pboc": {
            "pan": state["pan"],
            "pan_sequence": state["pan_sequence"],
            "imk_ac": default_test_keys(generation)["ac"].hex().upper(),
            "algorithm": state["config"]["algorithm"],
            "pin": pin,
        }
    }


SUITE = Suite(
    name="pboc",
    title="Financial application (PBOC debit)",
    version="1.0.0",
    interface=Interface.CARD,
    pics_file=FIXTURES / "ssse.pics.yaml",
    pixit_file=FIXTURES / "pboc.pixit.yaml",
    emulator_image=ssse._personalised,
    emulator_pixit=_expectations,
)
case = SUITE.case
POWERED = "Card powered on, nothing selected"
TERMINAL = {
    0x9F02: bytes.fromhex("000000001000"),  # amount 10.00
    0x9F03: bytes(6),
    0x9F1A: b"\x01\x56",  # China
    0x5F2A: b"\x01\x56",  # CNY
    0x9A: bytes.fromhex("260115"),
    0x9C: b"\x00",
    0x9F37: bytes.fromhex("1A2B3C4D"),
    0x9F21: bytes.fromhex("120000"),
    0x95: bytes(5),
    0x9F7A: b"\x00",
}


def facts(ctx: TestContext) -> dict[str, Any]:
    values = ctx.pixit.extra.get("pboc")
    ctx.require(isinstance(values, dict), "PIXIT extra.pboc present", "a mapping", values)
    return values  # type: ignore[return-value]


def select_adf(ctx: TestContext) -> Response:
    r = ctx.card.send(cmd.select_name(AID))
    ctx.require_sw(r, "9000", what="preamble: SELECT debit ADF")
    return r


def gpo(ctx: TestContext, fci: bytes) -> Response:
    pdol = ber.dol(ber.find(fci, 0x6F, 0xA5, 0x9F38) or b"")
    body = bytes([0x83, 0]) + ber.fill(pdol, TERMINAL)
    body = body[:1] + bytes([len(body) - 2]) + body[2:]
    return ctx.card.send(bytes([0x80, 0xA8, 0x00, 0x00, len(body)]) + body + b"\x00")


def split_gpo(data: bytes) -> tuple[bytes, bytes]:
    """(AIP, AFL) from format 1 (80) or format 2 (77)."""
    fmt1 = ber.find(data, 0x80)
    if fmt1 is not None:
        return fmt1[:2], fmt1[2:]
    return ber.find(data, 0x77, 0x82) or b"", ber.find(data, 0x77, 0x94) or b""


def afl_entries(afl: bytes) -> list[tuple[int, int, int]]:
    return [(afl[i] >> 3, afl[i + 1], afl[i + 2]) for i in range(0, len(afl) - 3, 4)]


def start(ctx: TestContext) -> tuple[bytes, bytes, dict[int, bytes]]:
    """SELECT, GPO and read the AFL records; (AIP, AFL, data objects)."""
    fci = select_adf(ctx).data
    r = gpo(ctx, fci)
    ctx.require_sw(r, "9000", what="GPO")
    aip, afl = split_gpo(r.data)
    objects: dict[int, bytes] = {}
    for sfi, first, last in afl_entries(afl):
        for number in range(first, last + 1):
            rec = ctx.card.send(cmd.read_record(number, sfi))
            ctx.require_sw(rec, "9000", what=f"AFL record SFI {sfi} #{number}")
            objects.update(ber.parse(ber.find(rec.data, 0x70) or b""))
    return aip, afl, objects


def generate_ac(ctx: TestContext, objects: dict[int, bytes]) -> tuple[bytes, Response]:
    cdol = ber.dol(objects.get(0x8C, b""))
    data = ber.fill(cdol, TERMINAL)
    return data, ctx.card.send(bytes([0x80, 0xAE, 0x80, 0x00, len(data)]) + data + b"\x00")


def split_ac(data: bytes) -> dict[int, bytes]:
    fmt1 = ber.find(data, 0x80)
    if fmt1 is not None:
        return {0x9F27: fmt1[:1], 0x9F36: fmt1[1:3], 0x9F26: fmt1[3:11], 0x9F10: fmt1[11:]}
    return dict(ber.parse(ber.find(data, 0x77) or b""))


def get_data(ctx: TestContext, tag: int) -> Response:
    return ctx.card.send(bytes([0x80, 0xCA, tag >> 8, tag & 0xFF, 0x00]))


def pan_bcd(pan: str) -> bytes:
    return bytes.fromhex(pan + "F" * (len(pan) % 2))


@case(
    "PB-PSE-001",
    "PSE directory lists the debit application",
    req("PB-PSE"),
    "Verify the PSE is selectable and its directory record names the UnionPay debit AID.",
    [POWERED],
    [
        ("SELECT by name 1PAY.SYS.DDF01", "9000, FCI with 88 = directory SFI"),
        ("READ RECORD 1 of that SFI", "70 template with 61 / 4F = A000000333010101"),
    ],
    ["Directory SFI present", "AID listed"],
    applies=[financial()],
)
def pse(ctx: TestContext) -> None:
    ctx.step("1")
    r = ctx.card.send(cmd.select_name(PSE))
    ctx.check_sw(r, "9000", stop=True)
    sfi = ber.find(r.data, 0x6F, 0xA5, 0x88)
    ctx.check(
        sfi is not None and len(sfi) == 1, "directory SFI (88)", "one byte", sfi or b"", stop=True
    )
    assert sfi is not None
    ctx.step("2")
    rec = ctx.card.send(cmd.read_record(1, sfi[0]))
    ctx.check_sw(rec, "9000")
    ctx.check_equal(ber.find(rec.data, 0x70, 0x61, 0x4F), AID, "AID in the directory entry")


@case(
    "PB-PPSE-001",
    "PPSE lists the debit application (contactless)",
    req("PB-PPSE"),
    "Verify the PPSE FCI lists the debit AID in its BF0C directory.",
    [POWERED],
    [("SELECT by name 2PAY.SYS.DDF01", "9000 and 6F/A5/BF0C/61/4F = A000000333010101")],
    ["AID listed in the PPSE FCI"],
    status=Status.OPTIONAL,
    applies=[financial()],
)
def ppse(ctx: TestContext) -> None:
    if not ctx.pics.contactless:
        ctx.require(False, "PICS claims contactless", True, False)
    ctx.step("1")
    r = ctx.card.send(cmd.select_name(PPSE))
    ctx.check_sw(r, "9000", stop=True)
    ctx.check_equal(ber.find(r.data, 0x6F, 0xA5, 0xBF0C, 0x61, 0x4F), AID, "AID in the PPSE")


@case(
    "PB-GPO-001",
    "GPO, AFL and the PAN",
    req("PB-FCI", "PB-GPO", "PB-AFL"),
    "Verify the ADF FCI has a PDOL, GPO returns AIP and AFL, and the AFL records carry the PAN.",
    [POWERED],
    [
        ("SELECT the debit ADF", "9000, FCI with 9F38"),
        (
            "GPO with the PDOL filled (amount 10.00, CNY)",
            "9000, AIP (2 bytes) and AFL (multiple of 4, valid entries)",
        ),
        ("READ RECORD every AFL entry", "9000, 70 templates; 5A = PAN (BCD, F-padded)"),
    ],
    ["AFL well formed", "All AFL records read", "PAN as personalised"],
    applies=[financial()],
)
def gpo_afl(ctx: TestContext) -> None:
    want = facts(ctx)
    ctx.step("1")
    fci = select_adf(ctx).data
    ctx.check(ber.find(fci, 0x6F, 0xA5, 0x9F38) is not None, "PDOL in the FCI", "9F38 present", fci)
    ctx.step("2")
    r = gpo(ctx, fci)
    ctx.check_sw(r, "9000", stop=True)
    aip, afl = split_gpo(r.data)
    ctx.check_equal(len(aip), 2, "AIP length")
    ctx.check(len(afl) > 0 and len(afl) % 4 == 0, "AFL length", "multiple of 4", len(afl))
    entries = afl_entries(afl)
    ctx.check(
        all(1 <= s <= 30 and 1 <= f <= last for s, f, last, *_ in entries),
        "AFL entries",
        "valid",
        afl,
    )
    ctx.step("3")
    objects: dict[int, bytes] = {}
    for sfi, first, last in entries:
        for number in range(first, last + 1):
            rec = ctx.card.send(cmd.read_record(number, sfi))
            ctx.check_sw(rec, "9000", what=f"SFI {sfi} record {number}")
            objects.update(ber.parse(ber.find(rec.data, 0x70) or b""))
    ctx.check_equal(objects.get(0x5A), pan_bcd(want["pan"]), "PAN (5A)")


@case(
    "PB-AC-001",
    "GENERATE AC: ARQC verified by the issuer, ATC as reported",
    req("PB-AC", "PB-GETDATA"),
    "Verify the first GENERATE AC returns an ARQC that the issuer function verifies with the card's keys.",
    [POWERED],
    [
        ("SELECT, GPO, read the AFL records", "9000"),
        ("GENERATE AC (P1=80, ARQC) with CDOL1 filled", "9000; CID 80; ARQC, ATC, IAD"),
        ("Verify the ARQC with the issuer master key (card_os.pboc.issuer.verify_ac)", "valid"),
        ("GET DATA 9F36", "the ATC of step 2"),
    ],
    ["The issuer accepts the ARQC", "GET DATA reports the same ATC"],
    applies=[financial()],
)
def arqc(ctx: TestContext) -> None:
    from card_os.pboc.issuer import CardKeys, verify_ac

    want = facts(ctx)
    ctx.step("1")
    aip, _afl, objects = start(ctx)
    ctx.step("2")
    cdol_data, r = generate_ac(ctx, objects)
    ctx.check_sw(r, "9000", stop=True)
    parts = split_ac(r.data)
    ctx.check_equal(parts.get(0x9F27, b"")[:1], b"\x80", "CID: ARQC")
    ctx.step("3")
    keys = CardKeys(
        bytes.fromhex(want["imk_ac"]), want["pan"], int(want["pan_sequence"]), want["algorithm"]
    )
    atc = int.from_bytes(parts.get(0x9F36, b"\0\0"), "big")
    ok = verify_ac(
        keys,
        dol_data=cdol_data,
        aip=aip,
        atc=atc,
        iad=parts.get(0x9F10, b""),
        ac=parts.get(0x9F26, b""),
    )
    ctx.check(ok, "ARQC verified by the issuer", "valid", parts.get(0x9F26, b""))
    ctx.step("4")
    g = get_data(ctx, 0x9F36)
    ctx.check_equal(ber.find(g.data, 0x9F36), atc.to_bytes(2, "big"), "ATC by GET DATA")


@case(
    "PB-ATC-001",
    "ATC increases with every transaction",
    req("PB-ATC", "PB-GETDATA"),
    "Verify three transactions give three strictly increasing ATCs.",
    [POWERED],
    [("Three times: SELECT, GPO, read records, GENERATE AC; note the ATC", "ATC1 < ATC2 < ATC3")],
    ["Strictly increasing ATC"],
    applies=[financial()],
)
def atc(ctx: TestContext) -> None:
    ctx.step("1")
    seen: list[int] = []
    for _ in range(3):
        _aip, _afl, objects = start(ctx)
        _data, r = generate_ac(ctx, objects)
        ctx.check_sw(r, "9000", what="GENERATE AC")
        seen.append(int.from_bytes(split_ac(r.data).get(0x9F36, b"\0\0"), "big"))
    ctx.check(seen[0] < seen[1] < seen[2], "ATC strictly increasing", "ATC1 < ATC2 < ATC3", seen)


@case(
    "PB-PIN-001",
    "Offline plaintext PIN and the PIN try counter",
    req("PB-PIN", "PB-GETDATA"),
    "Verify offline PIN verification and that 9F17 follows the retry counter.",
    [POWERED, "Debit ADF selected"],
    [
        ("GET DATA 9F17", "the limit"),
        ("VERIFY (P2=80) a wrong PIN in a format-2 block", "63C(limit-1); 9F17 = limit-1"),
        ("VERIFY the right PIN", "9000; 9F17 = limit"),
    ],
    ["Counter follows wrong and right PINs"],
    polarity=Polarity.NEGATIVE,
    applies=[financial()],
)
def offline_pin(ctx: TestContext) -> None:
    pin = str(facts(ctx)["pin"])
    select_adf(ctx)
    ctx.step("1")
    limit_obj = ber.find(get_data(ctx, 0x9F17).data, 0x9F17)
    ctx.require(
        limit_obj is not None and len(limit_obj) == 1, "9F17 readable", "1 byte", limit_obj or b""
    )
    assert limit_obj is not None
    limit = limit_obj[0]

    def block(value: str) -> bytes:
        return bytes.fromhex(f"2{len(value):X}{value}".ljust(16, "F"))

    ctx.step("2")
    wrong = pin[:-1] + str((int(pin[-1]) + 1) % 10)
    r = ctx.card.send(bytes([0x00, 0x20, 0x00, 0x80, 0x08]) + block(wrong))
    ctx.check_equal(r.sw_hex, f"63C{limit - 1:X}", "wrong PIN")
    ctx.check_equal(
        ber.find(get_data(ctx, 0x9F17).data, 0x9F17), bytes([limit - 1]), "9F17 after a wrong PIN"
    )
    ctx.step("3")
    r = ctx.card.send(bytes([0x00, 0x20, 0x00, 0x80, 0x08]) + block(pin))
    ctx.check_sw(r, "9000", what="right PIN")
    ctx.check_equal(
        ber.find(get_data(ctx, 0x9F17).data, 0x9F17), bytes([limit]), "9F17 after a right PIN"
    )
