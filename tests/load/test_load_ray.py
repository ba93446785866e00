"""Shards and replications on a local Ray instance (bound to 127.0.0.1)."""

from __future__ import annotations

import json

import pytest

from emulator.load.distributed import (
    confidence_interval,
    ray_session,
    replicate_on_ray,
    run_sharded_on_ray,
)
from emulator.load.model import run_model
from emulator.load.profile import load_profile
from emulator.load.runner import shard_plan

pytest.importorskip("ray")


@pytest.fixture(scope="module")
def local_ray():
    with ray_session("local", num_cpus=2) as ray:
        yield ray


def test_national_day_sharded_on_ray_equals_single_process(local_ray):
    profile = load_profile("national-peak-day")
    kwargs = {"seed": 11, "scale": 0.001, "hours": 12.0}
    single = run_model(profile, **kwargs)
    sharded = run_sharded_on_ray(profile, shards=shard_plan(profile, 2), **kwargs)
    assert json.dumps(single.to_dict(), sort_keys=True) == json.dumps(
        sharded.to_dict(), sort_keys=True
    )


def test_replications_differ_by_seed_and_give_an_interval(local_ray):
    profile = load_profile("hospital-morning")
    totals = replicate_on_ray(profile, seeds=[1, 2, 3, 4], scale=1.0, hours=2.0)
    arrivals = [t["platform"]["arrivals"] for t in totals]
    assert len(set(arrivals)) > 1
    mean, low, high = confidence_interval(arrivals)
    assert low < mean < high
    assert min(arrivals) <= mean <= max(arrivals)
