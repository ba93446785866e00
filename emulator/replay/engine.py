"""Running a scenario in the world: one SimPy process per step, verdicts, the trace."""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator
from dataclasses import dataclass, field, replace
from typing import Any

from emulator.population import make_cardholder
from emulator.reader.codes import ReaderError
from emulator.replay.actions import ACTIONS
from emulator.replay.context import Ctx, StepFailed
from emulator.replay.expect import check
from emulator.replay.scenario import Scenario, Step
from emulator.replay.trace import Trace
from emulator.transport import TransportError
from emulator.world.clock import DAY, format_at
from emulator.world.institutions import institution_for
from emulator.world.links import LinkSpec, LinkTimeout
from emulator.world.world import CardSlot, NotExecutable, Target, World

PASS, FAIL, ERROR, NOT_EXECUTABLE = "pass", "fail", "error", "not executable"
#: A step without expectations is expected to succeed.
DEFAULT_EXPECT = {"ok": True}


@dataclass
class StepResult:
    step: Step
    verdict: str
    outcome: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    started: float = 0.0

    @property
    def detail(self) -> str:
        return "; ".join(self.problems)


@dataclass
class Report:
    scenario: Scenario
    seed: int
    target: Target
    results: list[StepResult]
    trace: Trace
    chips: dict[str, dict[str, Any]] = field(default_factory=dict)  # card -> image as made

    def count(self, verdict: str) -> int:
        return sum(r.verdict == verdict for r in self.results)

    @property
    def passed(self) -> bool:
        return all(r.verdict == PASS for r in self.results)


def person_seed(seed: int, index: int) -> int:
    return seed * 1_000 + index


def build_world(scenario: Scenario, seed: int, target: Target, trace: Trace) -> World:
    start = dt.datetime.combine(scenario.start, dt.time())
    world = World(seed, start, target, trace)
    for spec in scenario.people:
        holder = make_cardholder(person_seed(seed, spec.index), "500100")
        if "name" in spec.facts:
            holder = replace(holder, name=spec.facts["name"])
        trace.hide(holder.citizen_id)
        world.add_person(spec.key, holder, dict(spec.facts))
    default = scenario.links.get("default", LinkSpec())
    for place in scenario.places:
        institution = institution_for(place.kind, place.region, place.code, place.secret)
        spec = scenario.links.get(place.key, default)
        world.add_place(place.key, place.kind, place.region, institution, spec, place.counters)
    for card in scenario.cards:
        world.add_card(CardSlot(card.key, card.holder, card.generation, card.kind))
    for fault in scenario.faults:
        world.add_fault(fault)
    return world


def run_scenario(
    scenario: Scenario, seed: int | None = None, target: Target | None = None
) -> Report:
    """Replay ``scenario``; the same seed and target give the same trace, byte for byte."""
    seed = scenario.seed if seed is None else seed
    target = target or Target()
    trace = Trace()
    world = build_world(scenario, seed, target, trace)
    world.emit("scenario", scenario=scenario.name, seed=seed, target=target.describe())
    results: list[StepResult] = []
    try:
        for step in scenario.steps:
            world.env.process(_step_process(world, step, results))
        world.env.run()
    finally:
        world.close()
    results.sort(key=lambda r: r.step.index)
    chips = {k: slot.image for k, slot in world.cards.items() if slot.image is not None}
    return Report(scenario, seed, target, results, trace, chips)


def _step_process(world: World, step: Step, results: list[StepResult]) -> Generator[Any, Any, None]:
    yield world.env.timeout(max(0.0, step.at - world.env.now))
    person = world.people.get(step.who)
    place = world.places[step.where]
    requests = [place.resource.request()] + ([person.resource.request()] if person else [])
    for request in requests:
        yield request
    result = StepResult(step, PASS, started=world.env.now)
    world.context = {"step": step.index}
    world.emit("step", who=step.who, where=step.where, do=step.do, params=step.params)
    try:
        result.outcome = _execute(world, step, person, place)
    except NotExecutable as exc:
        result.verdict, result.problems = NOT_EXECUTABLE, [str(exc)]
    except StepFailed as exc:
        result.verdict, result.problems = ERROR, [str(exc)]
    except (ReaderError, TransportError) as exc:
        result.verdict, result.problems = ERROR, [f"{type(exc).__name__}: {exc}"]
    else:
        expect = step.expect or DEFAULT_EXPECT
        result.problems = [p for k, v in expect.items() if (p := check(k, v, result.outcome))]
        result.verdict = FAIL if result.problems else PASS
    world.emit("verdict", verdict=result.verdict, outcome=result.outcome, problems=result.problems)
    elapsed, world.elapsed, world.context = world.elapsed, 0.0, {}
    results.append(result)
    yield world.env.timeout(elapsed)
    for resource, request in zip(
        [place.resource] + ([person.resource] if person else []), requests, strict=True
    ):
        resource.release(request)


def _execute(world: World, step: Step, person: Any, place: Any) -> dict[str, Any]:
    if world.backends.live and step.at >= DAY:
        raise NotExecutable(
            f"scheduled at {format_at(step.at)}: a live back-end keeps its own clock, so only "
            "day 1 steps can be replayed against it"
        )
    ctx = Ctx(world, person, place, step.params)
    try:
        return ACTIONS[step.do].run(ctx)
    except LinkTimeout as exc:
        return {"ok": False, "timeout": True, "error": str(exc)}
