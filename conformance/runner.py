"""The runner: decides applicability, runs each case in a fresh session, collects verdicts."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.applicability import first_miss
from conformance.context import Check, Fault, Inconclusive, Stop, TestContext
from conformance.model import TestCase
from conformance.statement import Pics, Pixit, load_pics, load_pixit
from conformance.suite import Suite
from conformance.targets import Target
from conformance.trace import Trace
from conformance.verdict import Verdict, final

HARNESS_VERSION = "1.0.0"


@dataclass
class CaseResult:
    """The verdict of one case with everything that justifies it."""

    case: TestCase
    verdict: Verdict
    reason: str = ""
    checks: list[Check] = field(default_factory=list)
    trace: Trace = field(default_factory=Trace)
    seconds: float = 0.0


@dataclass
class SuiteRun:
    """One suite against one target, with the statements it ran under."""

    suite: Suite
    pics: Pics
    pixit: Pixit
    fingerprint: str
    results: list[CaseResult] = field(default_factory=list)


@dataclass
class RunResult:
    """A whole run: what ran against what, and every verdict."""

    target: Target
    suites: list[SuiteRun] = field(default_factory=list)

    @property
    def results(self) -> list[CaseResult]:
        return [r for s in self.suites for r in s.results]

    def counts(self) -> dict[Verdict, int]:
        tally = {v: 0 for v in Verdict if v is not Verdict.NONE}
        for r in self.results:
            tally[r.verdict] += 1
        return tally

    @property
    def ok(self) -> bool:
        """No fail and no error."""
        return not any(r.verdict.is_bad for r in self.results)


def statements(suite: Suite, pics_file: Path | None, pixit_file: Path | None) -> tuple[Pics, Pixit]:
    """The suite's own statements (the reference implementation's), overridden per top-level
    key by the files given."""
    pics = load_pics(pics_file, load_pics(suite.pics_file))
    pixit = load_pixit(pixit_file, load_pixit(suite.pixit_file))
    return pics, pixit


def run_case(case: TestCase, suite: Suite, target: Target, pics: Pics, pixit: Pixit) -> CaseResult:
    """Run one case in a fresh session; never raises."""
    reason = first_miss(case.applicability, pics, pixit, target)
    if reason is not None:
        return CaseResult(case, Verdict.NOT_APPLICABLE, reason)
    trace = Trace()
    started = time.perf_counter()
    try:
        session = target.open(suite, pics, pixit, trace)
    except Exception as exc:  # the test system could not reach the implementation
        return CaseResult(case, Verdict.ERROR, f"set-up failed: {exc!r}", [], trace)
    context = TestContext(pics, pixit, session, trace)
    reason = ""
    try:
        case.body(context)
    except Stop as stop:
        reason = f"stopped after failed check: {stop}"
    except Inconclusive as exc:
        reason = f"precondition not met: {exc}"
    except Fault as exc:
        context.check(False, "protocol", "a well-formed response", str(exc))
        reason = f"protocol fault: {exc}"
    except Exception as exc:
        context.verdict = Verdict.ERROR
        where = traceback.extract_tb(exc.__traceback__)[-1]
        reason = f"test system error: {exc!r} at {Path(where.filename).name}:{where.lineno}"
    finally:
        try:
            target.close(session)
        except Exception as exc:
            if not reason:
                reason = f"closing the session failed: {exc!r}"
            context.verdict = Verdict.ERROR
    verdict = final(context.verdict)
    if not reason and verdict is Verdict.FAIL:
        reason = "; ".join(c.what for c in context.checks if c.verdict is Verdict.FAIL)
    if not reason and verdict is Verdict.INCONCLUSIVE:
        reason = "the case set no verdict"
    return CaseResult(case, verdict, reason, context.checks, trace, time.perf_counter() - started)


Progress = Callable[[SuiteRun, CaseResult], None]


def run(
    suites: Iterable[Suite],
    target: Target,
    pics_file: Path | None = None,
    pixit_file: Path | None = None,
    progress: Progress | None = None,
    only: Callable[[TestCase], bool] | None = None,
) -> RunResult:
    """Run every case of `suites` (those `only` accepts) against `target`."""
    result = RunResult(target)
    for suite in suites:
        pics, pixit = statements(suite, pics_file, pixit_file)
        offered = target.offers(suite)
        fingerprint = ""
        if offered:
            try:
                pixit = target.complete_pixit(suite, pics, pixit)
                fingerprint = target.fingerprint(suite, pics, pixit)
            except Exception as exc:
                fingerprint = f"unavailable: {exc!r}"
        suite_run = SuiteRun(suite, pics, pixit, fingerprint)
        result.suites.append(suite_run)
        for case in suite.cases:
            if only is not None and not only(case):
                continue
            if offered:
                outcome = run_case(case, suite, target, pics, pixit)
            else:
                why = f"{target.description} does not offer the {suite.interface} interface"
                outcome = CaseResult(case, Verdict.NOT_APPLICABLE, why)
            suite_run.results.append(outcome)
            if progress is not None:
                progress(suite_run, outcome)
    return result


def describe_run(result: RunResult) -> dict[str, Any]:
    """Counts per verdict, for summaries."""
    return {v.value: n for v, n in result.counts().items()}
