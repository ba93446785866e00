"""Every suite gives a clean, complete run on the reference implementation."""

from __future__ import annotations

import pytest

from conformance.registry import all_suites, suites_named
from conformance.runner import run
from conformance.targets import parse_target
from conformance.verdict import Verdict


@pytest.mark.parametrize("name", [s.name for s in all_suites()])
def test_suite_passes_on_the_reference_implementation(name: str) -> None:
    result = run(suites_named([name]), parse_target("emulator"))
    suite_run = result.suites[0]
    assert suite_run.fingerprint and not suite_run.fingerprint.startswith("unavailable")
    for r in result.results:
        assert r.verdict in (Verdict.PASS, Verdict.NOT_APPLICABLE), (r.case.id, r.reason)
        if r.verdict is Verdict.PASS:
            assert r.checks and r.trace.exchanges, r.case.id
        else:
            assert r.reason, r.case.id
