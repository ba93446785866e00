"""The committed test catalogue is what the test cases generate."""

from __future__ import annotations

from pathlib import Path

from conformance.catalogue import render
from conformance.registry import all_suites

CATALOGUE = Path(__file__).resolve().parents[2] / "docs" / "conformance-catalogue.md"


def test_committed_catalogue_is_up_to_date() -> None:
    assert CATALOGUE.read_text(encoding="utf-8") == render(), (
        "regenerate: sscard conformance catalogue -o docs/conformance-catalogue.md"
    )


def test_every_case_is_fully_described_and_ids_are_unique() -> None:
    ids = [c.id for s in all_suites() for c in s.cases]
    assert len(ids) == len(set(ids))
    for suite in all_suites():
        for case in suite.cases:
            assert case.requirements and case.purpose and case.procedure and case.acceptance, (
                case.id
            )
            assert case.initial_conditions, case.id
            assert f"### {case.id}: " in render()
