"""The national peak day on Ray: wall time at smaller scales, extrapolated to scale 1.0.

Runs `national-peak-day` sharded by province on a local Ray instance (two CPUs by default,
every process on 127.0.0.1) at each scale given, best of `--repeat` runs, and fits
wall = fixed + per_scale x scale through the measured points (least squares) to extrapolate
to scale 1.0. Ray's start-up is outside the timed part; each run's shards are Ray tasks.
Prints figures; asserts nothing about time.

    python benchmarks/bench_national.py [--scales 0.01 0.1] [--repeat 2] [--cpus 2]
"""

from __future__ import annotations

import argparse
import time

from emulator.load.distributed import ray_session, run_sharded_on_ray
from emulator.load.profile import load_profile
from emulator.load.runner import shard_plan


def settled(metrics) -> int:  # type: ignore[no-untyped-def]
    return sum(s.total("arrivals") for k, s in metrics.series.items() if k.startswith("platform"))


def fit(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Least-squares (fixed, per_scale) of wall = fixed + per_scale * scale."""
    if len(points) == 1:
        return 0.0, points[0][1] / points[0][0]
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    slope = sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x, _ in points)
    return my - slope * mx, slope


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[0.01, 0.1])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--cpus", type=int, default=2)
    parser.add_argument("--shards", type=int, default=0, help="default: one per CPU")
    args = parser.parse_args()
    profile = load_profile("national-peak-day")
    plan = shard_plan(profile, args.shards or args.cpus)
    points = []
    with ray_session("local", num_cpus=args.cpus):
        for scale in args.scales:
            walls = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                metrics = run_sharded_on_ray(
                    profile, seed=1, scale=scale, hours=None, shards=plan, address="local"
                )
                walls.append(time.perf_counter() - started)
            best = min(walls)
            count = settled(metrics)
            points.append((scale, best))
            print(
                f"scale {scale:<5} {count:>10,} settlements  best {best:7.1f} s of"
                f" {', '.join(f'{w:.1f}' for w in walls)}  ({count / best:,.0f} /s on"
                f" {args.cpus} CPUs, {count / best / args.cpus:,.0f} /s per core)"
            )
    fixed, per_scale = fit(points)
    full = fixed + per_scale
    print(f"fit: wall = {fixed:.1f} s + {per_scale:.1f} s x scale")
    print(f"national peak day at scale 1.0, extrapolated: {full:.0f} s = {full / 60:.1f} min")


if __name__ == "__main__":
    main()
