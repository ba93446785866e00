"""Demo institutions and insured people (documented in docs/http-api.md); idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Session

from backends.core.auth import InstitutionService
from backends.medical.registry import InsuredRegistry
from card_os.codecs import citizen_id_check_digit

# (code, name, region); the secret of each demo institution is "demo-" + its code.
DEMO_HOSPITALS = (
    ("H44030000001", "深圳市第一模拟医院", "440300"),
    ("H44030000002", "深圳市第二模拟医院", "440300"),
    ("H44010000001", "广州市模拟医院", "440100"),
    ("H50000000001", "重庆市模拟医院", "500000"),
    ("H32010000001", "南京市模拟医院", "320100"),
)
DEMO_AGENCY = ("A00000000001", "模拟医保经办机构")

# (first 17 digits of the ID, name, gender, insurance region, insutype, balance, card no, sn)
DEMO_PEOPLE = (
    ("44030519800101001", "张三", "1", "440300", "310", "1200.00", "A44030001", "SN0001"),
    ("44030519850202002", "李四", "2", "440300", "390", "0.00", "A44030002", "SN0002"),
    ("50010319700303003", "王五", "1", "500000", "310", "3000.00", "A50000003", "SN0003"),
    ("32010219900404004", "赵六", "2", "320100", "310", "800.00", "A32010004", "SN0004"),
    ("44010619751205005", "陈七", "1", "440100", "310", "500.00", "A44010005", "SN0005"),
)


def demo_secret(code: str) -> str:
    return f"demo-{code}"


def demo_certno(first17: str) -> str:
    return first17 + citizen_id_check_digit(first17)


def seed_demo(session: Session) -> None:
    institutions = InstitutionService(session)
    for code, name, region in DEMO_HOSPITALS:
        institutions.ensure(code, "hospital", name, demo_secret(code), region)
    institutions.ensure(DEMO_AGENCY[0], "platform", DEMO_AGENCY[1], demo_secret(DEMO_AGENCY[0]))
    registry = InsuredRegistry(session)
    for first17, name, gend, region, insutype, balc, card_no, card_sn in DEMO_PEOPLE:
        certno = demo_certno(first17)
        brdy = dt.date(int(first17[6:10]), int(first17[10:12]), int(first17[12:14]))
        registry.enroll(certno, name, gend, brdy, region, insutype, Decimal(balc))
        registry.link_card(certno, card_no, card_sn)
