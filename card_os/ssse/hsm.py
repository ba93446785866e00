"""HSM arithmetic for terminals without a PSAM (card-spec §2.4), as pure functions.

The back-ends host these; the reader builds the Step1 string from the card and sends it.

Step1 string (card-spec §2.4), every field followed by '|':
``区划代码|ATR(historical)|算法标识|卡识别码|内部认证过程因子|内部认证原始数据|外部认证过程因子|外部认证原始数据|终端号|``
The factors are 16 hex chars each and empty for cards before 3.0.

Step2 pKey (card-spec §2.4: "内部认证结果+内部认证数据|外部认证过程因子+外部认证数据"):
``<16 hex internal-auth result><16 hex internal-auth source data>|<32 hex external-auth data>``
Chars 0-15 are what the card must answer to INTERNAL AUTHENTICATE; the 32 hex chars after '|'
go unchanged into ``00 82 00 0A 10``. The cryptograms are those of card_os.ssse.cardkeys.
"""

from __future__ import annotations

from dataclasses import dataclass

from card_os.ssse import cardkeys
from card_os.ssse.cardkeys import CipherName

__all__ = [
    "HsmError",
    "Step1",
    "cipher_for_algorithm",
    "external_auth_payload",
    "pin_reload_apdu",
    "step2",
]

_HEX = set("0123456789ABCDEFabcdef")


class HsmError(ValueError):
    """A request the HSM cannot serve; the message says which field is wrong."""


def cipher_for_algorithm(algorithm: str) -> CipherName:
    """Cipher for a 9F0C algorithm identifier: 03 SM4, 01 3DES (card-spec §2.1, INF)."""
    table: dict[str, CipherName] = {"01": "3des", "03": "sm4"}
    if algorithm not in table:
        raise HsmError(f"算法标识 {algorithm!r} is not supported (01 or 03)")
    return table[algorithm]


@dataclass(frozen=True)
class Step1:
    """The fields of a Step1 string."""

    region: str
    historical: bytes
    algorithm: str
    card_id: bytes
    ia_factor: bytes
    ia_data: bytes
    ea_factor: bytes
    ea_data: bytes
    terminal: str

    def to_string(self) -> str:
        """The '|'-terminated Step1 string."""
        fields = (
            self.region,
            self.historical.hex().upper(),
            self.algorithm,
            self.card_id.hex().upper(),
            self.ia_factor.hex().upper(),
            self.ia_data.hex().upper(),
            self.ea_factor.hex().upper(),
            self.ea_data.hex().upper(),
            self.terminal,
        )
        return "".join(f"{field}|" for field in fields)

    @classmethod
    def parse(cls, text: str) -> Step1:
        """Parse a Step1 string; errors name the field."""
        parts = text.split("|")
        if len(parts) != 10 or parts[-1] != "":
            raise HsmError("Step1 string needs 9 fields, each followed by '|'")
        names = ("区划代码", "ATR", "算法标识", "卡识别码", "内部认证过程因子", "内部认证原始数据")
        names += ("外部认证过程因子", "外部认证原始数据", "终端号")
        sizes = (None, 13, None, 16, 8, 8, 8, 8, None)
        values: list[object] = []
        for name, size, part in zip(names, sizes, parts, strict=False):
            if size is None:
                values.append(part)
                continue
            if set(part) - _HEX or (part and len(part) != 2 * size):
                raise HsmError(f"Step1 field {name} must be {2 * size} hex chars")
            values.append(bytes.fromhex(part))
        if len(str(values[0])) != 6 or not str(values[0]).isdigit():
            raise HsmError("Step1 field 区划代码 must be 6 digits")
        return cls(*values)  # type: ignore[arg-type]


def _card_key(step: Step1, master: bytes, cipher: CipherName) -> bytes:
    if len(step.historical) != 13:
        raise HsmError("Step1 field ATR must hold the 13 historical bytes")
    return cardkeys.card_key(cipher, master, step.region, step.historical[-8:])


def step2(step1: str, *, internal_auth_master: bytes, rkssse_master: bytes) -> str:
    """The pKey for a Step1 string (3.0 cards; earlier cards need no HSM: −2204)."""
    step = Step1.parse(step1)
    if not (step.ia_factor and step.ia_data and step.ea_factor and step.ea_data):
        raise HsmError("HSM not required: the card is not a 3.0 card (factors empty, −2204)")
    cipher = cipher_for_algorithm(step.algorithm)
    if step.card_id[:3].hex() != step.region:
        raise HsmError("Step1 field 卡识别码 does not start with 区划代码 (−20)")
    ia_key = _card_key(step, internal_auth_master, cipher)
    rk_key = _card_key(step, rkssse_master, cipher)
    ia_result = cardkeys.auth_cryptogram(cipher, ia_key, step.ia_factor, step.ia_data)
    ea_crypt = cardkeys.auth_cryptogram(cipher, rk_key, step.ea_factor, step.ea_data)
    head = (ia_result + step.ia_data).hex().upper()
    return f"{head}|{(step.ea_factor + ea_crypt).hex().upper()}"


def external_auth_payload(
    *,
    algorithm: str,
    region: str,
    historical: bytes,
    factor: bytes,
    challenge: bytes,
    master: bytes,
) -> bytes:
    """16 bytes for ``00 82 00 kk 10``: process factor ‖ cryptogram of the card challenge
    under the card key of ``master`` (card-spec §2.4; PIN reload step 1 uses key 06)."""
    cipher = cipher_for_algorithm(algorithm)
    if len(historical) != 13:
        raise HsmError("historical bytes must be 13 bytes")
    if len(factor) != 8 or len(challenge) != 8:
        raise HsmError("process factor and challenge must be 8 bytes each")
    try:
        key = cardkeys.card_key(cipher, master, region, historical[-8:])
    except ValueError as exc:
        raise HsmError(str(exc)) from None
    return factor + cardkeys.auth_cryptogram(cipher, key, factor, challenge)


def pin_reload_apdu(
    *,
    algorithm: str,
    region: str,
    historical: bytes,
    challenge: bytes,
    new_pin: str,
    pin_reload_master: bytes,
) -> bytes:
    """``84 24 00 01 14`` + 16-byte enciphered PIN block + 4-byte MAC (card-spec §2.1, §2.4).

    The MAC covers the header and the enciphered block, IV = the card's GET CHALLENGE.
    """
    cipher = cipher_for_algorithm(algorithm)
    if len(historical) != 13:
        raise HsmError("historical bytes must be 13 bytes")
    if len(challenge) != 8:
        raise HsmError("challenge must be the card's 8-byte GET CHALLENGE answer")
    try:
        key = cardkeys.card_key(cipher, pin_reload_master, region, historical[-8:])
        block = cardkeys.encrypt_pin_block(cipher, key, new_pin)
    except ValueError as exc:
        raise HsmError(str(exc)) from None
    header = bytes.fromhex("8424000114")
    return header + block + cardkeys.mac4(cipher, key, challenge, header + block)
