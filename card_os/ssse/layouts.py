"""Record layouts of the SSSE files, declared as data.

Every record is a simple TLV (1-byte tag, 1-byte length, value) and the tag doubles as the
record identifier (card-spec §1.2). EF05 and EF06 are exact (card-spec §1.3, §1.4); EF0D is
from a single 3rd-gen writer (card-spec §1.1); the DF01-DF04 record layouts are issuer choices
because the reference names only the files (card-spec §1.6), see docs/card-model.md.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from card_os import codecs

__all__ = [
    "DEFAULT_DF_LAYOUTS",
    "EF0D",
    "EF05",
    "EF06",
    "DfLayout",
    "EfLayout",
    "FieldFormat",
    "RecordField",
    "decode_value",
    "encode_value",
]

# b: raw bytes (hex at the edges); an: ASCII 0x00-padded; cn: BCD F-padded digits;
# gbk: GBK text 0x00-padded; date: BCD YYYYMMDD; region: 3-byte cn; ethnic: one BCD byte.
FieldFormat = Literal["b", "an", "cn", "gbk", "date", "region", "ethnic"]


class RecordField(BaseModel):
    """One record of a TLV-record file: its tag (= record identifier), length and format."""

    tag: int = Field(ge=0x01, le=0xFE)
    name: str
    length: int = Field(ge=1, le=0xFD)
    format: FieldFormat
    cite: str = ""


class EfLayout(BaseModel):
    """A linear-variable TLV-record EF and its records in record-number order."""

    fid: int = Field(ge=0x0001, le=0xFFFE)
    sfi: int = Field(ge=1, le=30)
    name: str
    records: list[RecordField]


class DfLayout(BaseModel):
    """A DF under SSSE, addressed by AID D156000005 ‖ suffix (card-spec §1.1)."""

    fid: int = Field(ge=0x0001, le=0xFFFE)
    aid_suffix: int = Field(ge=0, le=0xFF)
    name: str
    efs: list[EfLayout]


def encode_value(field: RecordField, value: object, pad: int = 0x00) -> bytes:
    """The value bytes of ``field``; ``None`` gives an empty (padding-only) value."""
    fmt, size = field.format, field.length
    if value is None:
        return (b"\xff" if fmt in ("cn", "date", "region", "ethnic") else bytes([pad])) * size
    encoders = {
        "b": lambda v: _fixed_bytes(v, size),
        "an": lambda v: codecs.encode_an(str(v), size),
        "cn": lambda v: codecs.encode_cn(str(v), size),
        "gbk": lambda v: codecs.encode_gbk(str(v), size, pad),
        "date": lambda v: codecs.encode_date(v),
        "region": lambda v: codecs.encode_region(str(v)),
        "ethnic": lambda v: codecs.encode_ethnic(int(v)),
    }
    raw = encoders[fmt](value)
    if len(raw) != size:
        raise codecs.CodecError(f"{field.name}: encoded {len(raw)} bytes, layout says {size}")
    return raw


def decode_value(field: RecordField, raw: bytes, pad: int = 0x00) -> object:
    """The Python value of ``raw`` per ``field`` (``None`` for an all-padding value)."""
    if raw in (b"\xff" * len(raw),) and field.format in ("cn", "date", "region", "ethnic"):
        return None
    decoders = {
        "b": lambda r: r,
        "an": codecs.decode_an,
        "cn": codecs.decode_cn,
        "gbk": lambda r: codecs.decode_gbk(r, pad),
        "date": codecs.decode_date,
        "region": codecs.decode_region,
        "ethnic": codecs.decode_ethnic,
    }
    return decoders[field.format](raw)


def _fixed_bytes(value: object, size: int) -> bytes:
    raw = bytes.fromhex(value) if isinstance(value, str) else bytes(value)  # type: ignore[call-overload]
    if len(raw) != size:
        raise codecs.CodecError(f"binary field needs {size} bytes, got {len(raw)}")
    return raw


def _f(tag: int, name: str, length: int, fmt: FieldFormat, cite: str = "") -> RecordField:
    return RecordField(tag=tag, name=name, length=length, format=fmt, cite=cite)


# card-spec §1.3: EF05 发卡机构数据文件, SFI 05, records 1-7 = tags 01-07.
EF05 = EfLayout(
    fid=0xEF05,
    sfi=5,
    name="发卡机构数据文件",
    records=[
        _f(0x01, "卡识别码", 16, "b", "card-spec §1.3"),
        _f(0x02, "卡类别", 1, "an", "card-spec §1.3 (value list NF: issuer choice)"),
        _f(0x03, "规范版本", 4, "an", "card-spec §1.3"),
        _f(0x04, "初始化机构编号", 12, "b", "card-spec §1.3 (format NF: binary, our choice)"),
        _f(0x05, "发卡日期", 4, "date", "card-spec §1.3"),
        _f(0x06, "卡有效期", 4, "date", "card-spec §1.3"),
        _f(0x07, "卡号", 9, "an", "card-spec §1.3, §1.5"),
    ],
)

# card-spec §1.4: EF06 持卡人基本信息文件, SFI 06; record 3 = 姓名扩展 is INF (§1.4 notes).
EF06 = EfLayout(
    fid=0xEF06,
    sfi=6,
    name="持卡人基本信息文件",
    records=[
        _f(0x08, "社会保障号码", 18, "an", "card-spec §1.4"),
        _f(0x09, "姓名", 30, "gbk", "card-spec §1.4"),
        _f(0x4E, "姓名扩展", 20, "gbk", "card-spec §1.4 (padding byte unverified, §1.2)"),
        _f(0x0A, "性别", 1, "an", "card-spec §1.4: '1' male, '2' female"),
        _f(0x0B, "民族", 1, "ethnic", "card-spec §1.4"),
        _f(0x0C, "出生地", 3, "region", "card-spec §1.4"),
        _f(0x0D, "出生日期", 4, "date", "card-spec §1.4"),
    ],
)

# card-spec §1.1: EF0D seen in one 3rd-gen writer (S1 only); formats of its two records are
# our choice: 人员识别号 binary 12 bytes, 初次申领地代码 region cn.
EF0D = EfLayout(
    fid=0xEF0D,
    sfi=13,
    name="EF0D",
    records=[
        _f(0xEA, "人员识别号", 12, "b", "card-spec §1.1 (S1)"),
        _f(0xEB, "初次申领地代码", 3, "region", "card-spec §1.1 (S1)"),
    ],
)


def _ef(fid: int, name: str, *fields: RecordField) -> EfLayout:
    return EfLayout(fid=fid, sfi=fid & 0x1F, name=name, records=list(fields))


# card-spec §1.6 gives only the EF names of DF01-DF04. The records below (tags, lengths,
# formats) are issuer choices, documented in docs/card-model.md; an issuer profile may
# replace them. Tags are unique within a DF.
DEFAULT_DF_LAYOUTS: list[DfLayout] = [
    DfLayout(
        fid=0xDF01,
        aid_suffix=0x00,
        name="公共应用数据区",
        efs=[
            _ef(
                0xEF05, "户籍", _f(0x20, "户籍所在地", 3, "region"), _f(0x21, "户籍地址", 40, "gbk")
            ),
            _ef(
                0xEF06,
                "常住地",
                _f(0x22, "常住地址", 40, "gbk"),
                _f(0x23, "联系电话", 16, "an", "card-spec §1.6: 16-char phone (S11)"),
            ),
            _ef(0xEF07, "个人状况", _f(0x24, "健康状况", 1, "an")),
            _ef(0xEF08, "婚姻状况", _f(0x25, "婚姻状况", 1, "an")),
            _ef(0xEF09, "人员身份及就业单位", _f(0x26, "单位名称", 40, "gbk")),
            _ef(0xEF0A, "国籍及政治面貌", _f(0x27, "国籍", 3, "an"), _f(0x28, "政治面貌", 1, "cn")),
            _ef(0xEF15, "学历", _f(0x29, "学历", 1, "cn")),
        ],
    ),
    DfLayout(
        fid=0xDF02,
        aid_suffix=0x01,
        name="就业与失业数据区",
        efs=[
            _ef(0xEF05, "职业和专业技能", _f(0x30, "职业", 3, "cn")),
            _ef(0xEF06, "就业状况", _f(0x31, "就业状态", 1, "an")),
            _ef(0xEF07, "就业记录", _f(0x32, "就业登记日期", 4, "date")),
            _ef(0xEF09, "就业失业登记证", _f(0x33, "登记证号", 20, "an")),
            _ef(0xEF15, "就业援助对象认定", _f(0x34, "援助类别", 1, "an")),
            _ef(0xEF16, "就业扶持政策享受", _f(0x35, "扶持政策", 2, "cn")),
        ],
    ),
    DfLayout(
        fid=0xDF03,
        aid_suffix=0x02,
        name="社会保险数据区1",
        efs=[
            _ef(0xEF05, "失业保险", _f(0x40, "失业保险参保日期", 4, "date")),
            _ef(0xEF06, "劳动能力鉴定", _f(0x41, "鉴定等级", 1, "an")),
            _ef(
                0xEF07,
                "养老保险",
                _f(0x42, "养老保险参保日期", 4, "date"),
                _f(0x43, "养老参保地", 3, "region"),
            ),
            _ef(0xEF15, "工伤保险", _f(0x44, "工伤保险参保日期", 4, "date")),
        ],
    ),
    DfLayout(
        fid=0xDF04,
        aid_suffix=0x03,
        name="社会保险数据区2",
        efs=[
            _ef(
                0xEF05,
                "医疗保险基本信息",
                _f(0x50, "医保参保地", 3, "region"),
                _f(0x51, "医疗人员类别", 2, "an"),
                _f(0x52, "医保参保日期", 4, "date"),
            ),
            _ef(0xEF06, "医疗保险临时脱网结算信息", _f(0x53, "脱网结算累计", 4, "b")),
            _ef(0xEF08, "医疗交易明细", _f(0x54, "最近交易", 16, "b")),
            _ef(0xEF15, "特殊医疗结算记录", _f(0x55, "特殊医疗结算", 16, "b")),
        ],
    ),
]
