"""The test-case model, laid out as in 3GPP TS 31.121: each case has an ID, a title, the
requirements it verifies, a purpose, initial conditions, a procedure and acceptance criteria."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conformance.applicability import Condition
    from conformance.context import TestContext


class Status(StrEnum):
    """Whether an implementation claiming the feature must pass the case."""

    MANDATORY = "mandatory"
    OPTIONAL = "optional"


class Polarity(StrEnum):
    """Positive cases exercise correct use; negative ones provoke error handling."""

    POSITIVE = "positive"
    NEGATIVE = "negative"


@dataclass(frozen=True)
class Requirement:
    """One requirement of a standard or specification, with its clause reference."""

    id: str
    source: str
    clause: str
    text: str

    @property
    def reference(self) -> str:
        return f"{self.source} {self.clause}"


@dataclass(frozen=True)
class Step:
    """A numbered procedure step and its expected result (the two columns of TS 31.121)."""

    action: str
    expected: str = ""


@dataclass(frozen=True)
class TestCase:
    """A conformance test case: the description a lab reads and the code that executes it."""

    id: str
    title: str
    suite: str
    requirements: tuple[Requirement, ...]
    purpose: str
    initial_conditions: tuple[str, ...]
    procedure: tuple[Step, ...]
    acceptance: tuple[str, ...]
    body: Callable[[TestContext], None]
    status: Status = Status.MANDATORY
    polarity: Polarity = Polarity.POSITIVE
    priority: int = 1
    applicability: tuple[Condition, ...] = ()
    tags: frozenset[str] = field(default_factory=frozenset)

    @property
    def requirement_ids(self) -> list[str]:
        return [r.id for r in self.requirements]

    def describe(self) -> dict[str, Any]:
        """The case as plain data, for reports and the catalogue."""
        return {
            "id": self.id,
            "title": self.title,
            "suite": self.suite,
            "requirements": [
                {"id": r.id, "reference": r.reference, "text": r.text} for r in self.requirements
            ],
            "purpose": self.purpose,
            "initial_conditions": list(self.initial_conditions),
            "procedure": [{"action": s.action, "expected": s.expected} for s in self.procedure],
            "acceptance": list(self.acceptance),
            "status": self.status.value,
            "polarity": self.polarity.value,
            "priority": self.priority,
            "applicability": [c.text for c in self.applicability],
            "tags": sorted(self.tags),
        }
