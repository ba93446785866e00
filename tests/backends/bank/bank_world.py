"""Names shared by the bank tests and their conftest (a unique module name: pytest puts
every test directory on sys.path, so `conftest` itself cannot be imported reliably)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import create_engine

from backends.core.db import Base, Database

CREDENTIALS = {
    "bureau": ("BUREAU-500100", "bureau-secret"),
    "bank": ("BANK-500100", "bank-secret"),
    "hospital": ("H50010000001", "hospital-secret"),
}


class ManualClock:
    """The injected clock: time moves only when a test says so."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


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
