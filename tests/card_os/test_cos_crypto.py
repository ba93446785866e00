"""crypto: published vectors, MAC algorithms cross-checked by composition, diversification."""

from __future__ import annotations

import pytest

from card_os import crypto

K16 = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")


def test_sm4_standard_vector() -> None:
    # GB/T 32907-2016 appendix A example 1.
    assert crypto.sm4_encrypt_ecb(K16, K16).hex() == "681edf34d206965e86b3e94f536e4246"
    assert crypto.sm4_decrypt_ecb(K16, bytes.fromhex("681edf34d206965e86b3e94f536e4246")) == K16


def test_des_standard_vector() -> None:
    # FIPS 81 / "Now is t" example: single DES as 3DES with K1=K2=K3.
    key = bytes.fromhex("0123456789ABCDEF")
    out = crypto.tdes_encrypt_ecb(key, b"Now is t")
    assert out.hex() == "3fa40e8a984d4815"


def test_padding_method_2() -> None:
    assert crypto.pad_m2(b"") == bytes.fromhex("8000000000000000")
    assert crypto.pad_m2(b"\x01" * 8) == b"\x01" * 8 + bytes.fromhex("8000000000000000")
    assert crypto.pad_m2(b"\x01", 16) == b"\x01\x80" + bytes(14)
    assert crypto.unpad_m2(crypto.pad_m2(b"abc")) == b"abc"
    with pytest.raises(ValueError, match="padding"):
        crypto.unpad_m2(bytes(8))


def test_retail_mac_matches_its_definition() -> None:
    data = bytes(range(20))
    iv = bytes.fromhex("1122334455667788")
    left, right = K16[:8], K16[8:]
    blocks = crypto.pad_m2(data)
    state = iv
    for i in range(0, len(blocks), 8):
        block = bytes(a ^ b for a, b in zip(state, blocks[i : i + 8], strict=True))
        state = crypto.tdes_encrypt_ecb(left, block)
    expected = crypto.tdes_encrypt_ecb(left, crypto.tdes_decrypt_ecb(right, state))
    assert crypto.mac_alg3(K16, data, iv) == expected
    assert crypto.mac("3des", K16, data, iv) == expected


def test_alg1_and_sm4_cbc_mac_are_last_cbc_block() -> None:
    data = b"social security"
    assert crypto.mac_alg1(K16, data) == crypto.tdes_encrypt_cbc(K16, crypto.pad_m2(data))[-8:]
    iv = bytes(range(16))
    assert (
        crypto.sm4_cbc_mac(K16, data, iv)
        == crypto.sm4_encrypt_cbc(K16, crypto.pad_m2(data, 16), iv)[-16:]
    )
    # An 8-byte IV for SM4 is the challenge followed by zeros.
    assert crypto.mac("sm4", K16, data, iv[:8]) == crypto.sm4_cbc_mac(K16, data, iv[:8] + bytes(8))


def test_diversify_shapes() -> None:
    factor = bytes.fromhex("0011223344556677")
    tdes = crypto.diversify(K16, factor, "3des")
    assert tdes[:8] == crypto.tdes_encrypt_ecb(K16, factor)
    assert tdes[8:] == crypto.tdes_encrypt_ecb(K16, crypto.complement(factor))
    sm4 = crypto.diversify(K16, factor, "sm4")
    assert sm4 == crypto.sm4_encrypt_ecb(K16, factor + crypto.complement(factor))
    assert crypto.session_key(K16, factor, "sm4") == sm4
    with pytest.raises(ValueError, match="8 bytes"):
        crypto.diversify(K16, b"\x00", "3des")


def test_cryptogram_padding_rule() -> None:
    challenge = bytes(range(8))
    assert crypto.cryptogram("3des", K16, challenge) == crypto.tdes_encrypt_ecb(K16, challenge)
    assert (
        crypto.cryptogram("sm4", K16, challenge)
        == crypto.sm4_encrypt_ecb(K16, crypto.pad_m2(challenge, 16))[:8]
    )


def test_bad_keys_are_named() -> None:
    with pytest.raises(ValueError, match="3DES key must be"):
        crypto.tdes_encrypt_ecb(b"\x00" * 5, bytes(8))
    with pytest.raises(ValueError, match="SM4 key must be 16"):
        crypto.sm4_encrypt_ecb(b"\x00" * 8, bytes(16))
    with pytest.raises(ValueError, match="multiple"):
        crypto.tdes_encrypt_ecb(K16, bytes(7))
