"""Counters and latency histograms per institution and per time bin, mergeable across shards.

Latencies go into logarithmic buckets (8 per doubling, 1 ms to about 70 minutes), so a
national day costs a fixed amount of memory and two shards merge by adding counts. A
percentile read from the buckets is exact to within one bucket width (about 9%).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

BUCKETS_PER_DOUBLING = 8
MIN_LATENCY = 0.001
BUCKET_COUNT = 8 * 22
_LOG_BASE = math.log(2) / BUCKETS_PER_DOUBLING

COUNTERS = (
    "arrivals",
    "settled",
    "timeouts",
    "reversals",
    "reversals_pending",
    "failed",
)


def bucket_of(seconds: float) -> int:
    if seconds <= MIN_LATENCY:
        return 0
    index = int(math.log(seconds / MIN_LATENCY) / _LOG_BASE) + 1
    return index if index < BUCKET_COUNT else BUCKET_COUNT - 1


def bucket_upper(index: int) -> float:
    return MIN_LATENCY * math.exp(index * _LOG_BASE)


def percentile(histogram: list[int], q: float) -> float | None:
    """The upper edge of the bucket holding the q-quantile (0 < q <= 1), None when empty."""
    total = sum(histogram)
    if total == 0:
        return None
    rank = q * total
    running = 0
    for index, count in enumerate(histogram):
        running += count
        if running >= rank:
            return bucket_upper(index)
    return bucket_upper(len(histogram) - 1)


@dataclass
class Series:
    """One institution's figures, per time bin and over the whole run."""

    bins: int
    counters: dict[str, list[int]] = field(default_factory=dict)
    latency: list[list[int]] = field(default_factory=list)
    queue: list[int] = field(default_factory=list)
    busy: list[float] = field(default_factory=list)
    capacity: int = 1

    def __post_init__(self) -> None:
        if not self.counters:
            self.counters = {name: [0] * self.bins for name in COUNTERS}
        if not self.latency:
            self.latency = [[0] * BUCKET_COUNT for _ in range(self.bins)]
        if not self.queue:
            self.queue = [0] * self.bins
        if not self.busy:
            self.busy = [0.0] * self.bins

    def count(self, name: str, bin_index: int, n: int = 1) -> None:
        self.counters[name][bin_index] += n

    def total(self, name: str) -> int:
        return sum(self.counters[name])

    def whole_latency(self) -> list[int]:
        merged = [0] * BUCKET_COUNT
        for row in self.latency:
            for i, c in enumerate(row):
                if c:
                    merged[i] += c
        return merged

    def merge(self, other: Series) -> None:
        for name, values in other.counters.items():
            mine = self.counters[name]
            for i, v in enumerate(values):
                mine[i] += v
        for row, orow in zip(self.latency, other.latency, strict=True):
            for i, c in enumerate(orow):
                if c:
                    row[i] += c
        self.queue = [a + b for a, b in zip(self.queue, other.queue, strict=True)]
        self.busy = [a + b for a, b in zip(self.busy, other.busy, strict=True)]
        self.capacity += other.capacity

    def to_dict(self) -> dict:
        return {
            "capacity": self.capacity,
            "counters": self.counters,
            "latency": self.latency,
            "queue": self.queue,
            "busy": self.busy,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Series:
        bins = len(data["queue"])
        return cls(
            bins=bins,
            counters={k: list(v) for k, v in data["counters"].items()},
            latency=[list(r) for r in data["latency"]],
            queue=list(data["queue"]),
            busy=list(data["busy"]),
            capacity=data["capacity"],
        )


@dataclass
class RunMetrics:
    """Every institution's series of one run (or one shard), keyed `kind:name`."""

    bins: int
    bin_seconds: float
    series: dict[str, Series] = field(default_factory=dict)

    def get(self, key: str, capacity: int = 1) -> Series:
        found = self.series.get(key)
        if found is None:
            found = self.series[key] = Series(self.bins, capacity=capacity)
        return found

    def merge(self, other: RunMetrics) -> None:
        if (other.bins, other.bin_seconds) != (self.bins, self.bin_seconds):
            raise ValueError("cannot merge runs with different time bins")
        for key, s in other.series.items():
            if key in self.series:
                self.series[key].merge(s)
            else:
                self.series[key] = Series.from_dict(s.to_dict())

    def to_dict(self) -> dict:
        return {
            "bins": self.bins,
            "bin_seconds": self.bin_seconds,
            "series": {k: v.to_dict() for k, v in sorted(self.series.items())},
        }

    @classmethod
    def from_dict(cls, data: dict) -> RunMetrics:
        return cls(
            bins=data["bins"],
            bin_seconds=data["bin_seconds"],
            series={k: Series.from_dict(v) for k, v in data["series"].items()},
        )
