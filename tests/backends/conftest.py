"""Fixtures of the back-end tests (medical platform and core): a real database, SQLite always
and PostgreSQL too when SSCARD_PG_URL is set; after every test the ledgers must balance."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from medical_calls import ENGINES, ManualClock, fresh_database

from backends.core.app import create_app
from backends.core.db import Database
from backends.core.settings import Settings
from backends.medical.audit import audit
from backends.medical.seed import DEMO_PEOPLE, demo_certno


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(dt.datetime(2026, 3, 2, 9, 0, 0))


@pytest.fixture(params=ENGINES)
def medical_db(request: pytest.FixtureRequest) -> Iterator[Database]:
    """The medical database; after the test every ledger and clearing record must balance."""
    db = fresh_database(request.param)
    yield db
    problems = db.run(audit)
    db.dispose()
    assert problems == [], problems


@pytest.fixture
def medical_app_client(medical_db: Database, clock: ManualClock) -> Iterator[TestClient]:
    app = create_app(
        Settings(seed_demo=False, create_tables=False), medical_db, packages=["medical"]
    )
    app.state.clock = clock
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def person() -> Callable[[int], dict[str, str]]:
    """The demo person number `i` (0-based) as certno, region, insutype, balance, card."""

    def get(i: int) -> dict[str, str]:
        first17, name, _gend, region, insutype, balc, card_no, card_sn = DEMO_PEOPLE[i]
        return {
            "certno": demo_certno(first17),
            "name": name,
            "region": region,
            "insutype": insutype,
            "balc": balc,
            "card_no": card_no,
            "card_sn": card_sn,
        }

    return get
