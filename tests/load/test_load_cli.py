"""`sscard load run` and `sscard load compare` as a user types them."""

from __future__ import annotations

import csv
import json

from typer.testing import CliRunner

from emulator.cli import app

runner = CliRunner()


def test_run_writes_json_csv_and_a_self_contained_html_report(tmp_path):
    out = tmp_path / "hm"
    result = runner.invoke(
        app, ["load", "run", "hospital-morning", "--seed", "3", "--report", str(out)]
    )
    assert result.exit_code == 0, result.output
    report = json.loads((out / "run.json").read_text())
    assert report["run"]["seed"] == 3
    assert report["summary"]["totals"]["platform"]["settled"] > 1000
    html = (out / "report.html").read_text()
    assert "<svg" in html and "Latency percentiles" in html
    assert "<script src" not in html and "<link " not in html
    with (out / "series" / "platform_500100.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == report["run"]["hours"] * 60 / 5
    assert {"p99", "queue", "utilisation", "throughput_per_s"} <= set(rows[0])


def test_compare_puts_runs_side_by_side(tmp_path):
    for seed in ("1", "2"):
        result = runner.invoke(
            app,
            ["load", "run", "hospital-morning", "--seed", seed, "--report", str(tmp_path / seed)],
        )
        assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["load", "compare", str(tmp_path / "1"), str(tmp_path / "2")])
    assert result.exit_code == 0, result.output
    assert "platform p99" in result.output


def test_bad_profile_and_bad_report_dir_are_clear_errors(tmp_path):
    result = runner.invoke(app, ["load", "run", "nowhere"])
    assert result.exit_code == 2
    assert "no profile file or shipped profile" in result.output
    result = runner.invoke(app, ["load", "compare", str(tmp_path)])
    assert result.exit_code == 2
    assert "run.json" in result.output
