"""The strings exchanged with the HSM in HSM mode (card-spec §2.4).

Step1 of iReadCardBas gives nine '|'-terminated fields:
区划代码|ATR历史字节|算法标识|卡识别码|内部认证过程因子|内部认证原始数据|外部认证过程因子|外部认证原始数据|终端号|
(factors are 16 hex characters, empty for cards before 3.0). The HSM answers pKey:
内部认证结果(16 hex) ... "|" 外部认证过程因子 + 外部认证数据 (32 hex), sent unchanged as the data
of EXTERNAL AUTHENTICATE.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass

from emulator.reader.codes import ReaderError

__all__ = ["ReadKey", "Step1Data", "parse_read_key"]

_HEX = set("0123456789ABCDEF")
PKEY_LAYOUT = "内部认证结果+内部认证数据|外部认证过程因子+外部认证数据"


@dataclass(frozen=True)
class Step1Data:
    """The fields of the iReadCardBas_HSM_Step1 output, in order."""

    region: str
    historical: str  # 26 hex
    algorithm: str  # 2 hex, e.g. "03"
    card_id: str  # 32 hex
    internal_factor: str  # 16 hex or ""
    internal_data: str  # 16 hex or ""
    external_factor: str  # 16 hex or ""
    external_data: str  # 16 hex (card challenge) or ""
    terminal_number: str

    def to_out_string(self) -> str:
        return "".join(f"{value}|" for value in astuple(self))

    @classmethod
    def from_out_string(cls, text: str) -> Step1Data:
        parts = text.split("|")
        if len(parts) != 10 or parts[-1] != "":
            raise ValueError(f"HSM step 1 string needs 9 '|'-terminated fields, got {text!r}")
        return cls(*parts[:-1])


@dataclass(frozen=True)
class ReadKey:
    """pKey of iReadCardBas_HSM_Step2, split: the expected internal-auth result and the
    EXTERNAL AUTHENTICATE data (process factor ‖ E_SK(challenge))."""

    internal_result: bytes
    external_data: bytes


def parse_read_key(text: str) -> ReadKey:
    """Parse a 3.0 card's pKey (at least 64 characters, card-spec §2.4); bad input is -23."""
    key = text.strip().upper()
    head, sep, tail = key.partition("|")
    if not sep or len(head) < 16 or len(tail) < 32 or len(key) < 64:
        raise ReaderError(-23, f"pKey 格式错：应为 {PKEY_LAYOUT}")
    if not set(head) <= _HEX or not set(tail[:32]) <= _HEX:
        raise ReaderError(-41)
    return ReadKey(bytes.fromhex(head[:16]), bytes.fromhex(tail[:32]))


#: HSM key addresses of the PIN-reload requests (card-spec §2.4, S1: "0090", "0173").
RELOAD_AUTH_KEY_ADDRESS = "0090"
RELOAD_KEY_ADDRESS = "0173"
#: PIN reload command header: secure messaging, 20 bytes of PIN block ‖ MAC (card-spec §2.1).
RELOAD_PIN_HEADER = bytes.fromhex("8424000114")
RELOAD_LAYOUT = "算法标识|0173|区划代码|ATR历史字节|随机数|8424000114|新PIN|"
RELOAD_AUTH_LAYOUT = "算法标识|0090|区划代码|ATR历史字节|过程因子|随机数|"


@dataclass(frozen=True)
class ReloadAuthRequest:
    """iReloadPIN_HSM_Step1 output (our layout after S1's, docs/reader.md):
    算法标识|0090|区划代码|ATR历史字节|过程因子|随机数|  -> the HSM answers 过程因子 ‖ E_SK(随机数)
    under the card's PIN-reload key, for EXTERNAL AUTHENTICATE."""

    algorithm: str
    region: str
    historical: str
    factor: str
    challenge: str

    def to_out_string(self) -> str:
        fields = (
            self.algorithm,
            RELOAD_AUTH_KEY_ADDRESS,
            self.region,
            self.historical,
            self.factor,
            self.challenge,
        )
        return "".join(f"{value}|" for value in fields)

    @classmethod
    def parse(cls, text: str) -> ReloadAuthRequest:
        """Parse the Step1 string; bad input is -23."""
        parts = text.split("|")
        if len(parts) != 7 or parts[-1] != "":
            raise ReaderError(-23, f"PIN重装认证请求应为 {RELOAD_AUTH_LAYOUT}")
        algorithm, _, region, historical, factor, challenge = parts[:-1]
        return cls(algorithm, region, historical.upper(), factor.upper(), challenge.upper())


@dataclass(frozen=True)
class ReloadRequest:
    """iReloadPIN_HSM_Step2 output (our layout after S1's, docs/reader.md):
    算法标识|0173|区划代码|ATR历史字节|随机数|8424000114|新PIN|"""

    algorithm: str
    region: str
    historical: str
    challenge: str
    new_pin: str

    def to_out_string(self) -> str:
        fields = (
            self.algorithm,
            RELOAD_KEY_ADDRESS,
            self.region,
            self.historical,
            self.challenge,
            RELOAD_PIN_HEADER.hex().upper(),
            self.new_pin,
        )
        return "".join(f"{value}|" for value in fields)

    @classmethod
    def parse(cls, text: str) -> ReloadRequest:
        """Parse the Step1 string; bad input is -23 naming the field."""
        parts = text.split("|")
        if len(parts) != 8 or parts[-1] != "":
            raise ReaderError(
                -23, "PIN重装请求应为 算法标识|0173|区划代码|ATR历史字节|随机数|8424000114|新PIN|"
            )
        algorithm, _, region, historical, challenge, _, new_pin = parts[:-1]
        return cls(algorithm, region, historical.upper(), challenge.upper(), new_pin)

    def __repr__(self) -> str:  # the new PIN never shows in logs or tracebacks
        return f"ReloadRequest(algorithm={self.algorithm!r}, region={self.region!r}, new_pin=***)"
