"""Card OS suite: ISO/IEC 7816-4 behaviour on the objects the PIXIT `card_os` section names.

On the emulator the suite runs against conformance/fixtures/card_os_image.json; a vendor
personalises a sample card with equivalent objects and describes them in a PIXIT."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from card_os import crypto
from conformance import apdu as cmd
from conformance.apdu import Response
from conformance.applicability import claims, destructive, protocol, raw_frames
from conformance.context import TestContext
from conformance.model import Polarity, Status
from conformance.requirements import req
from conformance.statement import CardOsLayout, Pics, Pixit
from conformance.suite import Interface, Suite

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _fixture_image(_pics: Pics, _pixit: Pixit) -> dict[str, Any]:
    return json.loads((FIXTURES / "card_os_image.json").read_text(encoding="utf-8"))


SUITE = Suite(
    name="card-os",
    title="Card operating system (ISO/IEC 7816-4)",
    version="1.0.0",
    interface=Interface.CARD,
    pics_file=FIXTURES / "card_os.pics.yaml",
    pixit_file=FIXTURES / "card_os.pixit.yaml",
    emulator_image=_fixture_image,
)
case = SUITE.case

POWERED = "Card powered on (ATR received), no command sent since"
IN_DF = "Test DF selected (PIXIT card_os.df_name)"


def layout(ctx: TestContext) -> CardOsLayout:
    """The PIXIT's description of the test objects; without it nothing can be tested."""
    ctx.require(ctx.pixit.card_os is not None, "PIXIT has a card_os section", "present", "absent")
    assert ctx.pixit.card_os is not None
    return ctx.pixit.card_os


def enter_df(ctx: TestContext) -> CardOsLayout:
    """Preamble: select the test DF by name."""
    lay = layout(ctx)
    r = ctx.card.send(cmd.select_name(lay.df_name_bytes))
    ctx.require_sw(r, "9000", what="preamble: SELECT test DF by name")
    return lay


def select_ef(ctx: TestContext, fid: bytes) -> Response:
    r = ctx.card.send(cmd.select_fid(fid, p2=0x0C))
    ctx.require_sw(r, "9000", what=f"preamble: SELECT EF {fid.hex().upper()}")
    return r


def verify_pin(ctx: TestContext, lay: CardOsLayout) -> None:
    r = ctx.card.send(cmd.verify(lay.pin.ref, cmd.pin_bcd(lay.pin.value)))
    ctx.require_sw(r, "9000", what="preamble: VERIFY correct PIN")


def external_auth(ctx: TestContext, lay: CardOsLayout, right: bool = True) -> Response:
    """GET CHALLENGE then EXTERNAL AUTHENTICATE with the auth key's cryptogram (or a wrong one)."""
    challenge = ctx.card.send(cmd.get_challenge(8))
    ctx.require_sw(challenge, "9000", what="preamble: GET CHALLENGE")
    key = lay.auth_key
    value = crypto.cryptogram(key.algorithm, key.key, challenge.data)
    if not right:
        value = bytes([value[0] ^ 0xFF]) + value[1:]
    return ctx.card.send(cmd.external_authenticate(key.ref, value))


def mac_update_binary(ctx: TestContext, lay: CardOsLayout, data: bytes, good: bool) -> Response:
    """UPDATE BINARY with CLA 04 and a 4-byte MAC under the MAC key (IV: the challenge)."""
    challenge = ctx.card.send(cmd.get_challenge(8))
    ctx.require_sw(challenge, "9000", what="preamble: GET CHALLENGE for the MAC")
    header = bytes([0x04, 0xD6, 0x80 | (lay.mac_update.sfi or 0), 0x00, len(data) + 4])
    key = lay.mac_key
    mac = crypto.mac(key.algorithm, key.key, header + data, challenge.data)[:4]
    if not good:
        mac = bytes([mac[0] ^ 0x01]) + mac[1:]
    return ctx.card.send(header + data + mac)


# ---------------------------------------------------------------------------------------------
# Selection and file control information


@case(
    "CO-SEL-001",
    "SELECT DF by name returns the FCI",
    req("ISO4-SEL-NAME", "ISO4-FCI"),
    "Verify that the card selects a DF by its name and returns an FCI template naming the DF.",
    [POWERED],
    [
        ("SELECT by name (P1=04, P2=00) the test DF, Le=00", "9000 (after T=0 GET RESPONSE)"),
        ("Inspect the response data", "6F template containing 84 = the DF name"),
    ],
    ["SW 9000", "Response is a 6F template whose tag 84 equals the DF name"],
)
def sel_by_name(ctx: TestContext) -> None:
    lay = layout(ctx)
    ctx.step("1")
    r = ctx.card.send(cmd.select_name(lay.df_name_bytes))
    ctx.check_sw(r, "9000", stop=True)
    ctx.step("2")
    ctx.check(r.data[:1] == b"\x6f", "FCI template tag", "6F", r.data[:1])
    name = find_tlv(r.data[2:], 0x84) if len(r.data) > 2 else None
    ctx.check_equal(name, lay.df_name_bytes, "DF name (84) in the FCI")


