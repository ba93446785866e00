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
        # gauss() is several times cheaper than lognormvariate() and exact all the same.
        gauss, exp = rng.gauss, math.exp
        return lambda: exp(mu + sigma * gauss())

    def scaled(self, factor: float) -> Distribution:
        """The same shape with its mean multiplied by `factor`."""
        return self.model_copy(update={"mean": self.mean * factor})


def const(seconds: float) -> Distribution:
    return Distribution(kind="constant", mean=seconds, cv=0.0)
