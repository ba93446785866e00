"""Every scenario of the library replays against the emulator with every step passing."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulator.replay.engine import PASS, run_scenario
from emulator.replay.loader import load_scenario

LIBRARY = Path(__file__).resolve().parents[2] / "scenarios" / "library"
FILES = sorted(LIBRARY.glob("*.yaml"))


def test_the_library_covers_the_situations_of_the_issue() -> None:
    names = {f.stem for f in FILES}
    assert len(names) >= 20
    for wanted in ("migrant-worker-applies", "temporary-loss-lapses", "pension-payout",
                   "hr-records-on-card", "cross-province-filed", "lost-settlement-reply"):  # fmt: skip
        assert wanted in names


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_scenario_passes_against_the_emulator(path: Path) -> None:
    scenario = load_scenario(path)
    report = run_scenario(scenario)
    failures = [
        (r.step.index, r.step.do, r.verdict, r.problems)
        for r in report.results
        if r.verdict != PASS
    ]
    assert not failures, failures
    assert report.scenario.steps and len(report.results) == len(report.scenario.steps)


def test_the_reference_documents_every_action_and_every_scenario() -> None:
    from emulator.replay.actions import ACTIONS

    doc = (LIBRARY.parents[1] / "docs" / "scenarios.md").read_text(encoding="utf-8")
    missing = [a for a in ACTIONS if f"`{a}`" not in doc] + [
        f.name for f in FILES if f.name not in doc
    ]
    assert not missing, missing
