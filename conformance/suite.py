"""Suites: named, versioned collections of test cases addressed to one kind of interface
(a card, a reader, an HTTP service), with the statements the reference implementation makes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance.model import Polarity, Requirement, Status, Step, TestCase

if TYPE_CHECKING:
    from conformance.applicability import Condition
    from conformance.context import TestContext
    from conformance.statement import Pics, Pixit


class Interface(StrEnum):
    """What a suite talks to; a target offers one or more of these."""

    CARD = "card"
    READER = "reader"
    HTTP = "http"
    SCENARIO = "scenario"


@dataclass
class Suite:
    """A suite and its cases, in the order they run."""

    name: str
    title: str
    version: str
    interface: Interface
    pics_file: Path | None = None
    pixit_file: Path | None = None
    # For the emulator target: the card image (JSON document) the suite runs against.
    emulator_image: Callable[[Pics, Pixit], dict[str, Any]] | None = None
    # For the emulator target: PIXIT `extra` entries the tests need about that image (keys,
    # personalised values), filled in where the PIXIT file gives none.
    emulator_pixit: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    cases: list[TestCase] = field(default_factory=list)

    def case(
        self,
        id: str,
        title: str,
        requirements: tuple[Requirement, ...] | list[Requirement],
        purpose: str,
        initial: tuple[str, ...] | list[str],
        procedure: tuple[Step | tuple[str, str], ...] | list[Step | tuple[str, str]],
        acceptance: tuple[str, ...] | list[str],
        status: Status = Status.MANDATORY,
        polarity: Polarity = Polarity.POSITIVE,
        priority: int = 1,
        applies: tuple[Condition, ...] | list[Condition] = (),
        tags: tuple[str, ...] = (),
    ) -> Callable[[Callable[[TestContext], None]], Callable[[TestContext], None]]:
        """Register the decorated function as the body of a test case."""

        def register(body: Callable[[TestContext], None]) -> Callable[[TestContext], None]:
            if any(c.id == id for c in self.cases):
                raise ValueError(f"duplicate test case ID {id}")
            steps = tuple(s if isinstance(s, Step) else Step(*s) for s in procedure)
            self.cases.append(
                TestCase(
                    id=id,
                    title=title,
                    suite=self.name,
                    requirements=tuple(requirements),
                    purpose=purpose,
                    initial_conditions=tuple(initial),
                    procedure=steps,
                    acceptance=tuple(acceptance),
                    body=body,
                    status=status,
                    polarity=polarity,
                    priority=priority,
                    applicability=tuple(applies),
                    tags=frozenset(tags),
                )
            )
            return body

        return register