@case(
    "CO-SEL-002",
    "SELECT EF by FID with FCP",
    req("ISO4-SEL-FID", "ISO4-FCP"),
    "Verify that an EF is selected by its file identifier and that P2=04 returns its FCP.",
    [POWERED, IN_DF],
    [
        (
            "SELECT by FID (P1=00, P2=04) the transparent EF, Le=00",
            "9000 and a 62 template with 83 = FID",
        )
    ],
    ["SW 9000", "Response is a 62 template whose tag 83 equals the FID"],
    status=Status.OPTIONAL,
    applies=[claims("fcp_on_select")],
)
def sel_fcp(ctx: TestContext) -> None:
    lay = enter_df(ctx)
    ctx.step("1")
    r = ctx.card.send(cmd.select_fid(lay.transparent.fid_bytes, p2=0x04, le=0))
    ctx.check_sw(r, "9000", stop=True)
    ctx.check(r.data[:1] == b"\x62", "FCP template tag", "62", r.data[:1])
    fid = find_tlv(r.data[2:], 0x83) if len(r.data) > 2 else None
    ctx.check_equal(fid, lay.transparent.fid_bytes, "file identifier (83) in the FCP")


@case(
    "CO-SEL-003",
    "SELECT of an absent file",
    req("ISO4-SEL-FID", "ISO4-SEL-NAME"),
    "Verify that selecting a file identifier or DF name that does not exist answers 6A82.",
    [POWERED, IN_DF],
    [
        ("SELECT by FID 7FFE (absent)", "6A82"),
        ("SELECT by name F0FFFFFFFFFF (absent)", "6A82"),
        ("READ BINARY of the transparent EF by SFI", "9000: the current DF was not changed"),
    ],
    ["Both selections answer 6A82", "The test DF remains selected"],
    polarity=Polarity.NEGATIVE,
)
def sel_absent(ctx: TestContext) -> None:
    lay = enter_df(ctx)
    ctx.step("1")
    ctx.check_sw(ctx.card.send(cmd.select_fid(bytes.fromhex("7FFE"))), "6A82", what="absent FID")
    ctx.step("2")
    ctx.check_sw(
        ctx.card.send(cmd.select_name(bytes.fromhex("F0FFFFFFFFFF"))), "6A82", what="absent name"
    )
    ctx.step("3")
    r = ctx.card.send(cmd.read_binary(0, len(lay.transparent.content), sfi=lay.transparent.sfi))
    ctx.check_sw(r, "9000", what="current DF kept after failed selection")


@case(
    "CO-SEL-004",
    "SELECT with unsupported P1-P2",
    req("ISO4-SEL-P1P2"),
    "Verify that a SELECT with a selection method the card does not define is refused.",
    [POWERED],
    [("SELECT with P1=07 (reserved) and data 3F00", "6A86")],
    ["SW 6A86"],
    polarity=Polarity.NEGATIVE,
    priority=2,
)
def sel_bad_p1(ctx: TestContext) -> None:
    ctx.step("1")
    r = ctx.card.send(bytes.fromhex("00A40700023F00"))
    ctx.check_sw(r, "6A86", "6A81")


# ---------------------------------------------------------------------------------------------
# Binary and record access


@case(
    "CO-BIN-001",
    "READ BINARY of a transparent EF",
    req("ISO4-RB", "ISO4-RB-SFI"),
    "Verify that READ BINARY returns the EF content, addressed as current EF and by SFI.",
    [POWERED, IN_DF],
    [
        (
            "SELECT the transparent EF; READ BINARY offset 0, Le = size",
            "9000 and the whole content",
        ),
        ("READ BINARY offset 4, Le=4", "9000 and bytes 4..7"),
        ("Re-select the DF; READ BINARY with P1 = 80|SFI", "9000 and the whole content"),
    ],
    ["Every read returns exactly the known content at the requested offset"],
)
def bin_read(ctx: TestContext) -> None:
    lay = enter_df(ctx)
    content = lay.transparent.content
    ctx.step("1")
    select_ef(ctx, lay.transparent.fid_bytes)
    r = ctx.card.send(cmd.read_binary(0, len(content)))
    ctx.check_sw(r, "9000")
    ctx.check_equal(r.data, content, "content of the transparent EF")
    ctx.step("2")
    r = ctx.card.send(cmd.read_binary(4, 4))
    ctx.check_sw(r, "9000")
    ctx.check_equal(r.data, content[4:8], "bytes at offset 4")
    ctx.step("3")
    enter_df(ctx)
    r = ctx.card.send(cmd.read_binary(0, len(content), sfi=lay.transparent.sfi))
    ctx.check_sw(r, "9000")
    ctx.check_equal(r.data, content, "content read by SFI")


@case(
    "CO-BIN-002",
    "READ BINARY beyond the end of the file",
    req("ISO4-RB-RANGE"),
    "Verify that an offset past the end of a transparent EF is refused.",
    [POWERED, IN_DF, "Transparent EF selected"],
    [("READ BINARY at offset = size + 1, Le=1", "6B00")],
    ["SW 6B00"],
    polarity=Polarity.NEGATIVE,
)
def bin_range(ctx: TestContext) -> None:
    lay = enter_df(ctx)
    select_ef(ctx, lay.transparent.fid_bytes)
    ctx.step("1")
    r = ctx.card.send_raw(cmd.read_binary(len(lay.transparent.content) + 1, 1))
    ctx.check_sw(r, "6B00")


