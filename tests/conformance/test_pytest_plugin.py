"""The pytest plugin runs the suites as items named by case ID."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]


def test_plugin_runs_the_card_os_suite(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess(
        "--sscard-target", "emulator", "--sscard-suite", "card-os", "-p", "no:cacheprovider", "-q"
    )
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) >= 20 and "failed" not in outcomes


def test_plugin_reports_a_false_claim_as_a_failure_with_the_trace(
    pytester: pytest.Pytester,
) -> None:
    pics = pytester.path / "pics.yaml"
    pics.write_text("pin_retry_limit: 5\n", encoding="utf-8")
    result = pytester.runpytest_subprocess(
        "--sscard-target",
        "emulator",
        "--sscard-suite",
        "card-os",
        "--sscard-pics",
        str(pics),
        "-p",
        "no:cacheprovider",
        "-q",
    )
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*CO-PIN-001 fail*", "*expected 63C4, observed 63C2*"])


def test_plugin_adds_nothing_without_a_target(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
