"""The world's clock, links and faults."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.world.clock import DAY, WorldClock, format_at, parse_at, parse_duration
from emulator.world.links import Fault, Link, LinkSpec, link_seed


def test_times_and_durations() -> None:
    assert parse_at("day 1 00:00") == 0
    assert parse_at("day 3 09:00") == 2 * DAY + 9 * 3600
    assert parse_at(" day 10 23:59:30 ") == 9 * DAY + 23 * 3600 + 59 * 60 + 30
    assert parse_duration("10 min") == 600 and parse_duration("7 days") == 7 * DAY
    assert parse_duration("250 ms") == 0.25 and parse_duration("2 h") == 7200
    for bad in ("day 0 09:00", "day 1 24:00", "monday 09:00", "day 1 9", 3):
        with pytest.raises(ValueError, match="expected"):
            parse_at(bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="expected a duration"):
        parse_duration("ten minutes")


@settings(max_examples=60)
@given(st.integers(min_value=0, max_value=4000 * 86_400_000))
def test_format_round_trips_to_the_second(millis: int) -> None:
    t = millis / 1000
    text = format_at(t)
    assert parse_at(text[:-4]) == int(t)
    assert text.endswith(f".{millis % 1000:03d}")


def test_the_world_clock_is_start_plus_simulated_time() -> None:
    now = [0.0]
    clock = WorldClock(dt.datetime(2026, 3, 2), lambda: now[0])
    now[0] = parse_at("day 8 20:15") + 0.25
    assert clock() == dt.datetime(2026, 3, 9, 20, 15, 0, 250000)
    assert clock.today() == dt.date(2026, 3, 9)


def test_link_latency_is_seeded_per_link_and_rounded_to_milliseconds() -> None:
    def draws(name: str) -> list[float]:
        link = Link(name, LinkSpec(median_ms=40, sigma=0.5), random.Random(link_seed(7, name)))
        return [link.latency() for _ in range(200)]

    a = draws("hospital")
    assert a == draws("hospital") and a != draws("kiosk")
    assert all(round(x * 1000) == x * 1000 for x in a)
    assert 0.02 < sorted(a)[100] < 0.08  # the median is near 40 ms


def test_faults_are_windows_and_may_target_one_message() -> None:
    link = Link("platform:500000", LinkSpec(), random.Random(1))
    link.faults.append(Fault("platform:500000", "drop-replies", 100, 200, ("2207",)))
    link.faults.append(Fault("platform:500000", "down", 150, 160))
    assert link.state(99, "2207") == "up"
    assert link.state(100, "2207") == "drop-replies" and link.state(100, "2206") == "up"
    assert link.state(155, "2206") == "down" and link.state(155, "2207") == "down"
    assert link.state(200, "2207") == "up"


def test_loss_follows_its_probability() -> None:
    link = Link("x", LinkSpec(loss=0.25), random.Random(3))
    lost = sum(link.lost() for _ in range(4000))
    assert 800 < lost < 1200
    assert not any(Link("y", LinkSpec(), random.Random(3)).lost() for _ in range(100))
