"""Synthetic cardholders from Faker zh_CN, the same for the same seed.

Every person is invented: names from Faker zh_CN (plus long transliterated names that need
姓名扩展, card-spec §1.4, and rare characters GBK can still encode), citizen ID numbers valid
under GB 11643 and consistent with birth date, sex and birth region, GB/T 2260 region codes
from a small table of real codes, GB 3304 ethnic codes, card numbers with their check
character (card-spec §1.5) and 62-prefixed Luhn-valid PANs.

Names are drawn only from characters GBK can encode (the card stores GBK, card-spec §1.4): a
drawn name that GBK cannot encode is drawn again. Personalising a name that GBK cannot encode
fails with an error naming the character (card_os.codecs).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from faker import Faker

from card_os.codecs import citizen_id_check_digit, make_card_number
from card_os.pboc.pan import generate_pan

__all__ = [
    "ETHNIC_GROUPS",
    "REGIONS",
    "Cardholder",
    "PopulationError",
    "make_cardholder",
    "mask_id",
    "population",
]

# GB/T 2260 county-level codes (real codes; names for display). 500100 is 重庆市市辖区.
REGIONS: dict[str, str] = {
    "110101": "北京市东城区",
    "110105": "北京市朝阳区",
    "120101": "天津市和平区",
    "150102": "呼和浩特市新城区",
    "310101": "上海市黄浦区",
    "320102": "南京市玄武区",
    "330106": "杭州市西湖区",
    "370102": "济南市历下区",
    "420102": "武汉市江岸区",
    "440106": "广州市天河区",
    "440305": "深圳市南山区",
    "500100": "重庆市市辖区",
    "500103": "重庆市渝中区",
    "510104": "成都市锦江区",
    "530102": "昆明市五华区",
    "540102": "拉萨市城关区",
    "610113": "西安市雁塔区",
    "650102": "乌鲁木齐市天山区",
}

# GB 3304 (民族): two-digit code -> name.
ETHNIC_GROUPS: dict[int, str] = dict(
    enumerate(
        [
            "汉族",
            "蒙古族",
            "回族",
            "藏族",
            "维吾尔族",
            "苗族",
            "彝族",
            "壮族",
            "布依族",
            "朝鲜族",
            "满族",
            "侗族",
            "瑶族",
            "白族",
            "土家族",
            "哈尼族",
            "哈萨克族",
            "傣族",
            "黎族",
            "傈僳族",
            "佤族",
            "畲族",
            "高山族",
            "拉祜族",
            "水族",
            "东乡族",
            "纳西族",
            "景颇族",
            "柯尔克孜族",
            "土族",
            "达斡尔族",
            "仫佬族",
            "羌族",
            "布朗族",
            "撒拉族",
            "毛南族",
            "仡佬族",
            "锡伯族",
            "阿昌族",
            "普米族",
            "塔吉克族",
            "怒族",
            "乌孜别克族",
            "俄罗斯族",
            "鄂温克族",
            "德昂族",
            "保安族",
            "裕固族",
            "京族",
            "塔塔尔族",
            "独龙族",
            "鄂伦春族",
            "赫哲族",
            "门巴族",
            "珞巴族",
            "基诺族",
        ],
        start=1,
    )
)

# Rare characters that still have GBK codes (verified at import below).
_RARE_GIVEN = "堃喆玥珺燚淼犇昇靑翀彧芃祎甯琰珏晞"
# Transliteration parts for long names (姓名扩展 needed past 15 characters).
_LONG_PARTS = ("买买提", "艾力", "阿卜杜拉", "热合曼", "库尔班江", "古丽娜尔", "努尔", "阿依夏木")
for _char in _RARE_GIVEN + "".join(_LONG_PARTS) + "·":
    _char.encode("gbk")


class PopulationError(ValueError):
    """A population parameter is wrong."""


@dataclass(frozen=True)
class Cardholder:
    """One synthetic cardholder and the identifiers of their card."""

    name: str
    citizen_id: str
    sex: str  # "1" male, "2" female (card-spec §1.4)
    ethnic: int
    birth_date: dt.date
    birth_region: str
    region: str  # issuing area (卡识别码 prefix)
    card_number: str
    pan: str
    phone: str
    address: str

    @property
    def masked_id(self) -> str:
        """The citizen ID number with the middle masked."""
        return mask_id(self.citizen_id)


def mask_id(citizen_id: str) -> str:
    """Mask an ID number for display: the first 6 and last 2 characters stay."""
    if len(citizen_id) <= 8:
        return "*" * len(citizen_id)
    return citizen_id[:6] + "*" * (len(citizen_id) - 8) + citizen_id[-2:]


def _gbk_ok(text: str) -> bool:
    try:
        text.encode("gbk")
    except UnicodeEncodeError:
        return False
    return True


def _name(fake: Faker, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.08:
        parts = rng.sample(_LONG_PARTS, rng.randint(4, 5))
        name = "·".join(parts)
        return name[:25]  # 姓名 (15 chars) + 姓名扩展 (10 chars), card-spec §1.4
    if roll < 0.16:
        return (
            fake.last_name() + rng.choice(_RARE_GIVEN) + rng.choice(("", rng.choice(_RARE_GIVEN)))
        )
    while True:
        name = fake.name()
        if _gbk_ok(name):
            return name


def make_cardholder(seed: int, region: str | None = None) -> Cardholder:
    """The cardholder for ``seed``; ``region`` fixes the issuing area (GB/T 2260 code)."""
    if region is not None and (len(region) != 6 or not region.isdigit()):
        raise PopulationError(f"region must be a 6-digit GB/T 2260 code, got {region!r}")
    rng = random.Random(seed)
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    name = _name(fake, rng)
    sex = rng.choice("12")
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(365 * 80))
    birth_region = rng.choice(sorted(REGIONS))
    # GB 11643: 6-digit region, YYYYMMDD, 3-digit sequence whose last digit is odd for men.
    sequence = rng.randrange(50) * 2 + (1 if sex == "1" else 0)
    body = f"{birth_region}{birth:%Y%m%d}{rng.randrange(10)}{sequence:02d}"
    citizen_id = body + citizen_id_check_digit(body)
    card_body = rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") + f"{rng.randrange(10**7):07d}"
    ethnic = 1 if rng.random() < 0.9 else rng.randint(2, 56)
    if "·" in name:  # transliterated names: 维吾尔族, 哈萨克族, 柯尔克孜族, 塔吉克族
        ethnic = rng.choice((5, 17, 29, 41))
    return Cardholder(
        name=name,
        citizen_id=citizen_id,
        sex=sex,
        ethnic=ethnic,
        birth_date=birth,
        birth_region=birth_region,
        region=region or birth_region,
        card_number=make_card_number(card_body),
        pan=generate_pan(rng.randrange(2**32)),
        phone=fake.phone_number(),
        address=fake.address()[:20],
    )


def population(seed: int, count: int, region: str | None = None) -> list[Cardholder]:
    """``count`` cardholders, deterministic for ``seed``."""
    if count < 0:
        raise PopulationError(f"count must not be negative, got {count}")
    return [make_cardholder(seed * 1_000_003 + index, region) for index in range(count)]