@case(
    "CO-BIN-003",
    "Commands incompatible with the file structure",
    req("ISO4-STRUCT"),
    "Verify that READ BINARY on a record file and READ RECORD on a transparent file are refused.",
    [POWERED, IN_DF],
    [
        ("READ BINARY with P1 = 80|SFI of the record EF", "6981"),
        ("READ RECORD 1 with P2 = SFI of the transparent EF", "6981"),
    ],
    ["Both commands answer 6981"],
    polarity=Polarity.NEGATIVE,
)
def bin_structure(ctx: TestContext) -> None:
    lay = enter_df(ctx)
    ctx.step("1")
    ctx.check_sw(
        ctx.card.send(cmd.read_binary(0, 4, sfi=lay.records.sfi)),
        "6981",
        what="READ BINARY on records",
    )
    ctx.step("2")
    ctx.check_sw(
        ctx.card.send(cmd.read_record(1, lay.transparent.sfi)),
        "6981",
        what="READ RECORD on transparent",
    )


@case(
    "CO-BIN-004",
    "UPDATE BINARY under a PIN access condition",
    req("ISO4-UB", "ISO4-AC", "ISO4-VERIFY"),
    "Verify that an update protected by the PIN is refused before VERIFY and done after it.",
    [POWERED, IN_DF, "PIN not verified"],
    [
        ("UPDATE BINARY by SFI, offset 0, 4 new bytes", "6982"),
        ("READ BINARY", "content unchanged"),
        ("VERIFY the correct PIN; UPDATE BINARY the same bytes", "9000"),
        ("READ BINARY; restore the original bytes", "the new bytes, then 9000"),
    ],
    ["Update refused with 6982 and nothing written before VERIFY", "Update done after VERIFY"],
)
def bin_update_pin(ctx: TestContext) -> None:
    lay = enter_df(ctx)
    ef = lay.transparent
    new = bytes([0xA5, 0x5A, 0xC3, 0x3C])
    ctx.step("1")
    ctx.check_sw(
        ctx.card.send(cmd.update_binary(new, sfi=ef.sfi)), "6982", what="update before VERIFY"
    )
    ctx.step("2")
    r = ctx.card.send(cmd.read_binary(0, len(ef.content), sfi=ef.sfi))
    ctx.check_equal(r.data, ef.content, "content after refused update")
    ctx.step("3")
    verify_pin(ctx, lay)
    ctx.check_sw(
        ctx.card.send(cmd.update_binary(new, sfi=ef.sfi)), "9000", what="update after VERIFY"
    )
    ctx.step("4")
    r = ctx.card.send(cmd.read_binary(0, 4, sfi=ef.sfi))
    ctx.check_equal(r.data, new, "bytes written")
    ctx.card.send(cmd.update_binary(ef.content[:4], sfi=ef.sfi))


@case(
    "CO-REC-001",
    "READ RECORD by number and by identifier",
    req("ISO4-RR-NUM", "ISO4-RR-ID"),
    "Verify record addressing by number (P2 b3=1) and by identifier (P2 b3=0), by SFI and in the current EF.",
    [POWERED, IN_DF],
    [
        ("READ RECORD n with P2 = SFI<<3|4, for every record", "9000 and record n"),
        ("READ RECORD with P1 = tag of record 2, P2 = SFI<<3|0", "9000 and record 2"),
        ("SELECT the record EF; READ RECORD 3 with P2=04", "9000 and record 3"),
    ],
    ["Each read returns the whole stored record (tag, length, value)"],
)
def rec_read(ctx: TestContext) -> None:
    lay = enter_df(ctx)
    records = lay.records.record_bytes
    ctx.step("1")
    for number, expected in enumerate(records, start=1):
        r = ctx.card.send(cmd.read_record(number, lay.records.sfi))
        ctx.check_sw(r, "9000", what=f"record {number}")
        ctx.check_equal(r.data, expected, f"record {number} content")
    ctx.step("2")
    r = ctx.card.send(cmd.read_record(records[1][0], lay.records.sfi, by_id=True))
    ctx.check_sw(r, "9000", what="record by identifier")
    ctx.check_equal(r.data, records[1], "record found by identifier")
    ctx.step("3")
    select_ef(ctx, lay.records.fid_bytes)
    r = ctx.card.send(cmd.read_record(3))
    ctx.check_sw(r, "9000", what="record 3 of the current EF")
    ctx.check_equal(r.data, records[2], "record 3 content")


@case(
    "CO-REC-002",
    "READ RECORD of an absent record",
    req("ISO4-RR-NF"),
    "Verify that a record number beyond the last record answers 6A83.",
    [POWERED, IN_DF],
    [
        ("READ RECORD n+1 by SFI where n is the number of records", "6A83"),
        ("READ RECORD identifier 7E", "6A83"),
    ],
    ["Both answer 6A83"],
    polarity=Polarity.NEGATIVE,
)
def rec_absent(ctx: TestContext) -> None:
    lay = enter_df(ctx)
    ctx.step("1")
    r = ctx.card.send(cmd.read_record(len(lay.records.records) + 1, lay.records.sfi))
    ctx.check_sw(r, "6A83", what="record number past the end")
    ctx.step("2")
    ctx.check_sw(
        ctx.card.send(cmd.read_record(0x7E, lay.records.sfi, by_id=True)),
        "6A83",
        what="absent identifier",
    )


