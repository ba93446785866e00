"""`sscard conformance` on the command line: exit codes, reports, catalogue, mutants."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from conformance.cli import app

runner = CliRunner()


def test_run_writes_reports_and_exits_zero_when_clean(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", "--suite", "card-os", "--report", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "card-os" in result.output
    assert {p.name for p in tmp_path.iterdir()} == {"conformance.json", "junit.xml", "report.html"}


def test_run_exits_non_zero_on_a_fail(tmp_path: Path) -> None:
    pics = tmp_path / "pics.yaml"
    pics.write_text("pin_retry_limit: 4\n", encoding="utf-8")
    result = runner.invoke(
        app, ["run", "-s", "card-os", "--pics", str(pics), "--report", str(tmp_path / "r")]
    )
    assert result.exit_code == 1
    report = json.loads((tmp_path / "r" / "conformance.json").read_text(encoding="utf-8"))
    assert report["passed"] is False


def test_bad_arguments_are_clear_errors(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", "--suite", "nope", "--report", str(tmp_path)])
    assert result.exit_code == 2 and "unknown suite" in result.output
    result = runner.invoke(app, ["run", "--target", "serial:/dev/x", "--report", str(tmp_path)])
    assert result.exit_code == 2 and "unknown kind" in result.output
    bad = tmp_path / "pics.yaml"
    bad.write_text("generation: 9\n", encoding="utf-8")
    result = runner.invoke(
        app, ["run", "-s", "card-os", "--pics", str(bad), "--report", str(tmp_path)]
    )
    assert result.exit_code == 2 and "generation" in result.output


def test_mutants_command_prints_the_table() -> None:
    result = runner.invoke(app, ["mutants", "-m", "cos-plain-6300", "-m", "cos-offset-ignored"])
    assert result.exit_code == 0, result.output
    assert "CO-PIN-001" in result.output and "2 of 2 mutants killed" in result.output
