"""Running a profile: one process or shards by province, with the run's description."""

from __future__ import annotations

import time
from collections.abc import Sequence

from emulator.load.metrics import RunMetrics
from emulator.load.model import Progress, run_model
from emulator.load.profile import LoadProfile


def shard_plan(profile: LoadProfile, shards: int) -> list[list[str]]:
    """Province codes per shard, balancing expected settlements (largest first, greedy)."""
    if shards < 1:
        raise ValueError("shards must be at least 1")
    bins: list[list[str]] = [[] for _ in range(min(shards, len(profile.provinces)))]
    load = [0.0] * len(bins)
    for province in sorted(profile.provinces, key=lambda p: (-p.settlements_per_day, p.code)):
        i = load.index(min(load))
        bins[i].append(province.code)
        load[i] += province.settlements_per_day
    return [sorted(b) for b in bins]


def run_profile(
    profile: LoadProfile,
    *,
    seed: int,
    scale: float,
    hours: float | None,
    shards: Sequence[Sequence[str]] | None = None,
    progress: Progress | None = None,
) -> tuple[RunMetrics, dict]:
    """Simulate the profile in this process (shards run one after another) and describe it."""
    started = time.perf_counter()
    if not shards:
        metrics = run_model(profile, seed=seed, scale=scale, hours=hours, progress=progress)
    else:
        metrics = None
        for codes in shards:
            part = run_model(profile, seed=seed, scale=scale, hours=hours, provinces=codes)
            if metrics is None:
                metrics = part
            else:
                metrics.merge(part)
        assert metrics is not None
    wall = time.perf_counter() - started
    return metrics, describe(profile, seed=seed, scale=scale, hours=hours, wall=wall, shards=shards)


def describe(
    profile: LoadProfile,
    *,
    seed: int,
    scale: float,
    hours: float | None,
    wall: float,
    shards: Sequence[Sequence[str]] | None,
    fidelity: str = "model",
    executor: str = "local",
) -> dict:
    return {
        "profile": profile.name,
        "description": profile.description,
        "fidelity": fidelity,
        "seed": seed,
        "scale": scale,
        "hours": profile.hours if hours is None else hours,
        "start": f"{profile.start_weekday} {profile.start_hour:05.2f}h",
        "provinces": len(profile.provinces),
        "shards": len(shards) if shards else 1,
        "executor": executor,
        "wall_seconds": round(wall, 3),
    }