@case(
    "CO-REC-003",
    "Access conditions on read: never and PIN",
    req("ISO4-AC", "ISO4-VERIFY"),
    "Verify that a file readable never is refused and a PIN-protected file is readable only after VERIFY.",
    [POWERED, IN_DF, "PIN not verified"],
    [
        ("READ BINARY by SFI of the read-never EF", "6982"),
        ("READ RECORD 1 of the PIN-protected EF", "6982"),
        ("VERIFY the PIN; READ RECORD 1 and 2", "9000 and the records"),
    ],
    ["6982 while the condition is not met; the data once it is"],
    polarity=Polarity.NEGATIVE,
)
def rec_access(ctx: TestContext) -> None:
    lay = enter_df(ctx)
    ctx.step("1")
    ctx.check_sw(
        ctx.card.send(cmd.read_binary(0, 1, sfi=lay.never_read.sfi)), "6982", what="read never"
    )
    ctx.step("2")
    r = ctx.card.send(cmd.read_record(1, lay.pin_read.sfi))
    ctx.check_sw(r, "6982", what="PIN-protected read before VERIFY")
    ctx.check_equal(r.data, b"", "no data before VERIFY")
    ctx.step("3")
    verify_pin(ctx, lay)
    for number, expected in enumerate(lay.pin_read.record_bytes, start=1):
        r = ctx.card.send(cmd.read_record(number, lay.pin_read.sfi))
        ctx.check_sw(r, "9000", what=f"record {number} after VERIFY")
        ctx.check_equal(r.data, expected, f"record {number} content")


# ---------------------------------------------------------------------------------------------
# PIN objects


@case(
    "CO-PIN-001",
    "Wrong PIN: 63Cx counts down, right PIN restores the counter",
    req("ISO4-VERIFY-FAIL", "ISO4-VERIFY-CTR", "SSC-PIN-63CX"),
    "Verify that each wrong PIN answers 63Cx with one try fewer and that a right PIN resets the counter.",
    [POWERED, IN_DF, "PIN counter at its limit (PICS pin_retry_limit)"],
    [
        ("VERIFY a wrong PIN, limit-1 times", "63Cx with x = limit-1, limit-2, ... 1"),
        ("VERIFY the right PIN", "9000"),
        ("VERIFY a wrong PIN", "63Cx with x = limit-1"),
        ("VERIFY the right PIN", "9000 (leaves the counter at its limit)"),
    ],
    [
        "The SW after the k-th consecutive wrong PIN is 63C(limit-k)",
        "A right PIN restores the limit",
    ],
    polarity=Polarity.NEGATIVE,
)
def pin_countdown(ctx: TestContext) -> None:
    lay = enter_df(ctx)
    limit = ctx.pics.pin_retry_limit
    wrong = cmd.pin_bcd(wrong_pin(lay.pin.value))
    ctx.step("1")
    for k in range(1, limit):
        r = ctx.card.send(cmd.verify(lay.pin.ref, wrong))
        ctx.check_equal(r.sw_hex, f"63C{limit - k:X}", f"SW after wrong PIN #{k}")
    ctx.step("2")
    ctx.check_sw(
        ctx.card.send(cmd.verify(lay.pin.ref, cmd.pin_bcd(lay.pin.value))), "9000", what="right PIN"
    )
    ctx.step("3")
    r = ctx.card.send(cmd.verify(lay.pin.ref, wrong))
    ctx.check_equal(r.sw_hex, f"63C{limit - 1:X}", "SW after a wrong PIN following a right one")
    ctx.step("4")
    ctx.check_sw(
        ctx.card.send(cmd.verify(lay.pin.ref, cmd.pin_bcd(lay.pin.value))), "9000", what="right PIN"
    )


@case(
    "CO-PIN-003",
    "VERIFY without data reports the verification status",
    req("ISO4-VERIFY-QUERY"),
    "Verify that VERIFY with no data field reports the remaining tries without consuming one.",
    [POWERED, IN_DF, "PIN not verified, counter at its limit"],
    [
        ("VERIFY P2=ref with no data", "63Cx with x = limit"),
        ("VERIFY a wrong PIN; VERIFY with no data", "63Cx with x = limit-1 both times"),
        ("VERIFY the right PIN; VERIFY with no data", "9000 both times"),
    ],
    ["Status query reports the counter and does not change it"],
    status=Status.OPTIONAL,
    applies=[claims("verify_status_query")],
    priority=2,
)
def pin_query(ctx: TestContext) -> None:
    lay = enter_df(ctx)
    limit = ctx.pics.pin_retry_limit
    ctx.step("1")
    ctx.check_equal(
        ctx.card.send(cmd.verify(lay.pin.ref)).sw_hex, f"63C{limit:X}", "status before any try"
    )
    ctx.step("2")
    ctx.card.send(cmd.verify(lay.pin.ref, cmd.pin_bcd(wrong_pin(lay.pin.value))))
    ctx.check_equal(
        ctx.card.send(cmd.verify(lay.pin.ref)).sw_hex,
        f"63C{limit - 1:X}",
        "status after a wrong PIN",
    )
    ctx.step("3")
    verify_pin(ctx, lay)
    ctx.check_sw(ctx.card.send(cmd.verify(lay.pin.ref)), "9000", what="status when verified")


