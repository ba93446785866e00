"""Capacity search finds the fewest servers meeting the p99 target at peak."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from emulator.cli import app
from emulator.load.capacity import peak_p99, peak_window, search_province
from emulator.load.profile import load_profile, parse_profile


def _busy_hospital():
    data = load_profile("hospital-morning").model_dump()
    data["provinces"][0].update(
        settlements_per_day=80000, counters_per_hospital=150, platform_servers=2
    )
    return parse_profile(json.dumps(data))


def test_peak_window_is_the_busiest_hour_of_the_run():
    window = peak_window(load_profile("hospital-morning"))
    assert (window.weekday, window.hour) == ("monday", 9)


def test_search_returns_the_minimum_that_meets_the_target():
    profile = _busy_hospital()
    result = search_province(profile, "500100", 1.0, seed=1, scale=1.0)
    assert result.needed > result.configured
    assert result.p99_at_needed is not None and result.p99_at_needed <= 1.0
    one_fewer = peak_p99(profile, "500100", result.needed - 1, seed=1, scale=1.0)
    assert one_fewer is None or one_fewer > 1.0
    assert result.p99_at_configured is not None and result.p99_at_configured > 1.0


def test_cli_prints_the_table_and_explains_an_unreachable_target(tmp_path):
    runner = CliRunner()
    path = tmp_path / "busy.yaml"
    path.write_text(_busy_hospital().model_dump_json())
    ok = runner.invoke(app, ["load", "capacity", str(path), "--p99", "1.0", "--scale", "1"])
    assert ok.exit_code == 0, ok.output
    assert "500100" in ok.output
    bad = runner.invoke(app, ["load", "capacity", str(path), "--p99", "0.05", "--scale", "1"])
    assert bad.exit_code == 1
    assert "not reachable by adding servers" in bad.output
