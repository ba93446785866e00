"""Load profiles: who settles how often, where, through which capacity, as data.

A profile is a YAML document validated by these models; a wrong value is reported with the
dotted path of the field (`provinces.3.platform_servers: ...`). Rates are declared for an
ordinary weekday outside flu season and shaped by the calendar factors.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from emulator.load.distributions import Distribution

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[Weekday, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
SETTLEMENT_INFNO = "2207"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Calendar(_Model):
    """How a day's visits spread over hours and weekdays, and the seasonal peak."""

    hourly_weights: list[float] = Field(min_length=24, max_length=24)
    weekday_factors: dict[Weekday, float] = Field(default_factory=dict)
    season_factor: float = Field(default=1.0, gt=0, description="e.g. 1.3 in flu season")

    @field_validator("hourly_weights")
    @classmethod
    def _weights_usable(cls, weights: list[float]) -> list[float]:
        if any(w < 0 for w in weights) or sum(weights) <= 0:
            raise ValueError("hourly weights must be non-negative with a positive sum")
        return weights

    def hourly_share(self, hour: int) -> float:
        return self.hourly_weights[hour % 24] / sum(self.hourly_weights)

    def day_factor(self, weekday: Weekday) -> float:
        return self.weekday_factors.get(weekday, 1.0) * self.season_factor


class Province(_Model):
    """One province (or city) and the institutions modelled in it."""

    code: str = Field(pattern=r"^\d{6}$", description="GB/T 2260 code of the platform's region")
    name: str
    insured: int = Field(ge=0, description="insured persons")
    cardholders: int = Field(ge=0)
    settlements_per_day: float = Field(ge=0, description="outpatient+inpatient settlements/day")
    hospitals: int = Field(ge=1, description="designated institutions (hospitals, pharmacies)")
    counters_per_hospital: int = Field(ge=1)
    hospital_groups: int | None = Field(
        default=None,
        ge=1,
        description="institutions are pooled into this many queues (default: one per hospital)",
    )
    platform_servers: int = Field(ge=1, description="concurrent requests the platform serves")

    @model_validator(mode="after")
    def _groups_fit(self) -> Province:
        if self.hospital_groups is not None and self.hospital_groups > self.hospitals:
            raise ValueError("hospital_groups cannot exceed hospitals")
        return self

    @property
    def groups(self) -> int:
        return self.hospital_groups or self.hospitals


class MixEntry(_Model):
    """One transaction of a visit and the share of visits that make it."""

    infno: str = Field(pattern=r"^\d{4}$")
    share: float = Field(gt=0, le=1)


class Services(_Model):
    """Service-time distributions of the parts a settlement passes through."""

    card_read: Distribution
    counter: Distribution
    link: Distribution
    national_link: Distribution
    platform: dict[str, Distribution]
    remote_province: Distribution

    @field_validator("platform")
    @classmethod
    def _settlement_present(cls, platform: dict[str, Distribution]) -> dict[str, Distribution]:
        if SETTLEMENT_INFNO not in platform:
            raise ValueError(f"platform service time for {SETTLEMENT_INFNO} is required")
        return platform


class Behaviour(_Model):
    """What callers do when a settlement does not answer in time."""

    timeout: float = Field(default=30.0, gt=0, description="seconds a caller waits for 2207")
    reverse_on_timeout: bool = True
    reversal_retry_interval: float = Field(default=60.0, gt=0)


class Fault(_Model):
    """A scheduled fault: a platform down, or a link dropping replies."""

    target: str = Field(pattern=r"^(platform|link):(\d{6}|national)$")
    start_hour: float = Field(ge=0, description="hours from the start of the run")
    duration_minutes: float = Field(gt=0)

    @property
    def kind(self) -> str:
        return self.target.split(":", 1)[0]

    @property
    def where(self) -> str:
        return self.target.split(":", 1)[1]


class LoadProfile(_Model):
    """A whole load scenario."""

    name: str
    description: str = ""
    start_weekday: Weekday = "monday"
    start_hour: float = Field(default=0.0, ge=0, lt=24)
    hours: float = Field(default=24.0, gt=0)
    calendar: Calendar
    provinces: list[Province] = Field(min_length=1)
    cross_province_share: float = Field(default=0.05, ge=0, le=1)
    national_platform_servers: int = Field(ge=1)
    mix: list[MixEntry] = Field(min_length=1)
    services: Services
    behaviour: Behaviour = Field(default_factory=Behaviour)
    faults: list[Fault] = Field(default_factory=list)
    bin_minutes: float = Field(default=15.0, gt=0, description="width of reported time series")

    @model_validator(mode="after")
    def _consistent(self) -> LoadProfile:
        codes = [p.code for p in self.provinces]
        if len(set(codes)) != len(codes):
            raise ValueError("province codes must be unique")
        infnos = {m.infno for m in self.mix}
        if SETTLEMENT_INFNO not in infnos:
            raise ValueError(f"the mix must contain the settlement {SETTLEMENT_INFNO}")
        missing = sorted(infnos - set(self.services.platform))
        if missing:
            raise ValueError(f"services.platform lacks service times for {', '.join(missing)}")
        for fault in self.faults:
            if fault.where != "national" and fault.where not in codes:
                raise ValueError(f"fault target {fault.target}: no such province")
        return self


class ProfileError(ValueError):
    """A profile that cannot be loaded, with every wrong field named."""


def load_profile(source: str | Path) -> LoadProfile:
    """A profile from a file path or the name of a shipped profile."""
    path = Path(source)
    if path.suffix not in (".yaml", ".yml") and not path.exists():
        shipped = resources.files("emulator.load") / "profiles" / f"{source}.yaml"
        if not shipped.is_file():
            names = ", ".join(shipped_profiles())
            raise ProfileError(f"no profile file or shipped profile named {source!r} ({names})")
        text = shipped.read_text(encoding="utf-8")
        origin = f"shipped profile {source}"
    else:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ProfileError(f"{path}: {exc.strerror}") from exc
        origin = str(path)
    return parse_profile(text, origin)


def parse_profile(text: str, origin: str = "<profile>") -> LoadProfile:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ProfileError(f"{origin}: not valid YAML: {exc}") from exc
    try:
        return LoadProfile.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ProfileError(f"{origin}: {problems}") from exc


def with_value(profile: LoadProfile, path: str, value: object) -> LoadProfile:
    """A copy of `profile` with the field at dotted `path` (e.g. `provinces.0.platform_servers`,
    `behaviour.timeout`, `services.platform.2207.mean`) set to `value`, validated again."""
    data = profile.model_dump()
    node: object = data
    parts = path.split(".")
    for depth, part in enumerate(parts):
        here = ".".join(parts[: depth + 1])
        last = depth == len(parts) - 1
        if isinstance(node, dict):
            if part not in node:
                raise ProfileError(f"{here}: no such field in profile {profile.name}")
            if last:
                node[part] = value
            else:
                node = node[part]
        elif isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ProfileError(f"{here}: no such element (the list has {len(node)})")
            if last:
                node[int(part)] = value
            else:
                node = node[int(part)]
        else:
            raise ProfileError(f"{here}: {'.'.join(parts[:depth])} has no fields")
    try:
        return LoadProfile.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise ProfileError(f"{path}={value!r}: {problems}") from exc


def shipped_profiles() -> list[str]:
    folder = resources.files("emulator.load") / "profiles"
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )
