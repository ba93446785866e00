"""READ BINARY / UPDATE BINARY: offsets, SFI in P1, access, bounds."""

from __future__ import annotations


def test_read_offsets(s) -> None:
    assert s.ok("00B0810000") == bytes.fromhex("00112233445566778899AABBCCDDEEFF")  # SFI 1
    assert s.card.channel(0).ef.fid == 0x2F00  # SFI access makes the EF current
    assert s.ok("00B0000404") == bytes.fromhex("44556677")
    assert s.ok("00B0000E00") == bytes.fromhex("EEFF")  # T=1: what is there
    assert s.sw("00B0001000") == 0x6B00
    assert s.sw("00B0A10000") == 0x6A86  # P1 100xxxxx with b7-b6 set
    assert s.sw("00B0850000") == 0x6A82


def test_read_needs_current_transparent_ef(s) -> None:
    assert s.sw("00B0000000") == 0x6986
    s.select_ssse()
    s.ok("00A4020C02EF05")
    assert s.sw("00B0000000") == 0x6981
    assert s.sw("00B0000001AA") == 0x6700  # data in a READ BINARY
    assert s.sw("00B00000") == 0x6700  # no Le


def test_update_needs_pin(s) -> None:
    assert s.sw("00D6810002ABCD") == 0x6982
    s.ok("0020000103123456")
    s.ok("00D6810202ABCD")
    assert s.ok("00B0810004") == bytes.fromhex("0011ABCD")
    assert s.sw("00D6000F02ABCD") == 0x6700  # runs past the end
    assert s.sw("00D6001102ABCD") == 0x6B00
    assert s.sw("00D6000000") != 0x9000


def test_never_and_combined_rules(s) -> None:
    s.select_ssse()
    assert s.sw("00B0890000") == 0x6982  # read: never
    assert s.sw("00D6890002AABB") == 0x6982  # update: pin:0&key:4
    s.ok("0020000003123456")
    assert s.sw("00D6890002AABB") == 0x6982  # PIN alone is not enough


def test_pin_of_parent_protects_child_df(s) -> None:
    s.ok("00A4040006D1560000050300")
    assert s.sw("00B0850000") == 0x6982  # DF04/EF05 read: pin:0 of SSSE
    s.ok("0020000003123456")
    assert s.ok("00B0850000") == bytes.fromhex("CAFEBABE")
