"""SELECT: by FID, DF name (partial, next occurrence), path, parent; FCI/FCP/FMD templates."""

from __future__ import annotations

from cos_fixture import DF03_AID, DF04_AID, SSSE_AID

from card_os.tlv import decode_tlv, find_tlv


def test_select_mf_variants(s) -> None:
    assert s.sw("00A40000") == 0x9000
    assert s.sw("00A4000C023F00") == 0x9000
    assert s.card.channel(0).df is s.card.mf
    fcp = s.ok("00A4000402 3F00 00")
    assert fcp[0] == 0x62
    assert find_tlv(fcp, 0x82) == b"\x38"
    assert find_tlv(fcp, 0x83) == b"\x3f\x00"


def test_select_by_name_fci(s) -> None:
    fci = s.select_ssse()
    [(tag, body)] = decode_tlv(fci)
    assert tag == 0x6F
    assert find_tlv(body, 0x84) == SSSE_AID
    assert find_tlv(body, 0xA5) == bytes.fromhex("9F0C03860103")
    assert find_tlv(fci, 0x9F0C) == bytes.fromhex("860103")  # card-spec §2.1 algorithm id
    assert s.card.channel(0).df.name == SSSE_AID


def test_select_partial_name_and_next_occurrence(s) -> None:
    fci = s.ok("00A4040005D15600000500")
    assert find_tlv(fci, 0x84) == DF04_AID  # first match in tree order
    fci = s.ok("00A4040205D15600000500")  # next occurrence
    assert find_tlv(fci, 0x84) == DF03_AID
    assert s.sw("00A4040205D15600000500") == 0x6A82  # no further occurrence
    fci = s.ok("00A4040105D15600000500")  # last
    assert find_tlv(fci, 0x84) == DF03_AID
    fci = s.ok("00A4040305D15600000500")  # previous from DF03
    assert find_tlv(fci, 0x84) == DF04_AID


def test_select_name_errors(s) -> None:
    assert s.sw("00A4040003A0000000") == 0x6A82
    assert s.sw("00A4040011" + "00" * 17) == 0x6700
    assert s.sw("00A40400") == 0x6A87


def test_select_ef_fcp_fields(s) -> None:
    s.select_ssse()
    fcp = s.ok("00A4020402EF0500")
    assert find_tlv(fcp, 0x82) == bytes.fromhex("0421002008")  # linear variable, 32 x 8
    assert find_tlv(fcp, 0x83) == bytes.fromhex("EF05")
    assert find_tlv(fcp, 0x80) == (32 * 8).to_bytes(2, "big")
    assert find_tlv(fcp, 0x88) == bytes((5 << 3,))
    assert find_tlv(fcp, 0x8A) == b"\x05"
    fmd = s.ok("00A4020802EF0500")
    assert fmd[0] == 0x64
    assert s.ok("00A4020C02EF05") == b""
    assert s.card.channel(0).ef.fid == 0xEF05


def test_select_kinds_of_p1(s) -> None:
    s.select_ssse()
    assert s.sw("00A4010C02EF05") == 0x6A82  # EF05 is not a DF
    assert s.sw("00A4020C02DF04") == 0x6A82  # DF04 is not an EF
    assert s.sw("00A4010C02DF04") == 0x9000
    assert s.card.channel(0).df.fid == 0xDF04
    assert s.sw("00A4030C") == 0x9000  # parent
    assert s.card.channel(0).df.name == SSSE_AID
    assert s.sw("00A4000C02DF04") == 0x9000  # child by P1=00
    assert s.sw("00A4000C02EF06") == 0x9000  # sibling-level EF through the parent
    assert s.card.channel(0).df.name == SSSE_AID
    s.ok("00A4000C023F00")
    assert s.sw("00A4030C") == 0x6A82  # the MF has no parent


def test_select_by_path(s) -> None:
    assert s.sw("00A4080C04DDF1DF04") == 0x9000
    assert s.card.channel(0).df.fid == 0xDF04
    assert s.sw("00A4080C06DDF1DF04EF05") == 0x9000
    assert s.card.channel(0).ef.fid == 0xEF05
    s.ok("00A4000C023F00")
    assert s.sw("00A4090C04DDF1EF06") == 0x9000  # from the current DF
    assert s.card.channel(0).ef.fid == 0xEF06
    assert s.sw("00A4080C03DDF1DF") == 0x6A87  # odd path length
    assert s.sw("00A4080C04DDF1EEEE") == 0x6A82
    assert s.sw("00A4080C06DDF1EF05EF05") == 0x6A82  # EF in the middle of a path


def test_select_wrong_parameters(s) -> None:
    assert s.sw("00A4051002EF05") == 0x6A86
    assert s.sw("00A4001002EF05") == 0x6A86  # P2 high nibble RFU
    assert s.sw("00A4000203EF0501") == 0x6A86  # occurrence with a FID
    assert s.sw("00A4000C03EF0501") == 0x6A87
    assert s.sw("00A4000C02ABCD") == 0x6A82


def test_failed_select_keeps_selection(s) -> None:
    s.select_ssse()
    s.ok("00A4020C02EF05")
    assert s.sw("00A4020C02ABCD") == 0x6A82
    ctx = s.card.channel(0)
    assert (ctx.df.name, ctx.ef.fid) == (SSSE_AID, 0xEF05)


def test_deactivated_file_selects_with_warning(s) -> None:
    s.select_ssse()
    s.ok("00A4020C02EF08")
    assert s.ok("00040000") == b""  # DEACTIVATE FILE (current EF)
    data, sw = s.send("00A4020402EF0800")
    assert sw == 0x6283
    assert find_tlv(data, 0x8A) == b"\x04"
    assert s.sw("00B2010400") == 0x6985  # contents unusable while deactivated
    assert s.sw("00440000") == 0x9000  # ACTIVATE FILE
    assert s.ok("00B2010400") == bytes.fromhex("03000000")
    s.ok("00A4020C02EF05")
    assert s.sw("00040000") == 0x6982  # EF05 may not be deactivated (default: never)
    assert s.card.to_image()["mf"]["children"][1]["children"][3]["lcs"] == "operational"
