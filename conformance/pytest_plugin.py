"""pytest plugin: run the conformance suites as pytest items.

    pytest --sscard-target emulator [--sscard-suite card-os] [--sscard-pics F] [--sscard-pixit F]

Each test case becomes an item named after its ID; fail and error verdicts fail the item,
not-applicable and inconclusive skip it with the reason. Without --sscard-target the plugin
adds nothing, so it costs nothing in other test runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("sscard", "sscard conformance")
    group.addoption(
        "--sscard-target",
        action="store",
        default=None,
        help="implementation under test: emulator | pcsc:<reader> | reader-lib:<path.so> | http:<url>",
    )
    group.addoption("--sscard-suite", action="append", default=None, help="suite name (repeatable)")
    group.addoption("--sscard-pics", action="store", default=None, help="PICS YAML file")
    group.addoption("--sscard-pixit", action="store", default=None, help="PIXIT YAML file")


class ConformanceItem(pytest.Item):
    """One conformance test case run against the chosen target."""

    def __init__(
        self, *, case: Any, suite: Any, target: Any, statements: Any, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.case, self.suite, self.target, self.statements = case, suite, target, statements
        self.outcome: Any = None
        for requirement in case.requirement_ids:
            self.user_properties.append(("requirement", requirement))

    def runtest(self) -> None:
        from conformance.runner import run_case
        from conformance.verdict import Verdict

        pics, pixit = self.statements
        self.outcome = run_case(self.case, self.suite, self.target, pics, pixit)
        verdict = self.outcome.verdict
        if verdict in (Verdict.FAIL, Verdict.ERROR):
            raise ConformanceFailure(self.outcome)
        if verdict is not Verdict.PASS:
            pytest.skip(f"{verdict}: {self.outcome.reason}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ConformanceFailure):
            return excinfo.value.explain()
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[str, int | None, str]:
        return f"conformance/{self.suite.name}", None, f"{self.case.id} {self.case.title}"


class ConformanceFailure(Exception):
    def __init__(self, outcome: Any) -> None:
        super().__init__(outcome.reason)
        self.outcome = outcome

    def explain(self) -> str:
        o = self.outcome
        lines = [f"{o.case.id} {o.verdict}: {o.reason}", "checks:"]
        lines += [
            f"  [{c.verdict}] step {c.step} {c.what}: expected {c.expected}, observed {c.observed}"
            for c in o.checks
        ]
        lines += ["trace:"] + [
            f"  {e.kind}: {e.request} -> {e.response}" for e in o.trace.exchanges
        ]
        return "\n".join(lines)


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    spec = config.getoption("--sscard-target", default=None)
    if spec is None:
        return
    from conformance.registry import suites_named
    from conformance.runner import statements
    from conformance.targets import parse_target

    target = parse_target(spec)
    pics = config.getoption("--sscard-pics")
    pixit = config.getoption("--sscard-pixit")
    for suite in suites_named(config.getoption("--sscard-suite")):
        if not target.offers(suite):
            continue
        pics_, pixit_ = statements(
            suite, Path(pics) if pics else None, Path(pixit) if pixit else None
        )
        pair = (pics_, target.complete_pixit(suite, pics_, pixit_))
        for case in suite.cases:
            items.append(
                ConformanceItem.from_parent(
                    session,
                    name=f"{suite.name}::{case.id}",
                    case=case,
                    suite=suite,
                    target=target,
                    statements=pair,
                )
            )