@case(
    "CO-PIN-004",
    "PIN of a length outside 4-16 digits",
    req("SSC-PIN-FORMAT", "ISO4-AC"),
    "Verify that a 2-digit PIN is refused and grants no access.",
    [POWERED, IN_DF, "PIN not verified"],
    [
        ("VERIFY with one byte of data (2 digits)", "refused: 6700, 6A80 or 63Cx"),
        ("READ RECORD 1 of the PIN-protected EF", "6982"),
    ],
    ["The VERIFY is refused", "No access is granted"],
    polarity=Polarity.NEGATIVE,
    priority=2,
)
def pin_format(ctx: TestContext) -> None:
    lay = enter_df(ctx)
    ctx.step("1")
    ctx.check_sw(
        ctx.card.send(cmd.verify(lay.pin.ref, b"\x12")), "6700", "6A80", "63Cx", what="2-digit PIN"
    )
    ctx.step("2")
    ctx.check_sw(ctx.card.send(cmd.read_record(1, lay.pin_read.sfi)), "6982", what="protected read")
    ctx.card.send(cmd.verify(lay.pin.ref, cmd.pin_bcd(lay.pin.value)))


# ---------------------------------------------------------------------------------------------
# Authentication and secure messaging


@case(
    "CO-AUT-001",
    "GET CHALLENGE returns fresh random numbers",
    req("ISO4-CHAL"),
    "Verify that GET CHALLENGE returns 8 bytes and that two challenges differ.",
    [POWERED],
    [("GET CHALLENGE Le=08, twice", "9000 and 8 bytes each time, different")],
    ["Length 8", "The two challenges differ"],
)
def auth_challenge(ctx: TestContext) -> None:
    ctx.step("1")
    first = ctx.card.send(cmd.get_challenge(8))
    second = ctx.card.send(cmd.get_challenge(8))
    ctx.check_sw(first, "9000", what="first challenge")
    ctx.check_equal(len(first.data), 8, "challenge length")
    ctx.check(
        first.data != second.data,
        "challenges differ",
        "two different values",
        f"{first.data.hex()} / {second.data.hex()}",
    )


@case(
    "CO-AUT-002",
    "EXTERNAL AUTHENTICATE grants key-protected access",
    req("ISO4-EXTAUTH", "ISO4-AC"),
    "Verify that a key-protected read is refused until EXTERNAL AUTHENTICATE succeeds.",
    [POWERED, IN_DF],
    [
        ("READ BINARY by SFI of the key-protected EF", "6982"),
        ("GET CHALLENGE; EXTERNAL AUTHENTICATE with the cryptogram under the auth key", "9000"),
        ("READ BINARY by SFI of the key-protected EF", "9000 and the content"),
    ],
    ["Access only after authentication, with the known content"],
)
def auth_external(ctx: TestContext) -> None:
    lay = enter_df(ctx)
    ef = lay.key_read
    ctx.step("1")
    ctx.check_sw(
        ctx.card.send(cmd.read_binary(0, len(ef.content), sfi=ef.sfi)),
        "6982",
        what="read before auth",
    )
    ctx.step("2")
    ctx.check_sw(external_auth(ctx, lay), "9000", what="EXTERNAL AUTHENTICATE", stop=True)
    ctx.step("3")
    r = ctx.card.send(cmd.read_binary(0, len(ef.content), sfi=ef.sfi))
    ctx.check_sw(r, "9000", what="read after auth")
    ctx.check_equal(r.data, ef.content, "key-protected content")


@case(
    "CO-AUT-003",
    "EXTERNAL AUTHENTICATE with a wrong cryptogram",
    req("ISO4-EXTAUTH-FAIL", "ISO4-AC"),
    "Verify that a wrong cryptogram is refused with 63Cx and grants nothing.",
    [POWERED, IN_DF],
    [
        ("GET CHALLENGE; EXTERNAL AUTHENTICATE with a corrupted cryptogram", "63Cx"),
        ("READ BINARY by SFI of the key-protected EF", "6982"),
    ],
    ["63Cx", "No access"],
    polarity=Polarity.NEGATIVE,
)
def auth_wrong(ctx: TestContext) -> None:
    lay = enter_df(ctx)
    ctx.step("1")
    ctx.check_sw(external_auth(ctx, lay, right=False), "63Cx", what="wrong cryptogram")
    ctx.step("2")
    ctx.check_sw(
        ctx.card.send(cmd.read_binary(0, 1, sfi=lay.key_read.sfi)),
        "6982",
        what="read after failed auth",
    )


