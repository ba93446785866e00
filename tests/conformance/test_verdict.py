"""TTCN-3 verdict precedence."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.verdict import Verdict, combine, final

RUNNABLE = [Verdict.NONE, Verdict.PASS, Verdict.INCONCLUSIVE, Verdict.FAIL, Verdict.ERROR]


def test_fail_is_never_overwritten_by_pass_or_inconclusive() -> None:
    assert combine(Verdict.FAIL, Verdict.PASS) is Verdict.FAIL
    assert combine(Verdict.FAIL, Verdict.INCONCLUSIVE) is Verdict.FAIL
    assert combine(Verdict.INCONCLUSIVE, Verdict.PASS) is Verdict.INCONCLUSIVE
    assert combine(Verdict.PASS, Verdict.FAIL) is Verdict.FAIL
    assert combine(Verdict.FAIL, Verdict.ERROR) is Verdict.ERROR


def test_not_applicable_cannot_be_combined() -> None:
    with pytest.raises(ValueError, match="not-applicable"):
        combine(Verdict.PASS, Verdict.NOT_APPLICABLE)


def test_a_case_that_set_no_verdict_is_inconclusive() -> None:
    assert final(Verdict.NONE) is Verdict.INCONCLUSIVE
    assert final(Verdict.PASS) is Verdict.PASS


@settings(max_examples=60)
@given(st.lists(st.sampled_from(RUNNABLE), max_size=8))
def test_the_result_is_the_worst_verdict_set_in_any_order(sequence: list[Verdict]) -> None:
    verdict = Verdict.NONE
    for v in sequence:
        verdict = combine(verdict, v)
    worst = max([Verdict.NONE, *sequence], key=RUNNABLE.index)
    assert verdict is worst
    assert combine(verdict, Verdict.PASS) is max(verdict, Verdict.PASS, key=RUNNABLE.index)
