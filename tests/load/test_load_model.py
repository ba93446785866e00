"""The `model` fidelity: determinism, exact decomposition by province, invariants, faults."""

from __future__ import annotations

import json
import random

import pytest

from emulator.load.metrics import BUCKET_COUNT, bucket_of, bucket_upper, percentile
from emulator.load.model import run_model
from emulator.load.profile import ProfileError, load_profile, parse_profile, shipped_profiles
from emulator.load.report import build_report
from emulator.load.runner import describe, shard_plan
from emulator.load.summary import invariants

SMALL_HOURS = 3.0


def _report(profile, **kw) -> dict:
    metrics = run_model(profile, **kw)
    meta = describe(
        profile,
        seed=kw["seed"],
        scale=kw.get("scale", 1.0),
        hours=kw.get("hours"),
        wall=0.0,
        shards=None,
    )
    return build_report(meta, metrics)


def test_every_shipped_profile_loads():
    names = shipped_profiles()
    assert {"hospital-morning", "city", "province-peak", "national-peak-day"} <= set(names)
    national = load_profile("national-peak-day")
    assert len(national.provinces) == 31
    day_factor = national.calendar.day_factor("monday")
    total = sum(p.settlements_per_day for p in national.provinces) * day_factor
    assert 29e6 < total < 31e6


def test_same_seed_same_figures_other_seed_other_figures():
    profile = load_profile("hospital-morning")
    a = json.dumps(_report(profile, seed=7), sort_keys=True)
    b = json.dumps(_report(profile, seed=7), sort_keys=True)
    c = json.dumps(_report(profile, seed=8), sort_keys=True)
    assert a == b
    assert a != c


def test_sharded_run_equals_single_process_run():
    profile = load_profile("national-peak-day")
    single = run_model(profile, seed=3, scale=0.0005, hours=SMALL_HOURS + 6)
    merged = None
    for codes in shard_plan(profile, 4):
        part = run_model(profile, seed=3, scale=0.0005, hours=SMALL_HOURS + 6, provinces=codes)
        if merged is None:
            merged = part
        else:
            merged.merge(part)
    assert merged is not None
    assert json.dumps(single.to_dict(), sort_keys=True) == json.dumps(
        merged.to_dict(), sort_keys=True
    )
    assert (
        sum(s.total("arrivals") for k, s in single.series.items() if k.startswith("platform")) > 100
    )


def test_shard_plan_covers_every_province_once_and_balances():
    profile = load_profile("national-peak-day")
    plan = shard_plan(profile, 2)
    codes = [c for shard in plan for c in shard]
    assert sorted(codes) == sorted(p.code for p in profile.provinces)
    volume = {p.code: p.settlements_per_day for p in profile.provinces}
    loads = [sum(volume[c] for c in shard) for shard in plan]
    assert max(loads) / min(loads) < 1.05


def test_invariants_hold_after_drained_run_with_faults():
    profile = load_profile("city")
    report = _report(profile, seed=2, scale=0.05, hours=12)
    assert all(check["holds"] for check in report["invariants"]), report["invariants"]
    platform = report["summary"]["totals"]["platform"]
    # The ten-minute outage at 10:00 makes callers time out; nothing was applied there.
    assert platform["failed"] > 0
    assert platform["timeouts"] >= platform["failed"]


def test_link_fault_causes_reversals_of_applied_settlements():
    profile = load_profile("hospital-morning")
    report = _report(profile, seed=1)
    platform = report["summary"]["totals"]["platform"]
    assert platform["reversals"] > 0
    assert platform["reversals"] == platform["timeouts"] - platform["failed"]
    # The fault window 09:30-09:35 is bin 30 of 5-minute bins from 07:00.
    reversal_bins = [i for i, n in enumerate(report["totals_series"]["platform"]["timeouts"]) if n]
    assert reversal_bins and all(29 <= b <= 31 for b in reversal_bins)


def test_without_faults_nothing_times_out_and_more_capacity_means_less_waiting():
    base = load_profile("hospital-morning").model_dump()
    base["faults"] = []
    crowded = parse_profile(json.dumps(base))
    base["provinces"][0]["counters_per_hospital"] = 12
    roomy = parse_profile(json.dumps(base))
    tight = _report(crowded, seed=5)
    easy = _report(roomy, seed=5)
    assert tight["summary"]["totals"]["platform"]["timeouts"] == 0
    assert (
        easy["summary"]["totals"]["hospital"]["p95"] < tight["summary"]["totals"]["hospital"]["p95"]
    )


def test_bad_profile_names_the_field():
    data = load_profile("city").model_dump()
    data["provinces"][0]["platform_servers"] = 0
    with pytest.raises(ProfileError, match=r"provinces\.0\.platform_servers"):
        parse_profile(json.dumps(data))
    data = load_profile("city").model_dump()
    data["mix"] = [m for m in data["mix"] if m["infno"] != "2207"]
    with pytest.raises(ProfileError, match="2207"):
        parse_profile(json.dumps(data))
    with pytest.raises(ProfileError, match="no profile file or shipped profile"):
        load_profile("no-such-profile")


def test_percentile_is_within_one_bucket_of_the_exact_quantile():
    rng = random.Random(4)
    samples = [rng.lognormvariate(-1.0, 1.2) for _ in range(20000)]
    histogram = [0] * BUCKET_COUNT
    for s in samples:
        histogram[bucket_of(s)] += 1
    ordered = sorted(samples)
    for q in (0.5, 0.95, 0.99):
        exact = ordered[int(q * len(ordered)) - 1]
        estimate = percentile(histogram, q)
        assert estimate is not None
        assert exact <= estimate <= exact * 2 ** (1 / 8) * 1.0001
    assert percentile([0] * BUCKET_COUNT, 0.5) is None
    assert bucket_upper(bucket_of(3.0)) >= 3.0


def test_broken_invariant_is_reported():
    profile = load_profile("hospital-morning")
    metrics = run_model(profile, seed=1)
    metrics.series["platform:500100"].count("settled", 0, 5)
    broken = [c for c in invariants(metrics) if not c.holds]
    assert broken and "completed or timed out" in broken[0].name
