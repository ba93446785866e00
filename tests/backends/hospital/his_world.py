"""Names shared by the HIS tests and their conftest (a unique module name: pytest puts every
test directory on sys.path, so `conftest` itself cannot be imported reliably)."""

from __future__ import annotations

from service_world import ENGINES, ManualClock, empty_postgres

from backends.core.auth import InstitutionService
from backends.core.db import Database
from backends.hospital.platform import InProcessPlatform
from backends.hospital.service import HisService, bureau_card_check
from backends.medical.seed import demo_secret

PACKAGES = ["medical", "bureau", "bank", "hospital"]
HOSPITAL, OTHER_HOSPITAL = "H50000000001", "H50000000002"


def credentials(code: str) -> tuple[str, str]:
    return code, demo_secret(code)


def his_for(database: Database, clock: ManualClock, code: str = HOSPITAL) -> HisService:
    hospital = database.run(lambda s: InstitutionService(s).get(code))
    platform = InProcessPlatform(database, hospital, clock)
    return HisService(database, hospital, platform, clock, bureau_card_check(database, clock))


__all__ = [
    "ENGINES",
    "HOSPITAL",
    "OTHER_HOSPITAL",
    "PACKAGES",
    "ManualClock",
    "credentials",
    "empty_postgres",
    "his_for",
]
