"""Figures derived from a run's metrics: totals, percentiles, utilisation, and the invariants."""

from __future__ import annotations

from dataclasses import dataclass

from emulator.load.metrics import RunMetrics, Series, percentile

QUANTILES = {"p50": 0.50, "p95": 0.95, "p99": 0.99}


def kind_of(key: str) -> str:
    return key.split(":", 1)[0]


def series_summary(series: Series, bin_seconds: float) -> dict:
    """Whole-run figures of one institution."""
    whole = series.whole_latency()
    arrivals = series.total("arrivals")
    settled = series.total("settled")
    duration = bin_seconds * len(series.queue)
    busy = sum(series.busy)
    return {
        "capacity": series.capacity,
        "arrivals": arrivals,
        "settled": settled,
        "timeouts": series.total("timeouts"),
        "reversals": series.total("reversals"),
        "failed": series.total("failed"),
        "reversals_pending": series.total("reversals_pending"),
        "success_rate": round(settled / arrivals, 6) if arrivals else None,
        "throughput_per_s": round(settled / duration, 4) if duration else 0.0,
        "peak_throughput_per_s": round(max(series.counters["settled"]) / bin_seconds, 4),
        **{name: _round(percentile(whole, q)) for name, q in QUANTILES.items()},
        "max_queue": max(series.queue),
        "utilisation": round(busy / (series.capacity * duration), 6) if duration else 0.0,
        "peak_utilisation": round(max(series.busy) / (series.capacity * bin_seconds), 6),
    }


def time_series(series: Series, bin_seconds: float) -> dict[str, list]:
    """Per-bin throughput, latency percentiles, queue length and utilisation."""
    out: dict[str, list] = {
        "throughput_per_s": [round(n / bin_seconds, 4) for n in series.counters["settled"]],
        "arrivals": list(series.counters["arrivals"]),
        "timeouts": list(series.counters["timeouts"]),
        "reversals": list(series.counters["reversals"]),
        "queue": list(series.queue),
        "utilisation": [round(b / (series.capacity * bin_seconds), 6) for b in series.busy],
    }
    for name, q in QUANTILES.items():
        out[name] = [_round(percentile(row, q)) for row in series.latency]
    return out


@dataclass(frozen=True)
class Invariant:
    name: str
    holds: bool
    detail: str


def invariants(metrics: RunMetrics) -> list[Invariant]:
    """What must hold after a drained run of the `model` fidelity."""
    found: list[Invariant] = []
    for key, s in sorted(metrics.series.items()):
        if kind_of(key) != "platform":
            continue
        arrivals, settled = s.total("arrivals"), s.total("settled")
        timeouts, failed = s.total("timeouts"), s.total("failed")
        reversals, pending = s.total("reversals"), s.total("reversals_pending")
        found.append(
            Invariant(
                f"{key}: every settlement completed or timed out",
                arrivals == settled + timeouts,
                f"{arrivals} sent = {settled} settled + {timeouts} timed out",
            )
        )
        found.append(
            Invariant(
                f"{key}: every applied settlement that timed out was reversed",
                timeouts == failed + reversals and pending == 0,
                f"{timeouts} timed out = {failed} never applied + {reversals} reversed;"
                f" {pending} reversals pending",
            )
        )
    hospital = sum(
        s.total("arrivals") for k, s in metrics.series.items() if kind_of(k) == "hospital"
    )
    platform = sum(
        s.total("arrivals") for k, s in metrics.series.items() if kind_of(k) == "platform"
    )
    found.append(
        Invariant(
            "every visit reached its platform exactly once",
            hospital == platform,
            f"{hospital} visits, {platform} platform sessions",
        )
    )
    return found


def run_summary(metrics: RunMetrics) -> dict:
    """Whole-run figures per institution plus totals per kind."""
    per: dict[str, dict] = {
        key: series_summary(s, metrics.bin_seconds) for key, s in sorted(metrics.series.items())
    }
    totals = {
        kind: series_summary(merged_kind(metrics, kind), metrics.bin_seconds)
        for kind in sorted({kind_of(k) for k in metrics.series})
    }
    return {"institutions": per, "totals": totals}


def merged_kind(metrics: RunMetrics, kind: str) -> Series:
    """One series adding up every institution of `kind` (capacities add too)."""
    merged = Series(metrics.bins, capacity=0)
    for key, s in metrics.series.items():
        if kind_of(key) == kind:
            merged.merge(s)
    if merged.capacity == 0:
        merged.capacity = 1
    return merged


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
