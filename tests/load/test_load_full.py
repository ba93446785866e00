"""The `full` fidelity and calibration: real card reads and platform calls inside the model."""

from __future__ import annotations

import datetime as dt
import json
import statistics

import pytest
import yaml
from typer.testing import CliRunner

from emulator.cli import app
from emulator.load.calibrate import calibrate, fit_lognormal, measure, write_profile
from emulator.load.full import FullRefused, check_size, run_full
from emulator.load.model import run_model
from emulator.load.profile import Fault, LoadProfile, load_profile
from emulator.load.real_system import READER_MODES, RealSystem
from emulator.load.summary import invariants
from emulator.reader.terminal import read_card_bas

runner = CliRunner()


def small_hospital(*, reverse: bool = True) -> LoadProfile:
    """One hospital's 09:00-10:00, about 45 visits, a link fault then a platform outage."""
    base = load_profile("hospital-morning")
    province = base.provinces[0].model_copy(update={"settlements_per_day": 300})
    return base.model_copy(
        update={
            "start_hour": 9,
            "hours": 1,
            "provinces": [province],
            "cross_province_share": 0.2,
            "faults": [
                Fault(target="link:500100", start_hour=0.2, duration_minutes=8),
                Fault(target="platform:500100", start_hour=0.6, duration_minutes=8),
            ],
            "behaviour": base.behaviour.model_copy(update={"reverse_on_timeout": reverse}),
        }
    )


@pytest.fixture(scope="module")
def full_run():
    return run_full(small_hospital(), seed=5)


def test_full_run_keeps_every_invariant_on_the_platforms_records(full_run):
    checks = invariants(full_run.metrics) + full_run.checks
    assert all(c.holds for c in checks), [c for c in checks if not c.holds]
    names = " ".join(c.name for c in full_run.checks)
    assert "3201 reconciliation" in names and "clearing records" in names
    platform = full_run.metrics.series["platform:500100"]
    assert platform.total("arrivals") == full_run.visits > 20
    # The faults bite: replies lost then reversed for real, settlements never sent then blocked.
    assert platform.total("reversals") >= 1 and platform.total("failed") >= 1
    detail = next(c.detail for c in full_run.checks if "completed or reversed" in c.name)
    assert "reversed" in detail and "blocked" in detail


def test_full_run_measures_every_real_call(full_run):
    samples = full_run.measured.samples
    sent = full_run.metrics.series["platform:500100"]
    applied = sent.total("arrivals") - sent.total("failed")
    assert len(samples["2207"]) == len(samples["1101"]) == len(samples["2201"]) == applied
    assert len(samples["card_read"]) == full_run.visits
    assert len(samples["2601"]) == sent.total("timeouts")
    assert all(t > 0 for values in samples.values() for t in values)


def test_full_run_outcomes_and_counts_repeat_for_a_seed(full_run):
    again = run_full(small_hospital(), seed=5)
    assert again.visits == full_run.visits
    for key, series in full_run.metrics.series.items():
        other = again.metrics.series[key]
        for name in ("arrivals", "settled", "timeouts", "reversals", "failed"):
            assert other.total(name) == series.total(name), (key, name)


def test_without_reversal_the_platform_check_fails():
    run = run_full(small_hospital(reverse=False), seed=5)
    check = next(c for c in run.checks if "completed or reversed" in c.name)
    assert not check.holds
    reconciliation = [c for c in run.checks if "3201" in c.name]
    assert reconciliation and not all(c.holds for c in reconciliation)


def test_oversized_profiles_are_refused_with_what_to_do():
    with pytest.raises(FullRefused, match="31 provinces"):
        check_size(load_profile("national-peak-day"), 0.01, 24)
    with pytest.raises(FullRefused, match="--scale"):
        check_size(load_profile("city"), 1.0, 24)
    result = runner.invoke(app, ["load", "run", "province-peak", "--fidelity", "full"])
    assert result.exit_code == 2
    assert "at most" in result.output


