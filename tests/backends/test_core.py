"""backends/core: the app factory mounts every service package, one metadata creates every
table, transactions leave nothing behind on failure, credentials are checked."""

from __future__ import annotations

import importlib

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import inspect, select, text
from typer.testing import CliRunner

from backends.cli import app as cli_app
from backends.core.app import create_app
from backends.core.auth import Institution, InstitutionService
from backends.core.db import Base, Database, existing_service_packages
from backends.core.errors import Conflict
from backends.core.settings import Settings


def test_create_app_mounts_every_present_service_package():
    db = Database("sqlite://")
    app = create_app(Settings(seed_demo=False), db)
    paths = set(app.openapi()["paths"])
    mounted = 0
    for name in existing_service_packages():
        try:
            router = importlib.import_module(f"backends.{name}.router").router
        except ModuleNotFoundError:
            continue
        alone = FastAPI()
        alone.include_router(router)
        mounted += 1
        assert set(alone.openapi()["paths"]) <= paths, name
    assert mounted >= 1 and "/fsi/api/rsfComIfsService/callService" in paths
    # One shared metadata: every table of every package exists in the database.
    assert set(Base.metadata.tables) <= set(inspect(db.engine).get_table_names())


def test_transaction_rolls_back_everything_on_error():
    db = Database("sqlite://")
    db.create_all([])

    def work(session):
        InstitutionService(session).register("X1", "hospital", "x", "pw", "440300")
        raise RuntimeError("fails after a write")

    with pytest.raises(RuntimeError):
        db.run(work)
    assert db.run(lambda s: s.scalars(select(Institution)).all()) == []


def test_credentials():
    db = Database("sqlite://")
    db.create_all([])
    db.run(lambda s: InstitutionService(s).register("X1", "bank", "x", "pw", None))
    assert db.run(lambda s: InstitutionService(s).authenticate("X1", "pw")).kind == "bank"
    assert db.run(lambda s: InstitutionService(s).authenticate("X1", "PW")) is None
    assert db.run(lambda s: InstitutionService(s).authenticate("nobody", "pw")) is None
    with pytest.raises(Conflict):
        db.run(lambda s: InstitutionService(s).register("X1", "bank", "x", "pw2", None))
    with pytest.raises(ValueError, match="unknown institution kind"):
        db.run(lambda s: InstitutionService(s).register("X2", "casino", "x", "pw", None))
    stored = db.run(lambda s: s.get(Institution, "X1"))
    assert "pw" not in (stored.secret_digest, stored.secret_salt)


def test_file_sqlite_uses_wal(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'x.sqlite'}")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    db.dispose()


def test_settings_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SSCARD_DB_URL", f"sqlite:///{tmp_path / 'env.sqlite'}")
    monkeypatch.setenv("SSCARD_SEED_DEMO", "false")
    settings = Settings()
    assert settings.db_url.endswith("env.sqlite") and settings.seed_demo is False
    app = create_app(settings, packages=["medical"])
    with TestClient(app) as client:
        assert client.get("/health").json() == {"status": "ok"}
    assert (tmp_path / "env.sqlite").exists()
    app.state.database.dispose()


def test_cli_serve_help():
    result = CliRunner().invoke(cli_app, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--db", "--host", "--port"):
        assert option in result.output
