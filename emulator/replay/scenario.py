"""A loaded scenario: the cast, the faults and the steps, each step knowing its source line."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from emulator.world.clock import SimTime
from emulator.world.links import Fault, LinkSpec


@dataclass(frozen=True)
class PersonSpec:
    key: str
    facts: dict[str, Any]  # hukou, residence, employer, employer_district, insured_in, ...
    index: int  # position in the cast: the synthetic person's seed offset


@dataclass(frozen=True)
class CardSpec:
    key: str
    holder: str
    generation: int = 3
    kind: str = "formal"


@dataclass(frozen=True)
class PlaceSpec:
    key: str
    kind: str
    region: str
    code: str | None = None
    secret: str | None = None
    counters: int = 1


@dataclass(frozen=True)
class Step:
    index: int  # 1-based, in file order
    line: int
    at: SimTime
    at_text: str
    who: str
    where: str
    do: str
    params: dict[str, Any]
    expect: dict[str, Any]
    expect_lines: dict[str, int]
    note: str = ""


@dataclass
class Scenario:
    file: str
    name: str
    title: str
    story: str
    start: dt.date
    seed: int
    people: list[PersonSpec]
    cards: list[CardSpec]
    places: list[PlaceSpec]
    links: dict[str, LinkSpec]
    faults: list[Fault]
    steps: list[Step] = field(default_factory=list)
