"""Network links between actors and the systems they reach: latency, loss and faults.

A link's latency is lognormal around a median (seeded per link, so adding a link does not
shift the others' draws). Faults are windows of simulated time: ``down`` (requests never
arrive: the caller waits out its timeout) and ``drop-replies`` (the request is processed, the
answer is lost: the caller times out and must find out what happened, e.g. 2601 reversal).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from emulator.world.clock import SimTime

FAULT_KINDS = ("down", "drop-replies")


class LinkTimeout(Exception):
    """No answer within the caller's timeout (the request may or may not have arrived)."""


@dataclass(frozen=True)
class Fault:
    target: str  # a link name
    kind: str  # one of FAULT_KINDS
    start: SimTime
    end: SimTime
    messages: tuple[str, ...] = ()  # only these messages (e.g. infno "2207"); empty: all

    def active(self, t: SimTime, message: str = "") -> bool:
        return self.start <= t < self.end and (not self.messages or message in self.messages)


@dataclass(frozen=True)
class LinkSpec:
    """Latency median (ms), its lognormal spread (sigma) and the loss probability."""

    median_ms: float = 20.0
    sigma: float = 0.3
    loss: float = 0.0
    timeout_s: float = 30.0


@dataclass
class Link:
    name: str
    spec: LinkSpec
    rng: random.Random
    faults: list[Fault] = field(default_factory=list)

    def latency(self) -> float:
        """One one-way delay in seconds, rounded to the millisecond (trace resolution)."""
        draw = self.rng.lognormvariate(math.log(self.spec.median_ms), self.spec.sigma)
        return round(draw) / 1000

    def lost(self) -> bool:
        return self.spec.loss > 0 and self.rng.random() < self.spec.loss

    def state(self, t: SimTime, message: str = "") -> str:
        """``up``, or the kind of the fault active at ``t`` for ``message`` (``down`` wins)."""
        kinds = {f.kind for f in self.faults if f.active(t, message)}
        return "down" if "down" in kinds else next(iter(sorted(kinds)), "up")


def link_seed(seed: int, name: str) -> int:
    """A per-link stream derived from the world seed and the link's name (stable, not hash())."""
    return seed * 1_000_003 + sum((i + 1) * b for i, b in enumerate(name.encode()))
