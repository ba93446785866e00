"""Block ciphers, MACs and key derivation of the card and its issuer (pure functions over bytes).

3DES (2-key and 3-key; an 8-byte key means single DES) and SM4, ECB and CBC, through
`cryptography`. ISO/IEC 9797-1 padding method 2, MAC algorithm 1 (CBC-MAC) and algorithm 3
(the "retail MAC"), the SM4 CBC-MAC, PBOC-style key diversification and session keys.
Back-ends import these names; keep them stable.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

try:  # cryptography >= 43 moved TripleDES to the decrepit module
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
except ImportError:  # pragma: no cover - older cryptography
    TripleDES = algorithms.TripleDES  # type: ignore[attr-defined,misc]

Algorithm = Literal["3des", "des", "sm4"]
ALGORITHMS: tuple[str, ...] = ("3des", "des", "sm4")


def block_size(algorithm: str) -> int:
    """Cipher block size in bytes: 8 for (3)DES, 16 for SM4."""
    return 16 if algorithm == "sm4" else 8


def _tdes_key(key: bytes) -> bytes:
    if len(key) == 8:
        return key * 3
    if len(key) == 16:
        return key + key[:8]
    if len(key) == 24:
        return key
    raise ValueError(f"3DES key must be 8, 16 or 24 bytes, got {len(key)}")


@lru_cache(maxsize=256)
def _tdes(key: bytes) -> TripleDES:
    return TripleDES(_tdes_key(key))


@lru_cache(maxsize=256)
def _sm4(key: bytes) -> algorithms.SM4:
    if len(key) != 16:
        raise ValueError(f"SM4 key must be 16 bytes, got {len(key)}")
    return algorithms.SM4(key)


def _check_blocks(data: bytes, size: int) -> None:
    if len(data) % size:
        raise ValueError(f"data length {len(data)} is not a multiple of the {size}-byte block")


def _run(algo: object, mode: object, data: bytes, encrypt: bool) -> bytes:
    cipher = Cipher(algo, mode)  # type: ignore[arg-type]
    ctx = cipher.encryptor() if encrypt else cipher.decryptor()
    return ctx.update(data) + ctx.finalize()


def tdes_encrypt_ecb(key: bytes, data: bytes) -> bytes:
    """3DES-ECB encryption (8-byte key: single DES)."""
    _check_blocks(data, 8)
    return _run(_tdes(key), modes.ECB(), data, True)


def tdes_decrypt_ecb(key: bytes, data: bytes) -> bytes:
    """3DES-ECB decryption."""
    _check_blocks(data, 8)
    return _run(_tdes(key), modes.ECB(), data, False)


def tdes_encrypt_cbc(key: bytes, data: bytes, iv: bytes = bytes(8)) -> bytes:
    """3DES-CBC encryption."""
    _check_blocks(data, 8)
    return _run(_tdes(key), modes.CBC(iv), data, True)


def tdes_decrypt_cbc(key: bytes, data: bytes, iv: bytes = bytes(8)) -> bytes:
    """3DES-CBC decryption."""
    _check_blocks(data, 8)
    return _run(_tdes(key), modes.CBC(iv), data, False)


def sm4_encrypt_ecb(key: bytes, data: bytes) -> bytes:
    """SM4-ECB encryption (GB/T 32907)."""
    _check_blocks(data, 16)
    return _run(_sm4(key), modes.ECB(), data, True)


def sm4_decrypt_ecb(key: bytes, data: bytes) -> bytes:
    """SM4-ECB decryption."""
    _check_blocks(data, 16)
    return _run(_sm4(key), modes.ECB(), data, False)


def sm4_encrypt_cbc(key: bytes, data: bytes, iv: bytes = bytes(16)) -> bytes:
    """SM4-CBC encryption."""
    _check_blocks(data, 16)
    return _run(_sm4(key), modes.CBC(iv), data, True)


def sm4_decrypt_cbc(key: bytes, data: bytes, iv: bytes = bytes(16)) -> bytes:
    """SM4-CBC decryption."""
    _check_blocks(data, 16)
    return _run(_sm4(key), modes.CBC(iv), data, False)


def encrypt_ecb(algorithm: str, key: bytes, data: bytes) -> bytes:
    """ECB encryption with `algorithm` ("3des", "des" or "sm4")."""
    if algorithm == "sm4":
        return sm4_encrypt_ecb(key, data)
    if algorithm in ("3des", "des"):
        return tdes_encrypt_ecb(key, data)
    raise ValueError(f"unknown algorithm {algorithm!r}")


def decrypt_ecb(algorithm: str, key: bytes, data: bytes) -> bytes:
    """ECB decryption with `algorithm`."""
    if algorithm == "sm4":
        return sm4_decrypt_ecb(key, data)
    if algorithm in ("3des", "des"):
        return tdes_decrypt_ecb(key, data)
    raise ValueError(f"unknown algorithm {algorithm!r}")


def pad_m2(data: bytes, block: int = 8) -> bytes:
    """ISO/IEC 9797-1 padding method 2: append 80, then 00 up to a block multiple."""
    padded = data + b"\x80"
    return padded + bytes(-len(padded) % block)


def unpad_m2(data: bytes) -> bytes:
    """Remove ISO/IEC 9797-1 padding method 2; ValueError when the padding is malformed."""
    stripped = data.rstrip(b"\x00")
    if not stripped or stripped[-1] != 0x80:
        raise ValueError("no ISO/IEC 9797-1 method 2 padding")
    return stripped[:-1]


def mac_alg1(key: bytes, data: bytes, iv: bytes = bytes(8)) -> bytes:
    """ISO/IEC 9797-1 MAC algorithm 1 (CBC-MAC) with (3)DES over `data` padded by method 2.

    Returns the full 8-byte final block; callers truncate (4 bytes for secure messaging).
    """
    return tdes_encrypt_cbc(key, pad_m2(data, 8), iv)[-8:]


def mac_alg3(key: bytes, data: bytes, iv: bytes = bytes(8)) -> bytes:
    """ISO/IEC 9797-1 MAC algorithm 3 (retail MAC) with a 16-byte key, padding method 2.

    Single-DES CBC under the left key half, then the last block is decrypted under the
    right half and encrypted under the left half. Returns 8 bytes.
    """
    if len(key) != 16:
        raise ValueError(f"retail MAC needs a 16-byte key, got {len(key)}")
    left, right = key[:8], key[8:]
    last = tdes_encrypt_cbc(left, pad_m2(data, 8), iv)[-8:]
    return tdes_encrypt_ecb(left, tdes_decrypt_ecb(right, last))


def sm4_cbc_mac(key: bytes, data: bytes, iv: bytes = bytes(16)) -> bytes:
    """SM4 CBC-MAC over `data` padded by method 2 (16-byte blocks). Returns 16 bytes."""
    return sm4_encrypt_cbc(key, pad_m2(data, 16), iv)[-16:]


def mac(algorithm: str, key: bytes, data: bytes, iv: bytes | None = None) -> bytes:
    """The card's MAC for a key: retail MAC (16-byte 3DES key), algorithm 1 (8/24-byte key)
    or SM4 CBC-MAC. `iv` defaults to zeros; an 8-byte IV for SM4 is extended with 00*8.
    Returns the full final block (8 or 16 bytes)."""
    if algorithm == "sm4":
        iv16 = bytes(16) if iv is None else (iv + bytes(16))[:16]
        return sm4_cbc_mac(key, data, iv16)
    iv8 = bytes(8) if iv is None else iv[:8]
    if algorithm == "3des" and len(key) == 16:
        return mac_alg3(key, data, iv8)
    if algorithm in ("3des", "des"):
        return mac_alg1(key, data, iv8)
    raise ValueError(f"unknown algorithm {algorithm!r}")


def complement(data: bytes) -> bytes:
    """Bitwise NOT of every byte."""
    return bytes(b ^ 0xFF for b in data)


def diversify(master_key: bytes, factor: bytes, algorithm: str) -> bytes:
    """PBOC-style derivation of a 16-byte key from `master_key` and an 8-byte `factor`.

    3DES: left = E(factor), right = E(~factor). SM4: E(factor || ~factor), one block.
    """
    if len(factor) != 8:
        raise ValueError(f"diversification factor must be 8 bytes, got {len(factor)}")
    if algorithm == "sm4":
        return sm4_encrypt_ecb(master_key, factor + complement(factor))
    if algorithm in ("3des", "des"):
        return tdes_encrypt_ecb(master_key, factor + complement(factor))
    raise ValueError(f"unknown algorithm {algorithm!r}")


def session_key(key: bytes, process_factor: bytes, algorithm: str) -> bytes:
    """Session key from a key and an 8-byte process factor (过程因子), derived like `diversify`."""
    return diversify(key, process_factor, algorithm)


def cryptogram(algorithm: str, key: bytes, data: bytes) -> bytes:
    """The 8-byte authentication cryptogram of `data` under `key`.

    `data` is encrypted in ECB as is when it fills whole blocks, otherwise after padding
    method 2 (so an 8-byte challenge becomes one 16-byte SM4 block); the first 8 bytes of
    the result are the cryptogram. Used by EXTERNAL and INTERNAL AUTHENTICATE.
    """
    size = block_size(algorithm)
    block = data if data and len(data) % size == 0 else pad_m2(data, size)
    return encrypt_ecb(algorithm, key, block)[:8]
