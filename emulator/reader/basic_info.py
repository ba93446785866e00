"""The iReadCardBas output string: eleven fields, each followed by '|' (card-spec §3.2)."""

from __future__ import annotations

from dataclasses import astuple, dataclass, fields

__all__ = ["FIELD_LABELS", "HSM_TERMINAL_NUMBER", "BasicInfo", "OutputFormatError"]

#: Terminal number reported in HSM mode, where no PSAM is present (card-spec §3.2 field 10).
HSM_TERMINAL_NUMBER = "000000000000"

#: Chinese labels of the fields, in output order (card-spec §3.2).
FIELD_LABELS: tuple[str, ...] = (
    "发卡地区行政区划代码",
    "社会保障号码",
    "卡号",
    "卡识别码",
    "姓名",
    "卡复位信息",
    "规范版本",
    "发卡日期",
    "卡有效期",
    "终端机编号",
    "终端设备号",
)


class OutputFormatError(ValueError):
    """A string is not a well-formed iReadCardBas output."""


@dataclass(frozen=True)
class BasicInfo:
    """The decoded fields of iReadCardBas, in output order."""

    region: str  # first 6 digits of the card identification code
    ssn: str  # 社会保障号码
    card_number: str  # 9 characters
    card_id: str  # 卡识别码, 32 hex characters
    name: str  # 姓名 + 姓名扩展
    historical: str  # 26 hex characters (13 historical bytes of the ATR)
    spec_version: str  # "2.00", "3.00", ...
    issue_date: str  # YYYYMMDD
    expiry_date: str  # YYYYMMDD
    terminal_number: str  # 12 digits from the PSAM, zeros in HSM mode
    device_number: str  # 终端设备号, may be empty

    def to_out_string(self) -> str:
        """The exact output string: each field followed by '|'."""
        for value, field in zip(astuple(self), fields(self), strict=True):
            if "|" in value:
                raise OutputFormatError(f"field {field.name} contains the separator '|'")
        return "".join(f"{value}|" for value in astuple(self))

    @classmethod
    def from_out_string(cls, text: str) -> BasicInfo:
        """Parse an output string; refuses anything but 11 '|'-terminated fields."""
        if not text.endswith("|"):
            raise OutputFormatError("iReadCardBas output must end with '|'")
        parts = text[:-1].split("|")
        if len(parts) != len(FIELD_LABELS):
            raise OutputFormatError(
                f"iReadCardBas output has {len(parts)} fields, the reference has 11"
            )
        return cls(*parts)

    def labelled(self) -> list[tuple[str, str]]:
        """(Chinese label, value) pairs in output order, for display."""
        return list(zip(FIELD_LABELS, astuple(self), strict=True))
