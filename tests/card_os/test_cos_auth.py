"""GET CHALLENGE, EXTERNAL / INTERNAL AUTHENTICATE (3DES and SM4, with process factors),
and secure-messaging command MACs (CLA 04/84)."""

from __future__ import annotations

from cos_fixture import K_3DES, K_MAC, K_SM4, K_SM4_MAC, K_UNBLOCK, rec

from card_os import crypto

FACTOR = bytes.fromhex("0102030405060708")


def sm_command(header: str, data: bytes, algorithm: str, key: bytes, challenge: bytes) -> bytes:
    """A command with a 4-byte MAC appended (MAC over header || Lc' || data, IV = challenge)."""
    head = bytes.fromhex(header)
    lc = bytes((len(data) + 4,))
    mac = crypto.mac(algorithm, key, head + lc + data, challenge)[:4]
    return head + lc + data + mac


def test_get_challenge(s) -> None:
    c1 = s.ok("0084000008")
    c2 = s.ok("0084000008")
    assert len(c1) == 8 and c1 != c2
    assert len(s.ok("0084000004")) == 4
    assert len(s.ok("0084000010")) == 16
    assert s.sw("0084000007") == 0x6700
    assert s.sw("0084010008") == 0x6A86
    assert s.card.channel(0).challenge == c2 or len(s.card.channel(0).challenge) == 16


def test_external_auth_3des_plain(s) -> None:
    challenge = s.ok("0084000008")
    cryptogram = crypto.tdes_encrypt_ecb(K_3DES, challenge)
    s.ok("0082000408" + cryptogram.hex())
    assert s.card.mf.keys[4] in s.card.channel(0).security.keys


def test_external_auth_sm4_with_process_factor(s) -> None:
    s.select_ssse()
    assert s.sw("00B2013400") == 0x6982  # EF06 read: key:10|pin:0
    challenge = s.ok("0084000008")
    sk = crypto.diversify(K_SM4, FACTOR, "sm4")
    # SM4: the 8-byte challenge padded (method 2) to one block, first 8 bytes compared.
    cryptogram = crypto.sm4_encrypt_ecb(sk, challenge + bytes.fromhex("8000000000000000"))[:8]
    s.ok("0082000A10" + (FACTOR + cryptogram).hex())  # card-spec §2.4: 00 82 00 0A 10
    assert s.ok("00B2013400")[:2] == bytes.fromhex("0812")


def test_external_auth_failures_count_down(s) -> None:
    s.select_ssse()
    key = s.card.mf.children[1].keys[10]
    assert s.sw("0082000A08" + "00" * 8) == 0x6984  # no challenge
    assert key.tries_left == 5
    for left in (4, 3, 2, 1, 0):
        s.ok("0084000008")
        assert s.sw("0082000A08" + "00" * 8) == 0x63C0 | left
    s.ok("0084000008")
    assert s.sw("0082000A08" + "00" * 8) == 0x6983
    assert s.sw("0082007708" + "00" * 8) == 0x6A88  # unknown key
    assert s.sw("0082000107" + "00" * 7) == 0x6985  # key 1 is for internal auth only


def test_challenge_is_single_use(s) -> None:
    challenge = s.ok("0084000008")
    cryptogram = crypto.tdes_encrypt_ecb(K_3DES, challenge)
    assert s.sw("0082000408" + "00" * 8) == 0x63CE
    assert s.sw("0082000408" + cryptogram.hex()) == 0x6984


def test_internal_auth(s) -> None:
    s.select_ssse()
    data = bytes.fromhex("1122334455667788")
    out = s.ok("0088000110" + (FACTOR + data).hex() + "00")
    sk = crypto.diversify(K_3DES, FACTOR, "3des")
    assert out == crypto.tdes_encrypt_ecb(sk, data)
    out = s.ok("0088000210" + (FACTOR + data).hex() + "00")
    sk4 = crypto.diversify(K_SM4, FACTOR, "sm4")
    assert out == crypto.sm4_encrypt_ecb(sk4, data + bytes.fromhex("8000000000000000"))[:8]
    assert s.ok("008800010811223344556677880 0".replace(" ", "")) == crypto.tdes_encrypt_ecb(
        K_3DES, data
    )
    assert s.sw("0088000107" + "00" * 7) == 0x6700
    assert s.sw("0088000A08" + "00" * 8) == 0x6985  # key 10 is for external auth only


def test_sm_update_record_3des(s) -> None:
    s.select_ssse()
    challenge = s.ok("0084000008")
    s.ok("0082000D08" + crypto.tdes_encrypt_ecb(K_MAC, challenge).hex())
    new = bytes.fromhex(rec(0x05, bytes.fromhex("20221203")))
    assert s.sw(b"\x00\xdc\x05\x28" + bytes((len(new),)) + new) == 0x6982  # MAC missing
    challenge = s.ok("0084000008")
    apdu = sm_command("04DC0528", new, "3des", K_MAC, challenge)
    s.ok(apdu)
    assert s.ok("00B2052800") == new
    assert s.sw(apdu) == 0x6984  # replay: the challenge was consumed
    challenge = s.ok("0084000008")
    bad = bytearray(sm_command("04DC0528", new, "3des", K_MAC, challenge))
    bad[-1] ^= 1
    assert s.sw(bytes(bad)) == 0x6988
    challenge = s.ok("0084000008")
    wrong_key = sm_command("04DC0528", new, "3des", K_3DES, challenge)
    assert s.sw(wrong_key) == 0x6988


def test_sm_update_record_sm4(s) -> None:
    s.select_ssse()
    new = bytes.fromhex(rec(0x0A, b"2"))
    challenge = s.ok("0084000008")
    s.ok(sm_command("84DC0A30", new, "sm4", K_SM4_MAC, challenge))  # EF06 update: mac:14
    assert s.sw("00B20A3000") == 0x6982  # reading EF06 needs key:10|pin:0
    s.ok("0020000003123456")
    assert s.ok("00B20A3000") == new


def test_sm_on_rule_without_mac_and_short_mac(s) -> None:
    challenge = s.ok("0084000008")
    apdu = sm_command("04D68100", b"\x01\x02", "3des", K_MAC, challenge)
    assert s.sw(apdu) == 0x6882  # EF 2F00 update is pin:1, no MAC key named
    assert s.sw("04D6810002AABB") == 0x6987  # SM class with fewer than 4 data bytes


def test_reset_retry_counter_under_key_with_mac(s) -> None:
    s.select_ssse()
    for _ in range(3):
        s.sw("0020000003999999")
    assert s.sw("0020000003123456") == 0x6983
    challenge = s.ok("0084000008")
    s.ok(sm_command("842C0200", bytes.fromhex("654321"), "3des", K_UNBLOCK, challenge))
    assert s.sw("00200000") == 0x63C3
    s.ok("0020000003654321")


def test_sm_class_on_a_command_that_checks_no_mac(s) -> None:
    challenge = s.ok("0084000008")
    apdu = sm_command("04A40000", bytes.fromhex("3F00"), "3des", K_MAC, challenge)
    assert s.sw(apdu) == 0x6882
    assert s.sw("8420000107123456" + "00000000") == 0x6882


def test_mac_key_must_allow_mac_usage(s) -> None:
    doc_key = s.card.mf.children[1].keys[14]
    doc_key.usage = ("external_auth",)
    s.select_ssse()
    challenge = s.ok("0084000008")
    apdu = sm_command("84DC0A30", bytes.fromhex(rec(0x0A, b"2")), "sm4", K_SM4_MAC, challenge)
    assert s.sw(apdu) == 0x6985
