"""READ / UPDATE / APPEND RECORD by number and by identifier, SFI and current EF, cyclic files."""

from __future__ import annotations

from cos_fixture import rec


def test_read_by_number_with_sfi(s) -> None:
    s.select_ssse()
    assert s.ok("00B2012C00") == bytes.fromhex(
        rec(1, bytes.fromhex("639900D15600000500BF7C7A48FB4966"))
    )
    assert s.ok("00B2042C00") == bytes.fromhex(rec(7, b"X00000019"))
    assert s.sw("00B2052C00") == 0x6A83  # only 4 records
    assert s.sw("00B2FF2C00") == 0x6A86


def test_read_by_identifier_card_spec_forms(s) -> None:
    s.select_ssse()
    assert s.ok("00B2052806") == bytes.fromhex("050420211203")  # card-spec §2.1
    assert s.ok("00B2032800") == bytes.fromhex(rec(3, b"3.00"))
    assert s.sw("00B2022800") == 0x6A83  # no record tagged 02


def test_read_on_current_ef(s) -> None:
    s.select_ssse()
    s.ok("00A4020C02EF05")
    assert s.ok("00B2070000")[:2] == bytes.fromhex("0709")  # identifier mode, current EF
    assert s.ok("00B2000400")[:2] == bytes.fromhex("0709")  # P1=00: current record
    assert s.ok("00B2020400")[:2] == bytes.fromhex("0304")  # number 2


def test_next_and_previous_identifier(s) -> None:
    s.select_ssse()
    s.ok("00A4020C02EF05")
    assert s.ok("00B2000000")[0] == 0x01  # identifier 00 = any, first
    assert s.ok("00B2000200")[0] == 0x03  # next
    assert s.ok("00B2000200")[0] == 0x05
    assert s.ok("00B2000300")[0] == 0x03  # previous
    assert s.ok("00B2000100")[0] == 0x07  # last


def test_read_multiple_records(s) -> None:
    s.select_ssse()
    s.ok("00A4020C02EF08")
    assert s.ok("00B2010500") == bytes.fromhex("030000000200000001000000")
    assert s.ok("00B2020600") == bytes.fromhex("0100000002000000")


def test_no_current_ef_and_structure(s) -> None:
    s.select_ssse()
    assert s.sw("00B2010400") == 0x6986
    assert s.sw("00B2014C00") == 0x6981  # SFI 9 is transparent
    assert s.sw("00B201F400") == 0x6A82  # SFI 30 absent
    assert s.sw("00B201FC00") == 0x6A86  # SFI 31 RFU
    assert s.sw("00B2012F00") == 0x6A86  # mode 111 RFU


def test_update_by_identifier_needs_key_and_mac(s) -> None:
    s.select_ssse()
    assert s.sw("00DC0528060504" + "20221203") == 0x6982


def test_update_and_append_linear_fixed(s) -> None:
    s.select_ssse()
    assert s.sw("00B2013C00") == 0x6982  # EF07 read needs PIN 0
    s.ok("0020000003123456")
    s.ok("00DC013C0411223344")
    assert s.ok("00B2013C00") == bytes.fromhex("11223344")
    assert s.sw("00DC013C03112233") == 0x6700  # fixed size 4
    s.ok("00E2003804AABBCCDD")  # APPEND to SFI 7
    assert s.ok("00B2033C00") == bytes.fromhex("AABBCCDD")
    assert s.ok("00B2000400") == bytes.fromhex("AABBCCDD")  # appended record is current
    assert s.sw("00E2003804AABBCCDD") == 0x6A84  # 3 of 3 records used
    assert s.sw("00E2013804AABBCCDD") == 0x6A86


def test_cyclic_append_and_update_previous(s) -> None:
    s.select_ssse()
    s.ok("00E2004004AA000000")  # SFI 8
    assert s.ok("00B2014400") == bytes.fromhex("AA000000")
    assert s.ok("00B2034400") == bytes.fromhex("02000000")  # oldest (01) dropped
    s.ok("00DC004304BB000000")  # UPDATE RECORD previous: writes the oldest as record 1
    assert s.ok("00B2014400") == bytes.fromhex("BB000000")
    assert s.ok("00B2024400") == bytes.fromhex("AA000000")
    assert s.sw("00DC014404CC000000") == 0x6A86  # cyclic: only "previous"
    assert s.sw("00E2004003CC0000") == 0x6700


def test_record_persists_in_image(s) -> None:
    s.select_ssse()
    s.ok("00E2004004AA000000")
    records = s.card.to_image()["mf"]["children"][1]["children"][3]["records"]
    assert records == ["AA000000", "03000000", "02000000"]
