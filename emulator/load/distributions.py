"""Service-time distributions declared as data and compiled to fast samplers.

All times are in seconds of simulated time. A distribution is declared by its kind and its
mean (and, where the kind needs it, a coefficient of variation), so a profile reads as
"platform 2207 takes 120 ms on average, cv 0.5" rather than as raw shape parameters.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Sampler = Callable[[], float]


class Distribution(BaseModel):
    """A non-negative service-time distribution: constant, exponential, lognormal or uniform."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["constant", "exponential", "lognormal", "uniform"] = "lognormal"
    mean: float = Field(ge=0.0, description="mean, seconds")
    cv: float = Field(default=0.5, ge=0.0, description="coefficient of variation (sd / mean)")

    @model_validator(mode="after")
    def _shape_is_possible(self) -> Distribution:
        if self.kind == "uniform" and self.cv > 1 / math.sqrt(3):
            raise ValueError("uniform: cv above 0.577 would need negative times")
        return self

    def sampler(self, rng: random.Random) -> Sampler:
        """A zero-argument function drawing from this distribution with `rng`."""
        mean = self.mean
        if self.kind == "constant" or mean == 0.0 or self.cv == 0.0:
            return lambda: mean
        if self.kind == "exponential":
            rate = 1.0 / mean
            expo = rng.expovariate
            return lambda: expo(rate)
        if self.kind == "uniform":
            half = mean * self.cv * math.sqrt(3)
            uni = rng.uniform
            low, high = mean - half, mean + half
            return lambda: uni(low, high)
        sigma2 = math.log1p(self.cv * self.cv)
        mu = math.log(mean) - sigma2 / 2
        sigma = math.sqrt(sigma2)
        return _lognormal(rng, mu, sigma)

    def scaled(self, factor: float) -> Distribution:
        """The same shape with its mean multiplied by `factor`."""
        return self.model_copy(update={"mean": self.mean * factor})


def _lognormal(rng: random.Random, mu: float, sigma: float) -> Sampler:
    """exp(mu + sigma * rng.gauss()), with Random.gauss's Box-Muller step inlined.

    The same numbers as `rng.gauss()` (it keeps the spare normal in `rng.gauss_next`, as
    gauss does, so samplers sharing `rng` and direct gauss calls interleave exactly), without
    a method call per draw; cheaper than lognormvariate() and exact all the same.
    """
    uniform, log, cos, sin, sqrt, exp = (
        rng.random,
        math.log,
        math.cos,
        math.sin,
        math.sqrt,
        math.exp,
    )
    two_pi = 2.0 * math.pi

    def draw() -> float:
        z = rng.gauss_next
        if z is None:
            x2pi = uniform() * two_pi
            g2rad = sqrt(-2.0 * log(1.0 - uniform()))
            rng.gauss_next = sin(x2pi) * g2rad
            return exp(mu + sigma * (cos(x2pi) * g2rad))
        rng.gauss_next = None
        return exp(mu + sigma * z)

    return draw


def const(seconds: float) -> Distribution:
    return Distribution(kind="constant", mean=seconds, cv=0.0)