@case(
    "CO-AUT-004",
    "EXTERNAL AUTHENTICATE without a challenge; challenge used once",
    req("ISO4-EXTAUTH-NOCHAL"),
    "Verify that authentication needs a fresh challenge: none after reset, and none re-used.",
    [POWERED, IN_DF, "No GET CHALLENGE since the reset"],
    [
        ("EXTERNAL AUTHENTICATE with 8 arbitrary bytes, no challenge requested", "6984 or 6985"),
        ("GET CHALLENGE; EXTERNAL AUTHENTICATE right cryptogram", "9000"),
        (
            "EXTERNAL AUTHENTICATE again with the same cryptogram",
            "6984 or 6985 (challenge consumed)",
        ),
    ],
    ["Refused without a challenge", "A challenge serves one authentication only"],
    polarity=Polarity.NEGATIVE,
    priority=2,
)
def auth_no_challenge(ctx: TestContext) -> None:
    lay = enter_df(ctx)
    ctx.step("1")
    r = ctx.card.send(cmd.external_authenticate(lay.auth_key.ref, bytes(8)))
    ctx.check_sw(r, "6984", "6985", what="no challenge")
    ctx.step("2")
    challenge = ctx.card.send(cmd.get_challenge(8))
    ctx.require_sw(challenge, "9000", what="GET CHALLENGE")
    key = lay.auth_key
    value = crypto.cryptogram(key.algorithm, key.key, challenge.data)
    ctx.check_sw(
        ctx.card.send(cmd.external_authenticate(key.ref, value)), "9000", what="fresh challenge"
    )
    ctx.step("3")
    ctx.check_sw(
        ctx.card.send(cmd.external_authenticate(key.ref, value)),
        "6984",
        "6985",
        what="replayed cryptogram",
    )


@case(
    "CO-SM-001",
    "Secure messaging: MAC-protected UPDATE BINARY",
    req("ISO4-SM-MAC", "ISO4-SM-BAD", "ISO4-AC"),
    "Verify that an update protected by mac:N is done with a right MAC and refused with 6988 otherwise.",
    [POWERED, IN_DF],
    [
        ("UPDATE BINARY in plain (CLA 00) of the MAC-protected EF", "6982"),
        ("GET CHALLENGE; UPDATE BINARY CLA 04 with a wrong MAC", "6988"),
        ("READ BINARY", "content unchanged"),
        ("GET CHALLENGE; UPDATE BINARY CLA 04 with the right MAC", "9000"),
        ("READ BINARY", "the new bytes"),
    ],
    ["Plain update refused", "Wrong MAC refused with 6988 and nothing written", "Right MAC writes"],
    status=Status.OPTIONAL,
    applies=[claims("secure_messaging")],
)
def sm_mac(ctx: TestContext) -> None:
    lay = enter_df(ctx)
    ef = lay.mac_update
    new = bytes([0x5A]) * 4
    ctx.step("1")
    ctx.check_sw(ctx.card.send(cmd.update_binary(new, sfi=ef.sfi)), "6982", what="plain update")
    ctx.step("2")
    ctx.check_sw(mac_update_binary(ctx, lay, new, good=False), "6988", what="wrong MAC")
    ctx.step("3")
    r = ctx.card.send(cmd.read_binary(0, len(ef.content), sfi=ef.sfi))
    ctx.check_equal(r.data, ef.content, "content after refused updates")
    ctx.step("4")
    ctx.check_sw(mac_update_binary(ctx, lay, new, good=True), "9000", what="right MAC")
    ctx.step("5")
    r = ctx.card.send(cmd.read_binary(0, 4, sfi=ef.sfi))
    ctx.check_equal(r.data, new, "bytes written under MAC")
    mac_update_binary(ctx, lay, ef.content[:4], good=True)  # leave the sample as found


# ---------------------------------------------------------------------------------------------
# Reset and T=0


@case(
    "CO-RST-001",
    "Reset clears a verified PIN",
    req("ISO4-SEC-RESET"),
    "Verify that a PIN verified before a reset no longer grants access after it.",
    [POWERED, IN_DF, "PIN verified"],
    [
        ("VERIFY the PIN; READ RECORD 1 of the PIN-protected EF", "9000"),
        ("Warm reset; SELECT the test DF; READ RECORD 1", "6982"),
        ("Cold reset; SELECT the test DF; READ RECORD 1", "6982"),
    ],
    ["No access after either reset"],
    polarity=Polarity.NEGATIVE,
)
def reset_pin(ctx: TestContext) -> None:
    lay = enter_df(ctx)
    ctx.step("1")
    verify_pin(ctx, lay)
    ctx.require_sw(
        ctx.card.send(cmd.read_record(1, lay.pin_read.sfi)), "9000", what="read after VERIFY"
    )
    for step, cold in (("2", False), ("3", True)):
        ctx.step(step)
        ctx.card.reset(cold=cold)
        enter_df(ctx)
        r = ctx.card.send(cmd.read_record(1, lay.pin_read.sfi))
        ctx.check_sw(r, "6982", what=f"read after {'cold' if cold else 'warm'} reset")
        verify_pin(ctx, lay)


