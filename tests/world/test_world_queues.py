"""Actors are SimPy processes: a place serves `counters` people at once, a person does one
thing at a time, and steps at the same time run in file order."""

from __future__ import annotations

from emulator.replay.engine import PASS, run_scenario
from emulator.replay.loader import parse_scenario

TWO_AT_ONE_COUNTER = """\
scenario: queue
title: Two people at one counter
cast:
  people:
    a: {hukou: "500101"}
    b: {hukou: "500101"}
  cards:
    a-card: {holder: a}
  places:
    centre: {kind: service-centre, counters: COUNTERS}
  links:
    default: {latency_ms: 400, spread: 0}
steps:
  - {at: day 1 09:00, who: a, where: centre, do: register}
  - {at: day 1 09:00, who: b, where: centre, do: register}
  - {at: day 1 09:00, who: a, where: centre, do: apply-for-card}
"""


def started(counters: int) -> list[float]:
    scenario = parse_scenario(TWO_AT_ONE_COUNTER.replace("COUNTERS", str(counters)), "q.yaml")
    report = run_scenario(scenario)
    assert [r.verdict for r in report.results] == [PASS] * 3
    return [r.started - 9 * 3600 for r in report.results]


def test_one_counter_serves_one_person_at_a_time() -> None:
    a, b, a_again = started(1)
    assert a == 0
    assert 0.79 <= b <= 0.81  # waited for a's request and reply (2 x 400 ms)
    assert a_again >= b + 0.79  # queued behind b at the counter


def test_two_counters_serve_two_people_at_once_but_a_person_does_one_thing() -> None:
    a, b, a_again = started(2)
    assert a == b == 0
    assert 0.79 <= a_again <= 0.81  # a's second errand waits for a's first
