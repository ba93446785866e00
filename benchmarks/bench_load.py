"""Simulated settlements per wall-clock second: the `model` fidelity beside a bare SimPy loop.

The bare loop is the floor of what SimPy can do per settlement (one arrival, one resource,
one timeout), run in the same process so both figures share the machine's state. Prints
figures; asserts nothing about time.

    python benchmarks/bench_load.py [--scale 0.01] [--hours 24]
"""

from __future__ import annotations

import argparse
import random
import time

import simpy

from emulator.load.model import run_model
from emulator.load.profile import load_profile


def bare_loop(settlements: int, seed: int = 1) -> float:
    """Settlements per second for arrival -> one resource -> one timeout."""
    env = simpy.Environment()
    server = simpy.Resource(env, capacity=50)
    rng = random.Random(seed)

    def settle():
        with server.request() as req:
            yield req
            yield env.timeout(rng.expovariate(10.0))

    def arrivals():
        for _ in range(settlements):
            yield env.timeout(rng.expovariate(400.0))
            env.process(settle())

    env.process(arrivals())
    started = time.perf_counter()
    env.run()
    return settlements / (time.perf_counter() - started)


def model_rate(profile_name: str, scale: float, hours: float) -> tuple[float, int]:
    profile = load_profile(profile_name)
    started = time.perf_counter()
    metrics = run_model(profile, seed=1, scale=scale, hours=hours)
    wall = time.perf_counter() - started
    visits = sum(s.total("arrivals") for k, s in metrics.series.items() if k.startswith("platform"))
    return visits / wall, visits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="national-peak-day")
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    # Interleaved best-of-three, so a busy neighbour on the machine hurts both figures alike.
    rates, bares = [], []
    for _ in range(args.repeat):
        rate, visits = model_rate(args.profile, args.scale, args.hours)
        rates.append(rate)
        bares.append(bare_loop(visits))
    rate, bare = max(rates), max(bares)
    print(
        f"model fidelity   {args.profile} scale {args.scale}: {visits} settlements, {rate:,.0f} /s"
    )
    print(f"bare SimPy loop  same process: {bare:,.0f} /s")
    print(f"ratio            {rate / bare:.2f} of the bare loop")
    full_day = 30_000_000
    print(f"national day at scale 1.0 extrapolated: {full_day / rate / 60:.1f} min on one core")


if __name__ == "__main__":
    main()
