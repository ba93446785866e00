"""The card-OS suite against the reference emulator: a complete, clean run."""

from __future__ import annotations

from conformance.registry import suites_named
from conformance.runner import run
from conformance.targets import parse_target
from conformance.verdict import Verdict


def test_every_case_passes_on_the_fixture_card_with_checks_and_a_trace() -> None:
    result = run(suites_named(["card-os"]), parse_target("emulator"))
    assert result.results, "the suite has cases"
    for r in result.results:
        assert r.verdict is Verdict.PASS, (r.case.id, r.reason, [c.as_dict() for c in r.checks])
        assert r.checks, f"{r.case.id} set no verdict-bearing check"
        assert r.trace.exchanges, f"{r.case.id} has no trace"
    assert result.ok


def test_no_pin_reaches_a_trace() -> None:
    result = run(suites_named(["card-os"]), parse_target("emulator"))
    for r in result.results:
        for e in r.trace.exchanges:
            if e.request.startswith("0020") and len(e.request) > 8:
                assert set(e.request[10:]) == {"*"}, e.request
            assert "123456" not in e.request


def test_a_false_claim_in_the_pics_fails_the_cases_it_affects(tmp_path) -> None:
    pics = tmp_path / "pics.yaml"
    pics.write_text("pin_retry_limit: 5\n", encoding="utf-8")
    result = run(suites_named(["card-os"]), parse_target("emulator"), pics_file=pics)
    failed = {r.case.id for r in result.results if r.verdict is Verdict.FAIL}
    assert "CO-PIN-001" in failed
    assert not result.ok


def test_unclaimed_options_are_not_applicable_with_the_reason(tmp_path) -> None:
    pics = tmp_path / "pics.yaml"
    pics.write_text("optional_commands: {}\ntransmission_protocol: T=1\n", encoding="utf-8")
    result = run(suites_named(["card-os"]), parse_target("emulator"), pics_file=pics)
    na = {r.case.id: r.reason for r in result.results if r.verdict is Verdict.NOT_APPLICABLE}
    assert "secure_messaging" in na["CO-SM-001"]
    assert "T=0" in na["CO-T0-001"]
