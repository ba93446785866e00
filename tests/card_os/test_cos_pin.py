"""VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER, and the security-state rules."""

from __future__ import annotations

from card_os.security import decode_pin, encode_pin


def test_verify_countdown_and_block(s) -> None:
    s.select_ssse()
    assert s.sw("00200000") == 0x63C3  # empty VERIFY: tries left
    assert s.sw("0020000003123450") == 0x63C2
    assert s.sw("00200000") == 0x63C2
    assert s.sw("0020000003123450") == 0x63C1
    s.ok("0020000003123456")  # a match restores the counter
    assert s.sw("00200000") == 0x9000  # verified
    for left in (2, 1, 0):
        assert s.sw("0020000003111111") == 0x63C0 | left
    assert s.sw("0020000003123456") == 0x6983
    assert s.sw("00200000") == 0x6983
    assert s.card.to_image()["mf"]["children"][1]["pins"][0]["tries_left"] == 0


def test_verify_parameters(s) -> None:
    assert s.sw("0020000503123456") == 0x6A88  # no PIN 5
    assert s.sw("0020010003123456") == 0x6A86
    assert s.sw("00200001011F") == 0x6700  # one digit: below min_len 4
    assert s.sw("0020000103AB3456") == 0x6A80  # not BCD digits
    assert s.sw("00200001") == 0x63C3  # nothing was counted
    s.ok("0020000103123456")
    assert s.sw("0020FF01") == 0x9000  # reset verification status
    assert s.sw("00200001") == 0x63C3


def test_p2_00_means_default_pin(s) -> None:
    s.ok("0020000003123456")  # MF: no PIN 0 -> lowest reference of the MF (PIN 1)
    assert s.card.mf.pins[1] in s.card.channel(0).security.pins


def test_change_reference_data(s) -> None:
    s.select_ssse()
    assert s.sw("002400000712345 6FF654321".replace(" ", "")) == 0x9000  # old || FF || new
    assert s.sw("0020000003123456") == 0x63C2
    s.ok("0020000003654321")
    assert s.sw("0024000006999999111111") == 0x63C2  # wrong old PIN (length split)
    s.ok("0024000006654321111111")
    s.ok("0020000003111111")
    s.ok("0024010003222222")  # P1=01: new only, PIN verified
    s.ok("0020000003222222")
    assert s.sw("0024000004222222FF") == 0x6700  # empty new PIN
    assert s.sw("00240000072222 22FF11".replace(" ", "")) == 0x6700  # new PIN too short
    assert s.card.to_image()["mf"]["children"][1]["pins"][0]["value"] == "222222"


def test_change_p1_01_needs_verification(s) -> None:
    assert s.sw("0024010103222222") == 0x6982


def test_reset_retry_counter_with_puk(s) -> None:
    for _ in range(3):
        s.sw("0020000103999999")
    assert s.sw("0020000103123456") == 0x6983
    assert s.sw("002C0101048765432 0".replace(" ", "")) == 0x63C9  # wrong PUK counts down
    s.ok("002C01010487654321")  # PUK only: counter reset
    assert s.sw("00200001") == 0x63C3
    for _ in range(3):
        s.sw("0020000103999999")
    s.ok("002C0001078765432 1777777".replace(" ", ""))  # PUK || new PIN
    s.ok("0020000103777777")
    assert s.sw("002C0201") == 0x6985  # PIN 1 has no unblock key
    assert s.sw("002C0301") == 0x6985


def test_reset_retry_counter_under_authenticated_key(s) -> None:
    s.select_ssse()
    assert s.sw("002C0300") == 0x6982  # key 6 not authenticated
    assert s.sw("002C0400") == 0x6A86


def test_security_cleared_on_reset_power_off_and_application_change(s) -> None:
    s.ok("0020000103123456")  # MF PIN 1
    s.select_ssse()
    s.ok("0020000003123456")  # SSSE PIN 0
    security = s.card.channel(0).security
    assert len(security.pins) == 2
    s.ok("00A4040006D1560000050300")  # DF04 is inside SSSE: both stay
    assert len(s.card.channel(0).security.pins) == 2
    s.ok("00A4000C023F00")  # leaving SSSE forgets its PIN, keeps the MF's
    assert s.card.channel(0).security.pins == {s.card.mf.pins[1]}
    s.card.reset()
    assert s.sw("00200001") == 0x63C3
    s.ok("0020000103123456")
    s.card.power_off()
    s.card.power_on()
    assert s.sw("00200001") == 0x63C3


def test_pin_encodings_round_trip() -> None:
    for value, encoding, encoded in [
        ("123456", "bcd", "123456"),
        ("12345", "bcd", "12345F"),
        ("1234", "format2", "241234FFFFFFFFFF"),
        ("abcd", "ascii", "61626364"),
    ]:
        assert encode_pin(value, encoding).hex().upper() == encoded
        assert decode_pin(bytes.fromhex(encoded), encoding) == value
    assert decode_pin(bytes.fromhex("12A4"), "bcd") is None
