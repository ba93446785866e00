"""Demo credentials of the bureau, its service bank and the HSM (docs/http-api.md); idempotent."""

from __future__ import annotations

from sqlalchemy.orm import Session

from backends.core.auth import InstitutionService

# (code, kind, name, region); the secret of each demo institution is "demo-" + its code.
DEMO_INSTITUTIONS = (
    ("BUREAU500100", "bureau", "重庆市模拟人社局", "500100"),
    ("BANK500100", "bank", "模拟服务银行", "500100"),
    ("HSM500100", "hsm", "模拟省级加密机", "500100"),
)


def seed_demo(session: Session) -> None:
    institutions = InstitutionService(session)
    for code, kind, name, region in DEMO_INSTITUTIONS:
        institutions.ensure(code, kind, name, f"demo-{code}", region)
