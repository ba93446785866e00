"""HIS settings (env prefix SSCARD_HOSPITAL_)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class HospitalSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SSCARD_HOSPITAL_", extra="ignore")

    platform_url: str | None = None
    """Base URL of the region's platform (loopback); unset: the platform in this process."""
    platform_timeout: float = 10.0
