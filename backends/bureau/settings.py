"""Bureau settings: issuer choices of the card life cycle (env prefix SSCARD_BUREAU_)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class BureauSettings(BaseSettings):
    """Issuer choices; each default cites the reference or says it is our choice."""

    model_config = SettingsConfigDict(env_prefix="SSCARD_BUREAU_", extra="ignore")

    region: str = Field(default="500100", pattern=r"^\d{6}$")
    """Issuing-area code that starts every card identification code (card-spec §1.3)."""
    card_number_prefix: str = Field(default="A", pattern=r"^[0-9A-Z]$")
    """First character of the 8-character card-number body; our choice (card-spec §1.5)."""
    temporary_loss_days: int = Field(default=7, ge=1, le=60)
    """Temporary loss lapses after this many days: 7 in Wuxi and Xi'an (backend-flows §3.4)."""
    temporary_card_days: int = Field(default=60, ge=1)
    """Temporary card validity, extendable (backend-flows §3.5, single source)."""
    temporary_card_max_days: int = Field(default=183, ge=1)
    """Longest total temporary-card life: 6 months, taken as 183 days (our reading of §3.5)."""
    reissue_fee_cents: int = Field(default=2000, ge=0)
    """20 CNY for reissue and ordinary replacement, free for first issue and warranty (§3.4)."""
    card_valid_years: int = Field(default=10, ge=1, le=50)
    """Card validity; the age-dependent rule of §3.8 is a content-farm claim, so one value."""
