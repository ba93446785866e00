"""Shards, replications and sweeps on a local Ray instance (bound to 127.0.0.1)."""

from __future__ import annotations

import json

import pytest

from emulator.load.distributed import (
    confidence_interval,
    ray_session,
    replicate_on_ray,
    run_sharded_on_ray,
    sweep_on_ray,
)
from emulator.load.model import run_model
from emulator.load.profile import ProfileError, load_profile, parse_profile, with_value
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


def test_sweep_runs_every_value_and_more_servers_mean_less_waiting(local_ray):
    data = load_profile("hospital-morning").model_dump()
    data["provinces"][0].update(settlements_per_day=80000, counters_per_hospital=150)
    data["faults"] = []
    profile = parse_profile(json.dumps(data))
    results = sweep_on_ray(
        profile,
        path="provinces.0.platform_servers",
        values=[1, 8],
        seeds=[1, 2],
        scale=1.0,
        hours=2.0,
    )
    assert [value for value, _ in results] == [1, 8]
    crowded, roomy = ([t["platform"]["p99"] for t in totals] for _, totals in results)
    assert len(crowded) == len(roomy) == 2
    assert max(roomy) < min(crowded)


def test_sweep_names_a_field_that_does_not_exist():
    profile = load_profile("hospital-morning")
    with pytest.raises(ProfileError, match=r"provinces\.0\.servers: no such field"):
        with_value(profile, "provinces.0.servers", 3)
    with pytest.raises(ProfileError, match=r"provinces\.5: no such element"):
        with_value(profile, "provinces.5.platform_servers", 3)
    with pytest.raises(ProfileError, match="platform_servers"):
        with_value(profile, "provinces.0.platform_servers", 0)
    assert with_value(profile, "behaviour.timeout", 5).behaviour.timeout == 5
