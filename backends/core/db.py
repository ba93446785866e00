"""Database: one shared `Base`, engines for SQLite (default) and PostgreSQL, transactions.

Concurrency model: on PostgreSQL, services lock the rows they change (`SELECT ... FOR UPDATE`);
on SQLite every transaction of a process holds one lock and starts with `BEGIN IMMEDIATE`, so
writes are serialised inside the process and across processes sharing the file.
"""

from __future__ import annotations

import importlib
import importlib.util
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool

from backends.core.errors import DomainError

T = TypeVar("T")

# Service packages, in mounting order. A package that does not exist (yet) is skipped.
SERVICE_PACKAGES: tuple[str, ...] = ("medical", "bureau", "bank", "hsm", "hospital")

# PostgreSQL SQLSTATEs after which the whole transaction may simply be run again.
_RETRYABLE_SQLSTATES = {"40001", "40P01", "23505"}


class Base(DeclarativeBase):
    """Declarative base of every table of every service: one shared metadata."""


def existing_service_packages() -> list[str]:
    """Names of the service packages present in this installation."""
    return [name for name in SERVICE_PACKAGES if importlib.util.find_spec(f"backends.{name}")]


def load_models(packages: Iterable[str] | None = None) -> None:
    """Import the services' models (default: every package) so `Base.metadata` knows the tables."""
    importlib.import_module("backends.core.auth")
    for name in existing_service_packages() if packages is None else packages:
        if importlib.util.find_spec(f"backends.{name}.models") is not None:
            importlib.import_module(f"backends.{name}.models")


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str = "sqlite://", echo: bool = False) -> Engine:
    """An engine for `url`: SQLite (memory or file) or PostgreSQL (postgresql+psycopg://...)."""
    if not is_sqlite(url):
        return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)
    memory = url in ("sqlite://", "sqlite:///:memory:") or "mode=memory" in url
    engine = create_engine(
        url,
        echo=echo,
        connect_args={"check_same_thread": False, "timeout": 30},
        poolclass=StaticPool if memory else None,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # Let SQLAlchemy, not the driver, decide where transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if not memory:
            # WAL survives a killed process with every committed transaction intact.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        # Take the write lock up front: no read-then-upgrade deadlocks between processes.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Database:
    """An engine, its session factory and the transaction discipline every service uses."""

    def __init__(self, url_or_engine: str | Engine = "sqlite://", echo: bool = False) -> None:
        self.engine = (
            make_engine(url_or_engine, echo) if isinstance(url_or_engine, str) else url_or_engine
        )
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock = threading.RLock() if self.is_sqlite else None
        self.max_attempts = 5

    def create_all(self, packages: Iterable[str] | None = None) -> None:
        """Create the missing tables of the service packages (default: all; core always)."""
        load_models(packages)
        Base.metadata.create_all(self.engine)

    def drop_all(self) -> None:
        load_models()
        Base.metadata.drop_all(self.engine)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session inside one transaction: committed on success, rolled back on any error."""
        with self._write_lock or nullcontext(), self.sessions() as session, session.begin():
            yield session

    def run(self, work: Callable[[Session], T]) -> T:
        """Run `work` in a transaction, again from scratch after a serialisation conflict."""
        for attempt in range(1, self.max_attempts + 1):
            try:
                with self.transaction() as session:
                    return work(session)
            except DataError as exc:
                # The database refused a value (too long, NUL character, out of range): input.
                raise DomainError(f"a value does not fit the database: {exc.orig}") from None
            except (IntegrityError, OperationalError) as exc:
                if attempt == self.max_attempts or not _retryable(exc):
                    raise
        raise AssertionError("unreachable")

    def dispose(self) -> None:
        self.engine.dispose()


def _retryable(exc: DBAPIError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate in _RETRYABLE_SQLSTATES
    return "database is locked" in str(exc.orig)
