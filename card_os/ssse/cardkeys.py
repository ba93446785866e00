"""SSSE key arithmetic shared by the card, the PSAM and the HSM: pure functions over bytes.

card-spec §2.4: card keys are diversified from the issuer's master keys with two factors, the
city factor (ASCII of the 6-digit region code ‖ "sx") and the card factor (the last 8 ATR
historical bytes). How the two factors combine, the authentication cryptograms and the PIN
reload block are not in the reference (the PSAM command set is vendor-specific); ours follow
the PBOC patterns of card_os.crypto and are documented in docs/card-model.md as choices:

* card key = diversify(diversify(master, city factor), card factor)
* auth cryptogram(K, process factor P, data D) = cryptogram(session_key(K, P), D)
* MAC = card_os.crypto.mac (3DES retail MAC / SM4 CBC-MAC), IV = challenge, first 4 bytes
* PIN block = L ‖ BCD PIN (F-padded) ‖ padding method 2 to 16 bytes, ECB under the key
"""

from __future__ import annotations

from typing import Literal

from card_os import crypto

__all__ = [
    "CipherName",
    "auth_cryptogram",
    "card_key",
    "card_key_from_factors",
    "city_factor",
    "decrypt_pin_block",
    "encrypt_pin_block",
    "mac4",
]

CipherName = Literal["3des", "sm4"]


def city_factor(region: str) -> bytes:
    """ASCII of the 6-digit region code ‖ "sx" (card-spec §2.4)."""
    if len(region) != 6 or not region.isdigit():
        raise ValueError(f"region code must be 6 digits, got {region!r}")
    return region.encode("ascii") + b"sx"


def card_key(cipher: CipherName, master: bytes, region: str, card_factor: bytes) -> bytes:
    """The card-specific key: master diversified by city factor, then card factor."""
    return card_key_from_factors(cipher, master, city_factor(region), card_factor)


def card_key_from_factors(cipher: CipherName, master: bytes, city: bytes, card: bytes) -> bytes:
    """The card-specific key from the two 8-byte factors (as a PSAM receives them)."""
    return crypto.diversify(crypto.diversify(master, city, cipher), card, cipher)


def auth_cryptogram(cipher: CipherName, key: bytes, process: bytes, data: bytes) -> bytes:
    """8-byte authentication result for an 8-byte process factor and 8-byte source data."""
    if len(data) != 8:
        raise ValueError(f"authentication source data must be 8 bytes, got {len(data)}")
    return crypto.cryptogram(cipher, crypto.session_key(key, process, cipher), data)


def mac4(cipher: CipherName, key: bytes, iv: bytes, data: bytes) -> bytes:
    """The 4-byte MAC of ``data`` with IV = the card challenge."""
    return crypto.mac(cipher, key, data, iv)[:4]


def encrypt_pin_block(cipher: CipherName, key: bytes, pin: str) -> bytes:
    """16-byte enciphered PIN block: L ‖ BCD PIN (F-padded) ‖ 80 00…, ECB."""
    if not pin.isascii() or not pin.isdigit() or not 4 <= len(pin) <= 16:
        raise ValueError("PIN must be 4-16 digits")
    bcd = bytes.fromhex(pin + "F" * (len(pin) % 2))
    return crypto.encrypt_ecb(cipher, key, crypto.pad_m2(bytes([len(pin)]) + bcd, 16))


def decrypt_pin_block(cipher: CipherName, key: bytes, block: bytes) -> str:
    """The PIN of an enciphered PIN block; ValueError when the block is malformed."""
    if len(block) != 16:
        raise ValueError("PIN block must be 16 bytes")
    plain = crypto.unpad_m2(crypto.decrypt_ecb(cipher, key, block))
    length = plain[0] if plain else 0
    digits = plain[1:].hex().upper()
    if not 4 <= length <= 16 or len(plain) != 1 + (length + 1) // 2:
        raise ValueError("PIN block has a bad length")
    if not digits[:length].isdigit() or set(digits[length:]) - {"F"}:
        raise ValueError("PIN block is malformed")
    return digits[:length]
