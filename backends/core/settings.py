"""Settings of the back-end services (environment prefix SSCARD_)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DB_URL = "sqlite:///sscard-backends.sqlite"


class Settings(BaseSettings):
    """Core settings; each service package may add its own class with prefix SSCARD_<SERVICE>_."""

    model_config = SettingsConfigDict(env_prefix="SSCARD_", extra="ignore")

    db_url: str = DEFAULT_DB_URL
    """SQLAlchemy URL: sqlite:///file, sqlite:// (memory) or postgresql+psycopg://..."""
    seed_demo: bool = True
    """Create the demo institutions and people (docs/http-api.md) when the app starts."""
    create_tables: bool = True
    """Create missing tables at start-up."""
    echo_sql: bool = False
