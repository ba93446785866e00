"""Names shared by the HIS tests and their conftest (a unique module name: pytest puts every
test directory on sys.path, so `conftest` itself cannot be imported reliably)."""

from __future__ import annotations

import datetime as dt
import os

from sqlalchemy import create_engine

from backends.core.auth import InstitutionService
from backends.core.db import Base, Database
from backends.hospital.platform import InProcessPlatform
from backends.hospital.service import HisService, bureau_card_check
from backends.medical.seed import demo_secret

PACKAGES = ["medical", "bureau", "bank", "hospital"]
HOSPITAL, OTHER_HOSPITAL = "H50000000001", "H50000000002"
_BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("SSCARD_PG_URL") else [])


class ManualClock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def credentials(code: str) -> tuple[str, str]:
    return code, demo_secret(code)


def his_for(database: Database, clock: ManualClock, code: str = HOSPITAL) -> HisService:
    hospital = database.run(lambda s: InstitutionService(s).get(code))
    platform = InProcessPlatform(database, hospital, clock)
    return HisService(database, hospital, platform, clock, bureau_card_check(database, clock))


_POSTGRES: dict[str, Database] = {}


def empty_postgres(url: str, schema: str) -> Database:
    """A PostgreSQL database whose tables live in ``schema`` (so other rooms' tests are not
    touched), created once and emptied before each test (cheaper than re-creating them)."""
    db = _POSTGRES.get(schema)
    if db is None:
        with create_engine(url).begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        separator = "&" if "?" in url else "?"
        db = _POSTGRES[schema] = Database(f"{url}{separator}options=-csearch_path%3D{schema}")
        db.create_all()
        return db
    names = ", ".join(table.name for table in Base.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    return db
