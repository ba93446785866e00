"""`create_app(settings)`: one FastAPI application mounting every service package's router."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from backends.core.db import Database, existing_service_packages
from backends.core.errors import DomainError
from backends.core.settings import Settings

DESCRIPTION = (
    "Emulated institutions around China's social security card: medical-insurance platforms "
    "(infno envelope), bureau, service bank, HSM and hospital. Authenticate with HTTP Basic: "
    "institution code and secret."
)


def _optional_module(name: str):  # type: ignore[no-untyped-def]
    return importlib.import_module(name) if importlib.util.find_spec(name) is not None else None


def create_app(
    settings: Settings | None = None,
    database: Database | None = None,
    packages: Iterable[str] | None = None,
) -> FastAPI:
    """Build the app; `packages` limits the mounted services (default: every one present)."""
    settings = settings or Settings()
    database = database or Database(settings.db_url, settings.echo_sql)
    names = list(packages) if packages is not None else existing_service_packages()
    if settings.create_tables:
        database.create_all(names)

    app = FastAPI(title="sscard back-ends", version="1.0", description=DESCRIPTION)
    app.state.settings = settings
    app.state.database = database

    @app.exception_handler(DomainError)
    async def _domain_error(_request: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse({"detail": exc.message}, status_code=exc.status)

    @app.get("/health", tags=["core"], summary="Liveness check")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    for name in names:
        router_module = _optional_module(f"backends.{name}.router")
        if router_module is not None:
            app.include_router(router_module.router)
        seed_module = _optional_module(f"backends.{name}.seed")
        if settings.seed_demo and seed_module is not None:
            database.run(seed_module.seed_demo)
    return app
