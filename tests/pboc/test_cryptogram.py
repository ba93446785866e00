"""Cryptograms checked against an independent implementation written from EMV Book 2 (A1.3,
A1.4, 8.1, 8.2) directly on `cryptography`, and the issuer-side helpers."""

import pytest
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given, settings
from hypothesis import strategies as st

from card_os.pboc import cryptogram, issuer
from card_os.pboc.iad import AcType, Cvr, CvrBit, build_iad, cvr_from_iad


def _ecb(algorithm: str, key: bytes, data: bytes) -> bytes:
    cipher = TripleDES(key + key[:8]) if algorithm == "3des" else algorithms.SM4(key)
    enc = Cipher(cipher, modes.ECB()).encryptor()
    return enc.update(data) + enc.finalize()


def _des(key8: bytes, data: bytes, decrypt: bool = False) -> bytes:
    c = Cipher(TripleDES(key8 * 3), modes.ECB())
    op = c.decryptor() if decrypt else c.encryptor()
    return op.update(data) + op.finalize()


def _not(data: bytes) -> bytes:
    return bytes(b ^ 0xFF for b in data)


def ref_derive(algorithm: str, key: bytes, factor: bytes) -> bytes:
    if algorithm == "3des":
        return _ecb(algorithm, key, factor) + _ecb(algorithm, key, _not(factor))
    return _ecb(algorithm, key, factor + _not(factor))


def ref_mac(algorithm: str, key: bytes, data: bytes) -> bytes:
    block = 8 if algorithm == "3des" else 16
    data = data + b"\x80"
    data += bytes(-len(data) % block)
    if algorithm == "3des":  # ISO 9797-1 MAC algorithm 3
        state = bytes(8)
        for i in range(0, len(data), 8):
            state = _des(key[:8], bytes(a ^ b for a, b in zip(state, data[i : i + 8], strict=True)))
        return _des(key[:8], _des(key[8:], state, decrypt=True))
    state = bytes(16)
    for i in range(0, len(data), 16):
        chunk = bytes(a ^ b for a, b in zip(state, data[i : i + 16], strict=True))
        state = _ecb("sm4", key, chunk)
    return state[:8]


IMK = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
PAN = "6234561234567890123"


@pytest.mark.parametrize("algorithm", ["3des", "sm4"])
def test_cryptogram_matches_independent_reference(algorithm: str) -> None:
    # EMV option A: rightmost 16 digits of PAN || PSN "01".
    y = bytes.fromhex("1234567890123" + "01"[-2:] if False else "456789012301")
    y = bytes.fromhex((PAN + "01")[-16:])
    assert cryptogram.udk_factor(PAN, 1) == y
    udk = ref_derive(algorithm, IMK, y)
    assert cryptogram.derive_udk(IMK, PAN, 1, algorithm) == udk
    sk = ref_derive(algorithm, udk, bytes.fromhex("000000000000002A"))
    assert cryptogram.derive_session_key(udk, 0x2A, algorithm) == sk
    data = (
        bytes(range(52)) + bytes.fromhex("1C00") + bytes.fromhex("002A") + bytes.fromhex("03A00000")
    )
    ac = ref_mac(algorithm, sk, data)
    assert cryptogram.compute_ac(sk, data, algorithm) == ac
    arc = b"00"
    x = bytes(a ^ b for a, b in zip(ac, arc + bytes(6), strict=True))
    expected_arpc = _ecb(algorithm, sk, x + bytes(8 if algorithm == "sm4" else 0))[:8]
    assert cryptogram.compute_arpc(sk, ac, arc, algorithm) == expected_arpc


def test_short_pan_factor_is_left_padded() -> None:
    assert cryptogram.udk_factor("62345678901234", 0) == bytes.fromhex("0623456789012340")[:0] + (
        bytes.fromhex("6234567890123400")
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda: cryptogram.derive_udk(IMK, PAN, 1, "aes"),
        lambda: cryptogram.derive_session_key(IMK, 0x10000, "3des"),
        lambda: cryptogram.udk_factor("62x", 1),
        lambda: cryptogram.compute_arpc(IMK, b"short", b"00", "3des"),
    ],
)
def test_bad_inputs_raise_cryptogram_error(call) -> None:
    with pytest.raises(cryptogram.CryptogramError):
        call()


def test_cvr_and_iad_layout() -> None:
    cvr = Cvr(
        first_ac=AcType.ARQC, flags=frozenset({CvrBit.OFFLINE_PIN_PERFORMED, CvrBit.NEW_CARD})
    )
    # b8-b7 10: second AC not requested; b6-b5 10: ARQC; b3 offline PIN performed.
    assert cvr.encoded == bytes.fromhex("03A41000")
    iad = build_iad(1, 1, cvr.encoded, "sm4")
    assert len(iad) == 19 and iad[:8] == bytes.fromhex("07010103A4100004")
    assert cvr_from_iad(iad) == cvr.encoded
    with pytest.raises(ValueError, match="PBOC format"):
        cvr_from_iad(bytes(8))


@settings(max_examples=30)
@given(atc=st.integers(1, 0xFFFF), data=st.binary(min_size=52, max_size=52))
def test_issuer_verifies_what_the_same_keys_produce(atc: int, data: bytes) -> None:
    keys = issuer.CardKeys(imk_ac=IMK, pan=PAN, pan_sequence=1, algorithm="sm4")
    iad = build_iad(1, 1, Cvr(first_ac=AcType.ARQC).encoded, "sm4")
    ac = issuer.expected_ac(keys, dol_data=data, aip=b"\x1c\x00", atc=atc, iad=iad)
    assert issuer.verify_ac(keys, dol_data=data, aip=b"\x1c\x00", atc=atc, iad=iad, ac=ac)
    assert not issuer.verify_ac(keys, dol_data=data, aip=b"\x1c\x00", atc=atc - 1, iad=iad, ac=ac)
    assert not issuer.verify_ac(keys, dol_data=data, aip=b"\x1c\x00", atc=atc, iad=b"", ac=ac)


def test_atc_guard_rejects_replays_and_old_counters() -> None:
    guard = issuer.AtcGuard()
    assert guard.accept(PAN, 1, 5)
    assert not guard.accept(PAN, 1, 5)
    assert not guard.accept(PAN, 1, 4)
    assert guard.accept(PAN, 1, 6)
    assert guard.accept(PAN, 2, 1)  # another card (PSN) has its own counter
