"""Every mutant is killed by at least one test case of the suites it names."""

from __future__ import annotations

import pytest

from conformance.mutants import all_mutants, run_mutant

MUTANTS = all_mutants()


def test_there_are_at_least_twenty_mutants_with_unique_names() -> None:
    names = [m.name for m in MUTANTS]
    assert len(names) >= 20 and len(set(names)) == len(names)


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.name)
def test_mutant_is_killed(mutant) -> None:
    outcome = run_mutant(mutant)
    assert outcome.killed, f"{mutant.name} ({mutant.defect}) lives; errors: {outcome.errors}"
