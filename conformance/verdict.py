"""Verdicts and their TTCN-3 precedence (ETSI ES 201 873-1 clause 24)."""

from __future__ import annotations

from enum import StrEnum


class Verdict(StrEnum):
    """Outcome of one test case.

    `error` means the test system failed (not the implementation); `not-applicable` is
    decided from the PICS/PIXIT before the test runs and never mixes with the others.
    """

    NONE = "none"
    PASS = "pass"
    INCONCLUSIVE = "inconclusive"
    FAIL = "fail"
    ERROR = "error"
    NOT_APPLICABLE = "not-applicable"

    @property
    def is_bad(self) -> bool:
        """A verdict that makes a run unsuccessful."""
        return self in (Verdict.FAIL, Verdict.ERROR)


# TTCN-3 setverdict: a verdict may only get worse, never better.
_RANK: dict[Verdict, int] = {
    Verdict.NONE: 0,
    Verdict.PASS: 1,
    Verdict.INCONCLUSIVE: 2,
    Verdict.FAIL: 3,
    Verdict.ERROR: 4,
}


def combine(current: Verdict, new: Verdict) -> Verdict:
    """The verdict after `setverdict(new)` when the test holds `current`."""
    if Verdict.NOT_APPLICABLE in (current, new):
        raise ValueError("not-applicable is decided before a test runs; it cannot be combined")
    return new if _RANK[new] > _RANK[current] else current


def final(current: Verdict) -> Verdict:
    """A test that set no verdict ends as `none`, which reports treat as inconclusive."""
    return Verdict.INCONCLUSIVE if current is Verdict.NONE else current
