"""Names shared by the bureau, bank, HSM and hospital tests and their conftests (a unique
module name: pytest puts every test directory on sys.path, so `conftest` itself cannot be
imported reliably)."""

from __future__ import annotations

import os
from collections.abc import Iterator

from fastapi.testclient import TestClient
from medical_calls import ENGINES, ManualClock
from sqlalchemy import create_engine

from backends.core.db import Base, Database
from backends.core.settings import Settings

__all__ = [
    "CREDENTIALS",
    "ENGINES",
    "ManualClock",
    "app_client",
    "institutions_database",
    "service_database",
]

CREDENTIALS = {
    "bureau": ("BUREAU-500100", "bureau-secret"),
    "bank": ("BANK-500100", "bank-secret"),
    "hospital": ("H50010000001", "hospital-secret"),
}

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


def service_database(engine: str, schema: str, packages: list[str]) -> Database:
    """An empty database with the tables of `packages`: in-memory SQLite, or PostgreSQL
    (SSCARD_PG_URL) in a schema of its own."""
    if engine == "sqlite":
        db = Database("sqlite://")
    else:
        db = empty_postgres(os.environ["SSCARD_PG_URL"], schema)
    db.create_all(packages)
    return db


def institutions_database(engine: str, schema: str, packages: list[str]) -> Database:
    """`service_database` with the bureau, bank and hospital of CREDENTIALS registered."""
    from backends.core.auth import InstitutionService

    db = service_database(engine, schema, packages)
    with db.transaction() as session:
        registry = InstitutionService(session)
        for kind, (code, secret) in CREDENTIALS.items():
            registry.register(code, kind, f"test {kind}", secret, "500100")
    return db


def app_client(database: Database, clock: ManualClock, packages: list[str]) -> Iterator[TestClient]:
    """The app of `packages` over `database`, on the test's clock, as an HTTP client."""
    from backends.core.app import create_app

    app = create_app(Settings(seed_demo=False, create_tables=False), database, packages=packages)
    app.state.clock = clock
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
