"""Deliberately broken implementations that prove the suites catch faults.

`run_mutants()` runs each mutant against the suites it names and lists the cases that kill
it (a fail verdict); a mutant no case kills lives, and the project's tests fail."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from conformance.mutants.base import Mutant
from conformance.registry import suites_named
from conformance.runner import run
from conformance.suite import Suite
from conformance.targets import EmulatorTarget, load_image
from conformance.verdict import Verdict


def all_mutants() -> list[Mutant]:
    from conformance.mutants import backend, card_os, pboc, reader, ssse

    return [*card_os.MUTANTS, *ssse.MUTANTS, *pboc.MUTANTS, *reader.MUTANTS, *backend.MUTANTS]


@dataclass
class Outcome:
    mutant: Mutant
    killers: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def killed(self) -> bool:
        return bool(self.killers)


class MutantTarget(EmulatorTarget):
    """The emulator with one mutant applied."""

    mutant: Mutant | None = None

    def image(self, suite: Suite, pics: Any, pixit: Any) -> dict[str, Any]:
        if suite.name not in self._images:
            image = load_image(suite, pics, pixit)
            if self.mutant is not None and self.mutant.mutate_image is not None:
                image = self.mutant.mutate_image(image)
            self._images[suite.name] = image
        return self._images[suite.name]


def target_for(mutant: Mutant) -> MutantTarget:
    from conformance.suite import Interface

    target = MutantTarget(
        f"mutant:{mutant.name}",
        f"sscard emulator with mutant {mutant.name}: {mutant.defect}",
        frozenset(Interface),
        wrap_card=mutant.wrap_card,
        wrap_reader=mutant.wrap_reader,
        wrap_app=mutant.wrap_app,
    )
    target.mutant = mutant
    return target


def run_mutant(mutant: Mutant) -> Outcome:
    with mutant.patch() if mutant.patch is not None else nullcontext():
        result = run(suites_named(list(mutant.suites)), target_for(mutant))
    outcome = Outcome(mutant)
    for r in result.results:
        if r.verdict is Verdict.FAIL:
            outcome.killers.append(r.case.id)
        elif r.verdict is Verdict.ERROR:
            outcome.errors.append(f"{r.case.id}: {r.reason}")
    return outcome


def run_mutants(names: list[str] | None = None) -> list[Outcome]:
    mutants = all_mutants()
    if names:
        known = {m.name for m in mutants}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise KeyError(f"unknown mutant(s) {', '.join(unknown)}")
        mutants = [m for m in mutants if m.name in names]
    return [run_mutant(m) for m in mutants]