def test_cli_full_run_writes_a_report_compare_reads(tmp_path):
    profile = tmp_path / "small.yaml"
    write_profile(profile, small_hospital(), "test profile")
    out = tmp_path / "full"
    result = runner.invoke(
        app,
        ["load", "run", str(profile), "--fidelity", "full", "--hours", "0.3", "--report", str(out)],
    )
    assert result.exit_code == 0, result.output
    report = json.loads((out / "run.json").read_text())
    assert report["run"]["fidelity"] == "full"
    assert report["measured"]["2207"]["n"] >= 1
    assert all(c["holds"] for c in report["invariants"])
    model = tmp_path / "model"
    assert runner.invoke(app, ["load", "run", str(profile), "--report", str(model)]).exit_code == 0
    compared = runner.invoke(app, ["load", "compare", str(out), str(model)])
    assert compared.exit_code == 0 and "platform p99" in compared.output


def test_lognormal_fit_recovers_a_known_distribution():
    import random

    rng = random.Random(3)
    values = [rng.lognormvariate(-3.0, 0.4) for _ in range(4000)]
    fit = fit_lognormal(values)
    assert fit.mean == pytest.approx(statistics.fmean(values), rel=0.03)
    assert fit.cv == pytest.approx((2.718281828 ** (0.4**2) - 1) ** 0.5, rel=0.05)
    with pytest.raises(ValueError, match="positive"):
        fit_lognormal([0.1, 0.0])


def test_calibration_fits_the_measured_means_and_writes_a_runnable_profile(tmp_path):
    profile = small_hospital()
    fitted, fits = calibrate(profile, samples=12)
    for name in ("card_read", "1101", "2201", "2203", "2204", "2206", "2207", "2208", "2601"):
        fit = fits[name]
        assert fit.mean == pytest.approx(fit.sample_mean, rel=0.35), name
    assert fitted.services.platform["2207"].mean == pytest.approx(fits["2207"].mean, rel=1e-3)
    assert fitted.services.card_read.mean == pytest.approx(fits["card_read"].mean, rel=1e-3)
    assert fitted.services.counter == profile.services.counter
    assert fitted.provinces == profile.provinces
    out = tmp_path / "calibrated.yaml"
    write_profile(out, fitted, "calibrated")
    loaded = load_profile(str(out))
    assert loaded == fitted
    assert yaml.safe_load(out.read_text())["services"]["platform"]["2207"]["kind"] == "lognormal"
    metrics = run_model(loaded, seed=1)
    assert all(c.holds for c in invariants(metrics))


def test_calibrate_command_writes_the_profile(tmp_path):
    out = tmp_path / "cal.yaml"
    result = runner.invoke(
        app, ["load", "calibrate", "hospital-morning", "--samples", "6", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "2207" in result.output
    assert load_profile(str(out)).services.platform["2207"].kind == "lognormal"
    assert measure(load_profile("hospital-morning"), samples=3).samples["2207"]


def test_hsm_reader_mode_reads_cards_through_the_hsm_fallback():
    run = run_full(small_hospital(), seed=2, hours=0.3, reader_mode="hsm")
    assert run.visits > 0 and len(run.measured.samples["card_read"]) == run.visits
    assert all(c.holds for c in run.checks)
    with pytest.raises(ValueError, match="reader mode"):
        run_full(small_hospital(), seed=2, hours=0.3, reader_mode="bogus")
    # The terminal really falls back to the HSM two-step: this reader has no PSAM.
    for mode in READER_MODES:
        system = RealSystem(
            region="440300", hospitals=1, patients=1, cross_patients=0, seed=1,
            clock=lambda: dt.datetime(2026, 3, 2), reader_mode=mode,
        )  # fmt: skip
        try:
            assert read_card_bas(system.local[0].reader, 1, system.hsm).mode == mode
        finally:
            system.close()
