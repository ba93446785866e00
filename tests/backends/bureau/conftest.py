"""Fixtures of the bureau tests: a database (SQLite; PostgreSQL too with SSCARD_PG_URL), a
clock the tests move by hand, an app over HTTP with institution credentials."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from service_world import ENGINES, ManualClock, app_client, institutions_database

from backends.core.db import Database

PACKAGES = ["bureau", "bank", "hsm"]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(dt.datetime(2026, 3, 1, 9, 0, 0))


@pytest.fixture(params=ENGINES)
def database(request: pytest.FixtureRequest) -> Iterator[Database]:
    db = institutions_database(request.param, "sscard_test_bureau", PACKAGES)
    yield db
    db.dispose()


@pytest.fixture
def client(database: Database, clock: ManualClock) -> Iterator[TestClient]:
    yield from app_client(database, clock, PACKAGES)