@case(
    "CO-RST-002",
    "Reset clears an external authentication",
    req("ISO4-SEC-RESET"),
    "Verify that a key authenticated before a reset no longer grants access after it.",
    [POWERED, IN_DF],
    [
        ("EXTERNAL AUTHENTICATE; READ BINARY of the key-protected EF", "9000"),
        ("Warm reset; SELECT the test DF; READ BINARY of the key-protected EF", "6982"),
    ],
    ["No access after the reset"],
    polarity=Polarity.NEGATIVE,
)
def reset_key(ctx: TestContext) -> None:
    lay = enter_df(ctx)
    ctx.step("1")
    ctx.require_sw(external_auth(ctx, lay), "9000", what="EXTERNAL AUTHENTICATE")
    ctx.require_sw(
        ctx.card.send(cmd.read_binary(0, 1, sfi=lay.key_read.sfi)), "9000", what="read after auth"
    )
    ctx.step("2")
    ctx.card.reset()
    enter_df(ctx)
    ctx.check_sw(
        ctx.card.send(cmd.read_binary(0, 1, sfi=lay.key_read.sfi)), "6982", what="read after reset"
    )


@case(
    "CO-T0-001",
    "T=0: SELECT answers 61xx, GET RESPONSE delivers the FCI",
    req("ISO3-T0-61", "SSC-T0"),
    "Verify the T=0 case-4 exchange: 61xx with the exact length, then GET RESPONSE.",
    [POWERED],
    [
        ("SELECT by name the test DF (frame sent as is)", "61xx"),
        ("GET RESPONSE with Le = xx", "xx bytes of FCI and 9000"),
    ],
    ["61xx where xx is the FCI length", "GET RESPONSE returns exactly that many bytes"],
    applies=[protocol("T=0")],
)
def t0_61(ctx: TestContext) -> None:
    lay = layout(ctx)
    ctx.step("1")
    r = ctx.card.send_raw(cmd.select_name(lay.df_name_bytes))
    ctx.check_sw(r, "61xx", what="SELECT under T=0", stop=True)
    ctx.step("2")
    g = ctx.card.send_raw(cmd.get_response(r.sw2))
    ctx.check_sw(g, "9000", what="GET RESPONSE")
    ctx.check_equal(len(g.data), r.sw2, "bytes delivered by GET RESPONSE")
    ctx.check(g.data[:1] == b"\x6f", "FCI template", "6F...", g.data)


@case(
    "CO-T0-002",
    "T=0: wrong Le answers 6Cxx",
    req("ISO3-T0-6C", "SSC-T0"),
    "Verify that READ BINARY with a too-long Le answers 6Cxx with the available length.",
    [POWERED, IN_DF, "Transparent EF selected"],
    [
        ("READ BINARY offset 0 with Le = size + 16 (frame sent as is)", "6Cxx with xx = size"),
        ("Re-issue with Le = xx", "the whole content and 9000"),
    ],
    ["6C(size)", "The re-issued command returns the content"],
    applies=[protocol("T=0")],
)
def t0_6c(ctx: TestContext) -> None:
    lay = enter_df(ctx)
    size = len(lay.transparent.content)
    select_ef(ctx, lay.transparent.fid_bytes)
    ctx.step("1")
    r = ctx.card.send_raw(cmd.read_binary(0, size + 16))
    ctx.check_equal(r.sw_hex, f"6C{size:02X}", "SW for a too-long Le", stop=True)
    ctx.step("2")
    r = ctx.card.send_raw(cmd.read_binary(0, r.sw2))
    ctx.check_sw(r, "9000")
    ctx.check_equal(r.data, lay.transparent.content, "content after re-issue")


@case(
    "CO-T0-003",
    "T=0: response data is not kept past the next command",
    req("ISO4-GR-STALE", "ISO3-T0-61"),
    "Verify that data announced by 61xx is discarded when another command intervenes.",
    [POWERED],
    [
        ("SELECT by name the test DF (frame sent as is)", "61xx"),
        ("GET CHALLENGE (another command instead of GET RESPONSE)", "9000"),
        ("GET RESPONSE with the xx of step 1", "refused (6985, 6F00 or 6Cxx), no FCI"),
    ],
    ["The FCI of step 1 is not returned in step 3"],
    polarity=Polarity.NEGATIVE,
    applies=[protocol("T=0")],
    priority=2,
)
def t0_stale(ctx: TestContext) -> None:
    lay = layout(ctx)
    ctx.step("1")
    r = ctx.card.send_raw(cmd.select_name(lay.df_name_bytes))
    ctx.require_sw(r, "61xx", what="SELECT under T=0")
    ctx.step("2")
    ctx.card.send_raw(cmd.get_challenge(8))
    ctx.step("3")
    g = ctx.card.send_raw(cmd.get_response(r.sw2))
    ctx.check(g.sw != 0x9000 and g.sw1 != 0x61, "GET RESPONSE refused", "not 9000 / 61xx", g.sw_hex)
    ctx.check(not g.data.startswith(b"\x6f"), "stale FCI not returned", "no 6F data", g.data)


# ---------------------------------------------------------------------------------------------
# Malformed commands


