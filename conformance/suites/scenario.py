"""Scenario suite: end-to-end situations from scenarios/library replayed as conformance cases;
every step of the script must meet its expectation."""

from __future__ import annotations

from conformance.context import TestContext
from conformance.model import Polarity, Requirement
from conformance.requirements import _CARD, _MED, register, req
from conformance.scenarios import register as register_opener
from conformance.suite import Interface, Suite

register_opener()
_FLOWS = "backend-flows"
register(
    Requirement(
        "SCN-PIN-LOCK",
        _CARD,
        "§2.3, §2.4, §3.3",
        "Wrong PINs count down (-51) to a lock (-52); the lock is lifted only through the HSM reload",
    ),
    Requirement(
        "SCN-LOST-REPLY",
        _MED,
        "§1.5, §2.4",
        "A settlement whose answer is lost is reversed with 2601 and balances",
    ),
    Requirement(
        "SCN-TEMP-LOSS",
        _FLOWS,
        "§3.4",
        "A temporary loss report lapses automatically after the configured days",
    ),
    Requirement(
        "SCN-REISSUE",
        _FLOWS,
        "§3.4",
        "A formal loss cannot be lifted; the reissued card carries the balance over",
    ),
    Requirement(
        "SCN-UNFILED",
        _FLOWS,
        "§2.3",
        "Cross-province treatment without a filing is not settled directly",
    ),
)

SUITE = Suite(
    name="scenario",
    title="End-to-end scenarios (scenarios/library)",
    version="1.0.0",
    interface=Interface.SCENARIO,
)

CHOSEN = [
    (
        "SC-PIN-001",
        "pin-locked-unlocked",
        "PIN locked and unlocked at a service centre",
        "SCN-PIN-LOCK",
        Polarity.NEGATIVE,
    ),
    (
        "SC-MED-001",
        "lost-settlement-reply",
        "Settlement with a lost answer reversed by 2601",
        "SCN-LOST-REPLY",
        Polarity.NEGATIVE,
    ),
    (
        "SC-LIF-001",
        "temporary-loss-lapses",
        "Temporary loss report lapses",
        "SCN-TEMP-LOSS",
        Polarity.POSITIVE,
    ),
    (
        "SC-LIF-002",
        "formal-loss-reissue",
        "Formal loss and reissue",
        "SCN-REISSUE",
        Polarity.POSITIVE,
    ),
    (
        "SC-MED-002",
        "cross-province-unfiled",
        "Cross-province treatment without filing",
        "SCN-UNFILED",
        Polarity.NEGATIVE,
    ),
]


def _make(case_id: str, name: str, title: str, requirement: str, polarity: Polarity) -> None:
    @SUITE.case(
        case_id,
        title,
        req(requirement),
        f"Verify the situation scripted in scenarios/library/{name}.yaml end to end.",
        ["Fresh world: back-ends with their demo data, the script's people, cards and places"],
        [(f"Replay scenarios/library/{name}.yaml", "every step meets its expectation")],
        ["Every step passes"],
        polarity=polarity,
    )
    def body(ctx: TestContext) -> None:
        ctx.step("1")
        report = ctx.session.replay(name)
        ctx.require(bool(report.results), "the scenario has steps", "> 0", 0)
        for r in report.results:
            ctx.check(
                r.verdict == "pass",
                f"step {r.step.index} (line {r.step.line}) {r.step.who}@{r.step.where}: {r.step.do}",
                r.step.expect or {"ok": True},
                f"{r.verdict}: {r.detail}" if r.detail else r.verdict,
            )


for _args in CHOSEN:
    _make(*_args)
