"""Application cryptograms of the debit application, shared by the card and the issuer host.

Key hierarchy (EMV Book 2 Annex A1.4, A1.3; PBOC 3.0 Part 5/Part 17 for SM4):

* UDK (card master key) = diversify(IMK, Y) where Y is the rightmost 16 digits of
  PAN || PAN sequence number as 8 bytes BCD (EMV option A).
* Session key = diversify(UDK, 00 00 00 00 00 00 || ATC): the PBOC session-key derivation.
* AC = MAC(session key, CDOL data || AIP || ATC || CVR), ISO/IEC 9797-1 padding method 2;
  MAC algorithm 3 (retail MAC) for 3DES (gen 2), SM4 CBC-MAC cut to 8 bytes for SM4 (gen 3).
* ARPC (method 1) = E(session key)[ARQC xor (ARC || 00..00)], leftmost 8 bytes; for SM4 the
  8-byte value is right-padded with zeros to the 16-byte block (issuer choice, docs/pboc.md).

`diversify`, the block ciphers and the MACs are card_os.crypto's.
"""

from card_os import crypto

ALGORITHMS = ("3des", "sm4")
AC_LENGTH = 8


class CryptogramError(ValueError):
    """Bad input to a cryptogram computation (wrong lengths, unknown algorithm)."""


def _check_algorithm(algorithm: str) -> None:
    if algorithm not in ALGORITHMS:
        raise CryptogramError(f"algorithm must be one of {ALGORITHMS}, got {algorithm!r}")


def udk_factor(pan: str, pan_sequence: int) -> bytes:
    """Y of EMV option A: rightmost 16 digits of PAN || PSN, zero-padded on the left."""
    if not pan.isdigit():
        raise CryptogramError("PAN must be decimal digits")
    if not 0 <= pan_sequence <= 99:
        raise CryptogramError(f"PAN sequence number must be 0-99, got {pan_sequence}")
    digits = (pan + f"{pan_sequence:02d}")[-16:].rjust(16, "0")
    return bytes.fromhex(digits)


def derive_udk(imk: bytes, pan: str, pan_sequence: int, algorithm: str) -> bytes:
    """The card's master key for one usage (AC, MAC or ENC) from the issuer master key."""
    _check_algorithm(algorithm)
    return crypto.diversify(imk, udk_factor(pan, pan_sequence), algorithm)


def derive_session_key(udk: bytes, atc: int, algorithm: str) -> bytes:
    """The per-transaction key: UDK diversified by 000000000000 || ATC (PBOC)."""
    _check_algorithm(algorithm)
    if not 0 <= atc <= 0xFFFF:
        raise CryptogramError(f"ATC must fit two bytes, got {atc}")
    return crypto.diversify(udk, bytes(6) + atc.to_bytes(2, "big"), algorithm)


def ac_input(dol_data: bytes, aip: bytes, atc: int, cvr: bytes) -> bytes:
    """The data the AC is computed over: CDOL data || AIP || ATC || CVR."""
    if len(aip) != 2:
        raise CryptogramError(f"AIP must be 2 bytes, got {len(aip)}")
    return dol_data + aip + atc.to_bytes(2, "big") + cvr


def mac8(key: bytes, data: bytes, algorithm: str) -> bytes:
    """An 8-byte MAC: retail MAC for 3DES, SM4 CBC-MAC's leftmost 8 bytes for SM4."""
    _check_algorithm(algorithm)
    return crypto.mac(algorithm, key, data)[:AC_LENGTH]


def compute_ac(session_key: bytes, data: bytes, algorithm: str) -> bytes:
    """The application cryptogram (ARQC, TC or AAC) over `ac_input` data."""
    return mac8(session_key, data, algorithm)


def compute_arpc(session_key: bytes, arqc: bytes, arc: bytes, algorithm: str) -> bytes:
    """ARPC method 1 (EMV Book 2 §8.2.1): E[ARQC xor (ARC || 00..00)], 8 bytes."""
    _check_algorithm(algorithm)
    if len(arqc) != AC_LENGTH or len(arc) != 2:
        raise CryptogramError("ARQC must be 8 bytes and ARC 2 bytes")
    block = bytes(a ^ b for a, b in zip(arqc, arc + bytes(6), strict=True))
    padded = block + bytes(crypto.block_size(algorithm) - len(block))
    return crypto.encrypt_ecb(algorithm, session_key, padded)[:AC_LENGTH]
