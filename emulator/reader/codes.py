"""The return codes of the standard terminal interface, as data (card-spec §3.3 and §2.2).

A call returns 0 on success and a negative code on failure; ``pOutInfo`` then carries the
message. Card errors map to minus the status word read as an unsigned decimal (6983 gives
-27011); a failed VERIFY (63Cx) gives -51 with the remaining tries, a blocked PIN -52.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

__all__ = [
    "HSM_FALLBACK_CODES",
    "OK",
    "RETURN_CODES",
    "ReaderError",
    "Result",
    "code_for_sw",
    "message_for",
    "pin_failure",
]

OK = 0

#: code -> message (the GBK text a reader library writes to pOutInfo). card-spec §3.3.
RETURN_CODES: dict[int, str] = {
    -1: "卡类型不正确",
    -2: "无卡",
    -3: "有卡未上电",
    -4: "卡无应答",
    -5: "加载动态库错",
    -11: "读卡器连接错",
    -12: "未建立连接",
    -13: "不支持该命令",
    -14: "命令参数错",
    -15: "信息校验和出错",
    -20: "卡识别码格式错",
    -21: "内部认证失败（用户卡不合法）",
    -22: "传入数据与卡内不符",
    -23: "传入数据不合法",
    -24: "PSAM卡密钥级别不够",
    -25: "内部认证与加密机不一致",
    -31: "用户取消密码输入",
    -32: "密码输入操作超时",
    -33: "输入密码长度错",
    -34: "两次输入密码不一致",
    -35: "初始密码不能交易",
    -36: "不能改为初始密码",
    -41: "运算数据含非法字符",
    -42: "运算数据长度错",
    -51: "PIN校验失败，剩余次数{tries}",
    -52: "PIN锁定",
    -2201: "未插PSAM卡",
    -2202: "PSAM卡不支持该算法",
    -2203: "PSAM卡无RKSSSE密钥",
    -2204: "不需要加密机",
}

#: Codes after which a terminal switches to iReadCardBas_HSM_Step1/Step2 (card-spec §2.4):
#: no PSAM, PSAM algorithm unsupported, PSAM lacks RKSSSE, key not found (6A88), key level low.
HSM_FALLBACK_CODES: frozenset[int] = frozenset({-2201, -2202, -2203, -27272, -24})

#: Meanings of the card status words a reader reports (card-spec §2.2), for messages.
_SW_MEANINGS: dict[int, str] = {
    0x6700: "长度错误",
    0x6981: "文件结构不兼容",
    0x6982: "不满足安全状态",
    0x6983: "密钥或PIN已锁定",
    0x6984: "随机数无效",
    0x6985: "使用条件不满足",
    0x6988: "MAC错误",
    0x6A80: "数据参数错误",
    0x6A81: "功能不支持或应用已锁定",
    0x6A82: "文件未找到",
    0x6A83: "记录未找到",
    0x6A86: "P1P2参数错误",
    0x6A88: "密钥未找到",
    0x6D00: "INS不支持",
    0x6E00: "CLA不支持",
    0x9303: "应用永久锁定",
}


class Result(NamedTuple):
    """What an interface call gives back: the return code and the pOutInfo text."""

    code: int
    text: str

    @property
    def ok(self) -> bool:
        return self.code == OK


def code_for_sw(sw: int) -> int:
    """Minus the status word as an unsigned decimal: 0x6983 -> -27011 (card-spec §2.2)."""
    return -(sw & 0xFFFF)


def message_for(code: int, **details: object) -> str:
    """The documented message of ``code``; card errors name their status word."""
    if code in RETURN_CODES:
        template = RETURN_CODES[code]
        return template.format(**details) if details else template.replace("{tries}", "")
    sw = -code
    if 0x6000 <= sw <= 0x9FFF:
        meaning = _SW_MEANINGS.get(sw) or _family_meaning(sw)
        return f"卡片返回{sw:04X}：{meaning}"
    return f"未知错误{code}"


def _family_meaning(sw: int) -> str:
    if sw & 0xFFF0 == 0x63C0:
        return f"认证失败，剩余次数{sw & 0x0F}"
    return "卡片操作失败"


@dataclass
class ReaderError(Exception):
    """A failed interface call: carries the return code and the pOutInfo message."""

    code: int
    message: str = ""

    def __post_init__(self) -> None:
        if not self.message:
            self.message = message_for(self.code)
        super().__init__(self.code, self.message)

    @classmethod
    def from_sw(cls, sw: int) -> ReaderError:
        """The error a card status word gives: -(SW) with its meaning."""
        code = code_for_sw(sw)
        return cls(code, message_for(code))

    def result(self) -> Result:
        return Result(self.code, self.message)


def pin_failure(sw: int) -> ReaderError:
    """The error of a failed VERIFY: 63Cx -> -51 (x tries left), 6983 or 63C0 -> -52."""
    if sw & 0xFFF0 == 0x63C0 and sw & 0x0F:
        tries = sw & 0x0F
        return ReaderError(-51, message_for(-51, tries=tries))
    if sw in (0x6983, 0x63C0):
        return ReaderError(-52)
    return ReaderError.from_sw(sw)
