"""Same seed, same trace, byte for byte; another seed changes the draws; traces are masked."""

from __future__ import annotations

import json
import re
from pathlib import Path

from emulator.replay.engine import run_scenario
from emulator.replay.loader import load_scenario

LIBRARY = Path(__file__).resolve().parents[2] / "scenarios" / "library"


def test_two_replays_with_the_same_seed_give_byte_identical_traces() -> None:
    scenario = load_scenario(LIBRARY / "platform-outage.yaml")  # latency draws, faults, cards
    first = run_scenario(scenario, seed=11).trace.lines()
    second = run_scenario(load_scenario(LIBRARY / "platform-outage.yaml"), seed=11).trace.lines()
    assert first == second
    kinds = {json.loads(line)["kind"] for line in first.splitlines()}
    assert {"http", "reply", "apdu", "timeout", "fault", "step", "verdict"} <= kinds


def test_another_seed_gives_other_people_and_latencies() -> None:
    scenario = load_scenario(LIBRARY / "pin-locked-unlocked.yaml")
    one, two = run_scenario(scenario, seed=1), run_scenario(scenario, seed=2)
    assert one.passed and two.passed
    assert one.trace.lines() != two.trace.lines()


def test_traces_never_show_pins_or_whole_id_numbers() -> None:
    scenario = load_scenario(LIBRARY / "pin-locked-unlocked.yaml")
    report = run_scenario(scenario)
    text = report.trace.lines()
    for pin in ("111111", "222222", "390217"):
        assert pin not in text
        assert pin not in text.replace("*", "")  # not even as packed BCD digits
    records = [json.loads(line) for line in text.splitlines()]
    verifies = [r for r in records if r["kind"] == "apdu" and r["command"][2:4] == "20"]
    assert verifies and all(r["command"].endswith("*" * 6) for r in verifies)
    # Every citizen ID in the trace is masked: 6 digits, stars, 2 characters.
    ids = re.findall(r"\d{6}\*{10}[\dX]{2}", text)
    assert ids
    assert not re.search(r'"\d{17}[\dX]"', text)
    assert "***" in text  # the PIN fields of requests


def test_withdraw_pin_is_masked_in_http_bodies() -> None:
    report = run_scenario(load_scenario(LIBRARY / "financial-activation.yaml"))
    text = report.trace.lines()
    assert "802413" not in text and "111111" not in text
    bodies = [
        json.loads(x)["body"] for x in text.splitlines() if '"/bank/cards/' in x and "withdraw" in x
    ]
    assert bodies and all(b["pin"] == "***" for b in bodies if b)
