"""Reports: canonical JSON, JUnit XML and HTML from a clean run and from a failing one."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from conformance.mutants import all_mutants, target_for
from conformance.registry import suites_named
from conformance.reports import write_all
from conformance.runner import run
from conformance.targets import parse_target


def _mutant(name: str):
    return next(m for m in all_mutants() if m.name == name)


def test_canonical_json_is_identical_for_two_runs(tmp_path: Path) -> None:
    suites = suites_named(["card-os"])
    first = write_all(run(suites, parse_target("emulator")), tmp_path / "a")["json"].read_bytes()
    second = write_all(run(suites, parse_target("emulator")), tmp_path / "b")["json"].read_bytes()
    assert first == second
    report = json.loads(first)
    suite = report["suites"][0]
    assert report["passed"] is True
    assert suite["version"] and suite["implementation_hash"].startswith("sha256:")
    assert suite["pics"]["pin_retry_limit"] == 3
    assert all(c["requirements"] and c["verdict"] == "pass" for c in suite["cases"])


def test_failing_run_reports_expected_observed_and_trace(tmp_path: Path) -> None:
    result = run(suites_named(["card-os"]), target_for(_mutant("cos-plain-6300")))
    paths = write_all(result, tmp_path)
    report = json.loads(paths["json"].read_text(encoding="utf-8"))
    failed = [c for c in report["suites"][0]["cases"] if c["verdict"] == "fail"]
    assert {c["id"] for c in failed} == {"CO-PIN-001", "CO-PIN-002", "CO-PIN-003"}
    bad_check = next(ch for ch in failed[0]["checks"] if ch["verdict"] == "fail")
    assert (bad_check["expected"], bad_check["observed"]) == ("63C2", "6300")

    junit = ET.parse(paths["junit"]).getroot()
    suite = junit.find("testsuite")
    assert suite is not None and suite.get("failures") == "3"
    failure = junit.find(".//testcase[failure]")
    assert failure is not None and failure.get("name", "").startswith("CO-PIN-001")

    html = paths["html"].read_text(encoding="utf-8")
    assert "Summary by requirement" in html
    assert 'id="CO-PIN-001"' in html and "6300" in html and "63C2" in html
    assert "<script" not in html and "http://" not in html and "https://" not in html
