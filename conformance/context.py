"""What a test body gets: the session with the implementation under test, PICS and PIXIT,
and the verdict-setting checks that record expected against observed values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from conformance.apdu import Response, sw_matches
from conformance.statement import Pics, Pixit
from conformance.trace import Trace
from conformance.verdict import Verdict, combine


class Inconclusive(Exception):
    """A precondition of the test could not be established; nothing is proven either way."""


class Fault(Exception):
    """The implementation broke the protocol itself (e.g. a response without a status word)."""


class Stop(Exception):
    """A failed check after which the remaining steps make no sense."""


@dataclass(frozen=True)
class Check:
    """One verdict-setting comparison, kept for the report."""

    step: str
    what: str
    expected: str
    observed: str
    verdict: Verdict

    def as_dict(self) -> dict[str, str]:
        return {
            "step": self.step,
            "what": self.what,
            "expected": self.expected,
            "observed": self.observed,
            "verdict": self.verdict.value,
        }


def _show(value: Any) -> str:
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex().upper() or "(empty)"
    return str(value)


@dataclass
class TestContext:
    """The per-case state: the session (a CardSession, a reader or an HTTP client)."""

    pics: Pics
    pixit: Pixit
    session: Any
    trace: Trace = field(default_factory=Trace)
    verdict: Verdict = Verdict.NONE
    checks: list[Check] = field(default_factory=list)
    current_step: str = ""

    @property
    def card(self) -> Any:
        return self.session

    def step(self, text: str) -> None:
        """Start the procedure step `text` (shown in the report next to each check)."""
        self.current_step = text

    def _record(self, ok: bool, what: str, expected: Any, observed: Any, bad: Verdict) -> bool:
        verdict = Verdict.PASS if ok else bad
        self.verdict = combine(self.verdict, verdict)
        self.checks.append(
            Check(self.current_step, what, _show(expected), _show(observed), verdict)
        )
        return ok

    def check(self, ok: bool, what: str, expected: Any, observed: Any, stop: bool = False) -> bool:
        """Pass or fail on `ok`; with `stop`, a failure ends the case."""
        self._record(ok, what, expected, observed, Verdict.FAIL)
        if not ok and stop:
            raise Stop(what)
        return ok

    def check_equal(self, observed: Any, expected: Any, what: str, stop: bool = False) -> bool:
        return self.check(observed == expected, what, expected, observed, stop)

    def check_sw(
        self, response: Response, *patterns: str, what: str = "", stop: bool = False
    ) -> bool:
        """The status word matches one of `patterns` (e.g. "9000", "63Cx")."""
        ok = any(sw_matches(response.sw, p) for p in patterns)
        label = what or "status word"
        return self.check(ok, label, " or ".join(patterns), response.sw_hex, stop)

    def require(self, ok: bool, what: str, expected: Any = "", observed: Any = "") -> None:
        """A precondition: when it does not hold the verdict is inconclusive and the case ends."""
        if not ok:
            self._record(False, what, expected, observed, Verdict.INCONCLUSIVE)
            raise Inconclusive(what)

    def require_sw(self, response: Response, *patterns: str, what: str = "") -> None:
        ok = any(sw_matches(response.sw, p) for p in patterns)
        self.require(ok, what or "precondition status word", " or ".join(patterns), response.sw_hex)