@case(
    "CO-MAL-001",
    "Command length inconsistent with Lc",
    req("ISO4-MAL-LEN"),
    "Verify that a command whose Lc announces more data than present answers 6700.",
    [POWERED],
    [("SELECT with Lc=04 and only 2 data bytes", "6700"), ("Frame of 3 bytes (00 A4 00)", "6700")],
    ["Both answer 6700"],
    polarity=Polarity.NEGATIVE,
    applies=[raw_frames()],
)
def mal_length(ctx: TestContext) -> None:
    ctx.step("1")
    ctx.check_sw(
        ctx.card.send_raw(bytes.fromhex("00A40000043F00")), "6700", what="Lc longer than data"
    )
    ctx.step("2")
    ctx.check_sw(ctx.card.send_raw(bytes.fromhex("00A400")), "6700", what="3-byte frame")


@case(
    "CO-MAL-002",
    "Unknown instruction and class",
    req("ISO4-MAL-INS", "ISO4-MAL-CLA"),
    "Verify the status words for an unsupported INS and an unsupported CLA.",
    [POWERED],
    [
        ("Command 00 FE 00 00 (INS not defined)", "6D00"),
        ("Command A0 B0 00 00 01 (CLA not supported)", "6E00"),
    ],
    ["6D00 and 6E00"],
    polarity=Polarity.NEGATIVE,
)
def mal_ins_cla(ctx: TestContext) -> None:
    ctx.step("1")
    ctx.check_sw(ctx.card.send_raw(bytes.fromhex("00FE0000")), "6D00", what="unknown INS")
    ctx.step("2")
    ctx.check_sw(ctx.card.send_raw(bytes.fromhex("A0B0000001")), "6E00", what="unknown CLA")


@case(
    "CO-MAL-003",
    "Any byte string gets a well-formed status word",
    req("ISO4-MAL-ANY"),
    "Verify robustness: 200 pseudo-random frames (seeded) each get a response ending in a valid SW.",
    [POWERED],
    [
        (
            "Send 200 frames of 4..40 random bytes (seed 8), then SELECT the MF",
            "each answer has >= 2 bytes, SW1 in 6x/9x; the MF is still selectable",
        )
    ],
    ["Every answer ends with a status word; the card still works"],
    polarity=Polarity.NEGATIVE,
    applies=[raw_frames()],
    priority=2,
)
def mal_fuzz(ctx: TestContext) -> None:
    rng = random.Random(8)
    ctx.step("1")
    bad: list[str] = []
    for _ in range(200):
        frame = bytes(rng.randrange(256) for _ in range(rng.randrange(4, 41)))
        if len(frame) > 1 and frame[1] in (0x20, 0x24, 0x2C, 0x82):
            continue  # keep the card's PIN and key counters out of it
        raw = ctx.card.transport.transmit_raw(frame)
        if len(raw) < 2 or raw[-2] >> 4 not in (0x6, 0x9) or raw[-2] in (0x60,):
            bad.append(f"{frame.hex()} -> {raw.hex()}")
    ctx.check(not bad, "well-formed status words", "all", bad[:3] or "all")
    r = ctx.card.send(cmd.select_fid(bytes.fromhex("3F00")))
    ctx.check_sw(r, "9000", what="MF still selectable")


# ---------------------------------------------------------------------------------------------
# Destructive cases run last: a card that keeps its state (PC/SC) is clean until here.


@case(
    "CO-PIN-002",
    "PIN blocked after the retry limit",
    req("ISO4-VERIFY-BLOCK", "SSC-PIN-63CX", "ISO4-AC"),
    "Verify that the PIN is blocked after limit wrong tries and then refuses even the right PIN.",
    [POWERED, IN_DF, "PIN counter at its limit"],
    [
        ("VERIFY a wrong PIN limit times", "last answer 63C0 (or 6983)"),
        ("VERIFY the right PIN", "6983"),
        ("READ RECORD 1 of the PIN-protected EF", "6982"),
    ],
    ["The right PIN is refused with 6983 once blocked", "No access is granted"],
    polarity=Polarity.NEGATIVE,
    applies=[destructive()],
    tags=("destructive",),
)
def pin_block(ctx: TestContext) -> None:
    lay = enter_df(ctx)
    wrong = cmd.pin_bcd(wrong_pin(lay.pin.value))
    ctx.step("1")
    last = None
    for _ in range(ctx.pics.pin_retry_limit):
        last = ctx.card.send(cmd.verify(lay.pin.ref, wrong))
    assert last is not None
    ctx.check_sw(last, "63C0", "6983", what="last wrong PIN")
    ctx.step("2")
    ctx.check_sw(
        ctx.card.send(cmd.verify(lay.pin.ref, cmd.pin_bcd(lay.pin.value))),
        "6983",
        what="right PIN when blocked",
    )
    ctx.step("3")
    ctx.check_sw(
        ctx.card.send(cmd.read_record(1, lay.pin_read.sfi)),
        "6982",
        what="protected read when blocked",
    )


def wrong_pin(pin: str) -> str:
    """A PIN of the same length that differs from `pin` in its last digit."""
    return pin[:-1] + str((int(pin[-1]) + 1) % 10)


def find_tlv(data: bytes, tag: int) -> bytes | None:
    """The value of the first one-byte-tag BER-TLV with `tag` at this level, or None."""
    i = 0
    while i + 2 <= len(data):
        t, length = data[i], data[i + 1]
        start = i + 2
        if length == 0x81 and start < len(data):
            length, start = data[start], start + 1
        if t == tag:
            return data[start : start + length]
        i = start + length
    return None
