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
