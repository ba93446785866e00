"""Capacity search: the fewest platform servers that keep p99 within a target at peak.

The peak is the busiest clock hour of the profile's run. Each evaluation simulates that hour
with one hour of warm-up before it, without scheduled faults, and reads the p99 of the
platform's settlement latency over the peak hour alone. Provinces are searched one by one
(the model decomposes by province); common random numbers (one seed for every candidate)
keep the comparison between capacities fair.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from emulator.load.metrics import percentile
from emulator.load.model import run_model, scaled_count
from emulator.load.profile import WEEKDAYS, LoadProfile

MAX_SERVERS = 1 << 16


@dataclass(frozen=True)
class PeakWindow:
    weekday: str
    hour: int


@dataclass(frozen=True)
class CapacityResult:
    province: str
    configured: int
    needed: int
    p99_at_needed: float | None
    p99_at_configured: float | None


def peak_window(profile: LoadProfile) -> PeakWindow:
    """The busiest clock hour within the profile's run."""
    best: tuple[float, PeakWindow] | None = None
    start_day = WEEKDAYS.index(profile.start_weekday)
    hour = int(profile.start_hour)
    for offset in range(max(1, int(profile.hours))):
        clock = hour + offset
        weekday = WEEKDAYS[(start_day + clock // 24) % 7]
        rate = profile.calendar.day_factor(weekday) * profile.calendar.hourly_share(clock % 24)
        if best is None or rate > best[0]:
            best = (rate, PeakWindow(weekday, clock % 24))
    assert best is not None
    return best[1]


def _window_profile(
    profile: LoadProfile, window: PeakWindow, overrides: dict[str, int]
) -> LoadProfile:
    warmup_start = window.hour - 1
    weekday = window.weekday
    if warmup_start < 0:
        warmup_start += 24
        weekday = WEEKDAYS[(WEEKDAYS.index(weekday) - 1) % 7]
    provinces = [
        p.model_copy(update={"platform_servers": overrides.get(p.code, p.platform_servers)})
        for p in profile.provinces
    ]
    return profile.model_copy(
        update={
            "start_weekday": weekday,
            "start_hour": float(warmup_start),
            "hours": 2.0,
            "faults": [],
            "provinces": provinces,
            "bin_minutes": 60.0,
        }
    )


def peak_p99(
    profile: LoadProfile, code: str, servers: int, *, seed: int, scale: float
) -> float | None:
    """p99 of the province's settlement latency in the peak hour with `servers` (unscaled)."""
    window = _window_profile(profile, peak_window(profile), {code: servers})
    metrics = run_model(window, seed=seed, scale=scale, provinces=[code])
    peak_bin = metrics.series[f"platform:{code}"].latency[1]
    return percentile(peak_bin, 0.99) if sum(peak_bin) else None


def unscaled_for(scaled: int, scale: float) -> int:
    """The smallest profile server count that `scale` turns into `scaled` servers."""
    value = max(1, math.floor(scaled / scale))
    while scaled_count(value, scale) < scaled:
        value += 1
    return value


def search_province(
    profile: LoadProfile, code: str, target_p99: float, *, seed: int, scale: float
) -> CapacityResult:
    """Smallest server count (in the profile's unscaled units) meeting `target_p99`."""
    if not 0 < scale <= 1:
        raise ValueError("capacity search needs 0 < scale <= 1")
    province = next(p for p in profile.provinces if p.code == code)
    seen: dict[int, float | None] = {}

    def p99_with(scaled: int) -> float | None:
        if scaled not in seen:
            servers = unscaled_for(scaled, scale)
            seen[scaled] = peak_p99(profile, code, servers, seed=seed, scale=scale)
        return seen[scaled]

    def meets(scaled: int) -> bool:
        p99 = p99_with(scaled)
        return p99 is not None and p99 <= target_p99

    high = scaled_count(province.platform_servers, scale)
    while not meets(high):
        # With the same seed, a pool where nobody waits gives the same latencies whatever
        # its size: when doubling changes nothing, only faster service would help.
        if high >= MAX_SERVERS or p99_with(high) == p99_with(high * 2):
            raise ValueError(
                f"{code}: a p99 of {target_p99}s is not reachable by adding servers; with"
                f" {unscaled_for(high, scale)} the p99 is {p99_with(high)}s, which is service"
                " and link time alone"
            )
        high *= 2
    low = 0  # meets(low) is false or untested; meets(high) is true
    while high - low > 1:
        middle = (low + high) // 2
        if meets(middle):
            high = middle
        else:
            low = middle
    return CapacityResult(
        province=code,
        configured=province.platform_servers,
        needed=unscaled_for(high, scale),
        p99_at_needed=p99_with(high),
        p99_at_configured=p99_with(scaled_count(province.platform_servers, scale)),
    )
