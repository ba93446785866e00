"""Fixtures of the HIS tests: a database with the demo institutions and insured people of the
medical platform (SQLite; PostgreSQL too with SSCARD_PG_URL), a hand-moved clock, and HIS
services of two hospitals of one region."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from his_world import ENGINES, OTHER_HOSPITAL, PACKAGES, ManualClock, empty_postgres, his_for

from backends.core.auth import InstitutionService
from backends.core.db import Database
from backends.core.settings import Settings
from backends.hospital.service import HisService
from backends.medical.audit import audit
from backends.medical.seed import demo_secret, seed_demo


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(dt.datetime(2026, 3, 2, 8, 30, 0))


@pytest.fixture(params=ENGINES)
def database(request: pytest.FixtureRequest) -> Iterator[Database]:
    if request.param == "sqlite":
        db = Database("sqlite://")
    else:
        db = empty_postgres(os.environ["SSCARD_PG_URL"], "sscard_test_his")
    db.create_all(PACKAGES)
    db.run(seed_demo)

    def more(session) -> None:  # type: ignore[no-untyped-def]
        institutions = InstitutionService(session)
        institutions.ensure(
            OTHER_HOSPITAL, "hospital", "重庆市第二模拟医院", demo_secret(OTHER_HOSPITAL), "500000"
        )
        institutions.ensure("BUREAU-500100", "bureau", "bureau", "bureau-secret", "500100")

    db.run(more)
    yield db
    # Every test leaves the platform's accounts, settlements and clearing consistent.
    assert db.run(audit) == []
    db.dispose()


@pytest.fixture
def his(database: Database, clock: ManualClock) -> HisService:
    return his_for(database, clock)


@pytest.fixture
def client(database: Database, clock: ManualClock) -> Iterator[TestClient]:
    from backends.core.app import create_app

    app = create_app(Settings(seed_demo=False, create_tables=False), database, packages=PACKAGES)
    app.state.clock = clock
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
