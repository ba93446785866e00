"""Loading scenario files: YAML with line numbers, the JSON Schema, then the cross-checks the
schema cannot express (names of the cast, times, action parameters). Every fault is reported
as ``file:line: what was expected``, all of them at once."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from emulator.replay.actions import ACTIONS
from emulator.replay.scenario import CardSpec, PersonSpec, PlaceSpec, Scenario, Step
from emulator.replay.yamlpos import Located, SourceError, load
from emulator.world.clock import DAY, parse_at, parse_duration
from emulator.world.institutions import PLACE_KINDS
from emulator.world.links import Fault, LinkSpec

DEFAULT_START = dt.date(2026, 3, 2)
DEFAULT_REGION = "500100"
_PARAM_CHECKS = {
    "str": lambda v: isinstance(v, (str, int)) and not isinstance(v, bool),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "amount": lambda v: isinstance(v, (str, int, float)) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "list": lambda v: isinstance(v, list),
    "dict": lambda v: isinstance(v, dict),
}  # fmt: skip


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    try:
        return day.replace(year=day.year + month // 12, month=month % 12 + 1)
    except ValueError:
        return day.replace(day=1)  # flagged by the caller: the day does not exist


def _fill(value: Any, fill: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _fill(v, fill) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, fill) for v in value]
    if isinstance(value, str):
        for key, text in fill.items():
            value = value.replace("{" + key + "}", text)
    return value


class ScenarioErrors(Exception):
    """One or more faults in a scenario file."""

    def __init__(self, errors: list[SourceError]) -> None:
        self.errors = sorted(errors, key=lambda e: (e.file, e.line))
        super().__init__("\n".join(str(e) for e in self.errors))


def schema() -> dict[str, Any]:
    return json.loads(resources.files("scenarios").joinpath("schema.json").read_text("utf-8"))


def load_scenario(path: str | Path) -> Scenario:
    """Read and check one scenario file; raises `ScenarioErrors` naming file and line."""
    path = Path(path)
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioErrors([SourceError(file, 1, f"cannot read the file: {exc}")]) from None
    return parse_scenario(text, file)


def parse_scenario(text: str, file: str) -> Scenario:
    try:
        doc = load(text, file)
    except SourceError as exc:
        raise ScenarioErrors([exc]) from None
    errors = _schema_errors(doc, file)
    if errors:
        raise ScenarioErrors(errors)
    checker = _Checker(doc, file)
    scenario = checker.build()
    if checker.errors:
        raise ScenarioErrors(checker.errors)
    return scenario


def _schema_errors(doc: Located, file: str) -> list[SourceError]:
    validator = jsonschema.Draft202012Validator(schema())
    errors = []
    for error in validator.iter_errors(doc.data):
        where = "/".join(str(p) for p in error.absolute_path) or "the top level"
        errors.append(
            SourceError(file, doc.line(tuple(error.absolute_path)), f"{where}: {_say(error)}")
        )
    return errors


def _say(error: jsonschema.ValidationError) -> str:
    """The schema error in words: what was expected."""
    if error.validator == "enum":
        return (
            f"expected one of {', '.join(map(str, error.validator_value))}, got {error.instance!r}"
        )
    if error.validator == "additionalProperties":
        return f"unexpected field ({error.message.split('(')[-1].rstrip(')')})"
    if error.validator == "required":
        return f"missing field: {error.message.split()[0]}"
    if error.validator == "pattern":
        return f"expected text matching {error.validator_value}, got {error.instance!r}"
    if error.validator == "type":
        return f"expected {error.validator_value}, got {error.instance!r}"
    return error.message


class _Checker:
    def __init__(self, doc: Located, file: str) -> None:
        self.doc, self.file = doc, file
        self.errors: list[SourceError] = []

    def fail(self, path: tuple[str | int, ...], message: str) -> None:
        self.errors.append(SourceError(self.file, self.doc.line(path), message))

    def build(self) -> Scenario:
        data = self.doc.data
        cast = data["cast"]
        people = [
            PersonSpec(key, {"insured_in": "500000", **facts}, index)
            for index, (key, facts) in enumerate(cast["people"].items())
        ]
        cards = []
        for key, card in cast.get("cards", {}).items():
            if card["holder"] not in cast["people"]:
                self.fail(("cast", "cards", key, "holder"),
                          f"expected a person of the cast, got {card['holder']!r}")  # fmt: skip
            cards.append(
                CardSpec(key, card["holder"], card.get("generation", 3), card.get("kind", "formal"))
            )
        places = [
            PlaceSpec(
                key,
                p["kind"],
                p.get("region", DEFAULT_REGION),
                p.get("code"),
                p.get("secret"),
                p.get("counters", 1),
            )
            for key, p in cast.get("places", {}).items()
        ]
        names = set(cast["people"]) | {p.key for p in places} | {c.key for c in cards}
        if len(names) != len(cast["people"]) + len(places) + len(cards):
            self.fail(("cast",), "people, cards and places need distinct names")
        links = {key: self._link(key, spec) for key, spec in cast.get("links", {}).items()}
        scenario = Scenario(
            file=self.file, name=data["scenario"], title=data["title"],
            story=data.get("story", ""), start=self._start(data), seed=data.get("seed", 1),
            people=people, cards=cards, places=places, links=links,
            faults=[self._fault(i, f, places) for i, f in enumerate(data.get("faults", []))],
        )  # fmt: skip
        kinds = {p.key: p.kind for p in places}
        for index, raw in enumerate(data["steps"]):
            step = self._step(index, raw, scenario, kinds)
            if step is not None:
                scenario.steps.extend(self._repeat(step, raw.get("repeat"), scenario.start, index))
        for number, step in enumerate(scenario.steps, 1):
            scenario.steps[number - 1] = replace(step, index=number)
        return scenario

    def _repeat(
        self, step: Step, repeat: dict[str, Any] | None, start: dt.date, index: int
    ) -> list[Step]:
        """The occurrences of a repeated step: every day, week or calendar month; ``{n}`` and
        ``{yyyymm}`` in its text parameters become the occurrence's number and month."""
        if repeat is None:
            return [step]
        first_day, time_of_day = divmod(step.at, DAY)
        first = start + dt.timedelta(days=first_day)
        steps = []
        for n in range(repeat["times"]):
            if repeat["every"] == "month":
                day = _add_months(first, n)
            else:
                day = first + dt.timedelta(days=n * (7 if repeat["every"] == "week" else 1))
            if day.day != first.day and repeat["every"] == "month":
                self.fail(("steps", index, "repeat"),
                          f"day {first.day} does not exist in every month; use a day up to 28")  # fmt: skip
                return [step]
            at = (day - start).days * DAY + time_of_day
            fill = {"n": str(n + 1), "yyyymm": day.strftime("%Y%m")}
            steps.append(replace(step, at=at, at_text=f"{step.at_text} (+{n})",
                                 params=_fill(step.params, fill)))  # fmt: skip
        return steps

    def _start(self, data: dict[str, Any]) -> dt.date:
        try:
            return dt.date.fromisoformat(data.get("start", DEFAULT_START.isoformat()))
        except ValueError:
            self.fail(("start",), f"expected a calendar date YYYY-MM-DD, got {data['start']!r}")
            return DEFAULT_START

    def _link(self, key: str, spec: dict[str, Any]) -> LinkSpec:
        timeout = 30.0
        if "timeout" in spec:
            try:
                timeout = parse_duration(spec["timeout"])
            except ValueError as exc:
                self.fail(("cast", "links", key, "timeout"), str(exc))
        return LinkSpec(
            spec.get("latency_ms", 20.0), spec.get("spread", 0.3), spec.get("loss", 0.0), timeout
        )

    def _fault(self, index: int, raw: dict[str, Any], places: list[PlaceSpec]) -> Fault:
        start = end = 0.0
        try:
            start = parse_at(raw["at"])
        except ValueError as exc:
            self.fail(("faults", index, "at"), str(exc))
        try:
            end = start + parse_duration(raw["for"])
        except ValueError as exc:
            self.fail(("faults", index, "for"), str(exc))
        target = raw["link"]
        if target not in {p.key for p in places} and not target.startswith("platform:"):
            self.fail(("faults", index, "link"),
                      f"expected a place of the cast or platform:<region>, got {target!r}")  # fmt: skip
        return Fault(
            target, raw["kind"], start, end, tuple(str(m) for m in raw.get("messages", ()))
        )

    def _step(
        self, index: int, raw: dict[str, Any], sc: Scenario, kinds: dict[str, str]
    ) -> Step | None:
        path = ("steps", index)
        action = ACTIONS[raw["do"]]
        people = {p.key for p in sc.people}
        before = len(self.errors)
        at = 0.0
        try:
            at = parse_at(raw["at"])
        except ValueError as exc:
            self.fail((*path, "at"), str(exc))
        who, where = raw["who"], raw.get("where", raw["who"])
        if action.who == "person" and who not in people:
            self.fail((*path, "who"), f"{action.name} is done by a person of the cast, got {who!r}")
        if action.who == "place" and who not in kinds:
            self.fail((*path, "who"), f"{action.name} is done by a place of the cast, got {who!r}")
        if where not in kinds:
            self.fail((*path, "where" if "where" in raw else "who"),
                      f"expected a place of the cast for {action.name}, got {where!r}")  # fmt: skip
        elif kinds[where] not in action.places:
            self.fail((*path, "where"),
                      f"{action.name} happens at a {' or '.join(action.places)}, "
                      f"not at {where} ({kinds[where]})")  # fmt: skip
        params = raw.get("with", {})
        self._params(path, action, params, {c.key for c in sc.cards})
        if len(self.errors) > before:
            return None
        expect = raw.get("expect", {})
        return Step(
            index=index + 1, line=self.doc.line(path), at=at, at_text=raw["at"], who=who,
            where=where, do=action.name, params=params, expect=expect,
            expect_lines={k: self.doc.line((*path, "expect", k)) for k in expect},
            note=raw.get("note", ""),
        )  # fmt: skip

    def _params(
        self, path: tuple[str | int, ...], action: Any, params: dict[str, Any], cards: set[str]
    ) -> None:
        known = {p.name: p for p in action.params}
        for name, value in params.items():
            spec = known.get(name)
            if spec is None:
                self.fail((*path, "with", name),
                          f"{action.name} takes {', '.join(known) or 'no parameters'}, not {name!r}")  # fmt: skip
            elif spec.kind == "card" and value not in cards:
                self.fail((*path, "with", name), f"expected a card of the cast, got {value!r}")
            elif spec.kind in _PARAM_CHECKS and not _PARAM_CHECKS[spec.kind](value):
                self.fail((*path, "with", name), f"expected {spec.kind} for {name}, got {value!r}")
        for spec in action.params:
            if spec.required and spec.name not in params:
                self.fail(
                    (*path, "with"), f"{action.name} needs '{spec.name}' ({spec.doc or spec.kind})"
                )


__all__ = ["PLACE_KINDS", "ScenarioErrors", "load_scenario", "parse_scenario", "schema"]
