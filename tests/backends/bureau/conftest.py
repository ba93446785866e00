"""Fixtures of the bureau tests: a database (SQLite; PostgreSQL too with SSCARD_PG_URL), a
clock the tests move by hand, an app over HTTP with institution credentials."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator

import pytest
from bureau_world import CREDENTIALS, ManualClock, empty_postgres
from fastapi.testclient import TestClient

from backends.core.auth import InstitutionService
from backends.core.db import Database
from backends.core.settings import Settings

PACKAGES = ["bureau", "bank", "hsm"]
_BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("SSCARD_PG_URL") else [])


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(dt.datetime(2026, 3, 1, 9, 0, 0))


@pytest.fixture(params=_BACKENDS)
def database(request: pytest.FixtureRequest) -> Iterator[Database]:
    if request.param == "sqlite":
        db = Database("sqlite://")
    else:
        db = empty_postgres(os.environ["SSCARD_PG_URL"], "sscard_test_bureau")
    db.create_all(PACKAGES)
    with db.transaction() as session:
        registry = InstitutionService(session)
        for kind, (code, secret) in CREDENTIALS.items():
            registry.register(code, kind, f"test {kind}", secret, "500100")
    yield db
    db.dispose()


@pytest.fixture
def client(database: Database, clock: ManualClock) -> Iterator[TestClient]:
    from backends.core.app import create_app

    settings = Settings(seed_demo=False, create_tables=False)
    app = create_app(settings, database, packages=PACKAGES)
    app.state.clock = clock
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
