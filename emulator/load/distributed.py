"""Shards, replications and sweeps on Ray: a local instance by default, a cluster by address.

Every Ray process of a local instance is bound to 127.0.0.1. Shards split a run by
province (see `emulator.load.model` for why that decomposition is exact); replications run
the same profile with different seeds, for confidence intervals; sweeps run them for each
value of one profile field.
"""

from __future__ import annotations

import contextlib
import os
import statistics
from collections.abc import Iterator, Sequence

from emulator.load.metrics import RunMetrics
from emulator.load.model import run_model
from emulator.load.profile import LoadProfile, with_value
from emulator.load.summary import run_summary

LOCAL = "local"


@contextlib.contextmanager
def ray_session(address: str = LOCAL, num_cpus: int | None = None) -> Iterator[object]:
    """Start (or join) Ray for the duration of the block."""
    import ray

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    if ray.is_initialized():
        yield ray
        return
    if address == LOCAL:
        ray.init(
            num_cpus=num_cpus or os.cpu_count() or 1,
            include_dashboard=False,
            log_to_driver=False,
            _node_ip_address="127.0.0.1",
        )
    else:
        ray.init(address=address, log_to_driver=False)
    try:
        yield ray
    finally:
        ray.shutdown()


def _shard_task(
    profile_json: str, seed: int, scale: float, hours: float | None, codes: list[str]
) -> dict:
    profile = LoadProfile.model_validate_json(profile_json)
    return run_model(profile, seed=seed, scale=scale, hours=hours, provinces=codes).to_dict()


def run_sharded_on_ray(
    profile: LoadProfile,
    *,
    seed: int,
    scale: float,
    hours: float | None,
    shards: Sequence[Sequence[str]],
    address: str = LOCAL,
) -> RunMetrics:
    """Run each shard as a Ray task and merge the figures."""
    with ray_session(address) as ray:
        task = ray.remote(_shard_task)
        payload = profile.model_dump_json()
        parts = ray.get([task.remote(payload, seed, scale, hours, list(codes)) for codes in shards])
    merged = RunMetrics.from_dict(parts[0])
    for part in parts[1:]:
        merged.merge(RunMetrics.from_dict(part))
    return merged


def _replication_task(profile_json: str, seed: int, scale: float, hours: float | None) -> dict:
    profile = LoadProfile.model_validate_json(profile_json)
    return run_summary(run_model(profile, seed=seed, scale=scale, hours=hours))["totals"]


def replicate_on_ray(
    profile: LoadProfile,
    *,
    seeds: Sequence[int],
    scale: float,
    hours: float | None,
    address: str = LOCAL,
) -> list[dict]:
    """Whole-run totals per kind for each seed, computed in parallel."""
    with ray_session(address) as ray:
        task = ray.remote(_replication_task)
        payload = profile.model_dump_json()
        return ray.get([task.remote(payload, seed, scale, hours) for seed in seeds])


def sweep_on_ray(
    profile: LoadProfile,
    *,
    path: str,
    values: Sequence[object],
    seeds: Sequence[int],
    scale: float,
    hours: float | None,
    address: str = LOCAL,
) -> list[tuple[object, list[dict]]]:
    """For each value of the field at `path`, the totals of each seed: every run in parallel."""
    variants = [(value, with_value(profile, path, value).model_dump_json()) for value in values]
    with ray_session(address) as ray:
        task = ray.remote(_replication_task)
        pending = [
            [task.remote(payload, seed, scale, hours) for seed in seeds] for _, payload in variants
        ]
        return [(value, ray.get(runs)) for (value, _), runs in zip(variants, pending, strict=True)]


def confidence_interval(values: Sequence[float], z: float = 1.96) -> tuple[float, float, float]:
    """Mean and the normal-approximation confidence interval of the mean."""
    mean = statistics.fmean(values)
    if len(values) < 2:
        return mean, mean, mean
    half = z * statistics.stdev(values) / len(values) ** 0.5
    return mean, mean - half, mean + half
