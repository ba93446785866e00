"""Faults in scenario files are reported with the file, the line and what was expected."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.replay.actions import ACTIONS
from emulator.replay.loader import ScenarioErrors, load_scenario, parse_scenario, schema

GOOD = """\
scenario: tiny
title: A tiny scenario
cast:
  people:
    zhang: {hukou: "500101"}
  cards:
    zhang-card: {holder: zhang}
  places:
    centre: {kind: service-centre}
steps:
  - at: day 1 09:00
    who: zhang
    where: centre
    do: register
"""


def errors_of(text: str) -> list[tuple[int, str]]:
    with pytest.raises(ScenarioErrors) as caught:
        parse_scenario(text, "bad.yaml")
    assert all(e.file == "bad.yaml" for e in caught.value.errors)
    assert str(caught.value).startswith("bad.yaml:")
    return [(e.line, e.message) for e in caught.value.errors]


def test_a_good_scenario_loads() -> None:
    scenario = parse_scenario(GOOD, "good.yaml")
    assert [s.do for s in scenario.steps] == ["register"]
    assert scenario.steps[0].line == 11 and scenario.steps[0].at == 9 * 3600


def test_a_bad_time_names_its_line_and_the_expected_form() -> None:
    [(line, message)] = errors_of(GOOD.replace("at: day 1 09:00", "at: tuesday 9am"))
    assert line == 11 and "expected a time like 'day 3 09:00'" in message


def test_an_unknown_action_lists_the_known_ones() -> None:
    [(line, message)] = errors_of(GOOD.replace("do: register", "do: regster"))
    assert line == 14 and "expected one of" in message and "register" in message


def test_an_unknown_person_and_a_wrong_place_kind() -> None:
    text = (
        GOOD.replace("who: zhang", "who: li")
        + """\
  - at: day 1 10:00
    who: zhang
    where: centre
    do: withdraw
    with: {amount: "10.00"}
"""
    )
    found = errors_of(text)
    assert (12, "register is done by a person of the cast, got 'li'") in found
    assert any(line == 17 and "withdraw happens at a bank-branch" in m for line, m in found)
    assert any(line == 19 and "withdraw needs 'pin'" in m for line, m in found)


def test_a_missing_field_a_typo_field_and_a_bad_region() -> None:
    text = GOOD.replace('zhang: {hukou: "500101"}', 'zhang: {hukuo: "500101"}')
    found = errors_of(text)
    assert any(line == 5 and "missing field: 'hukou'" in m for line, m in found)
    assert any(line == 5 and "unexpected field" in m and "hukuo" in m for line, m in found)
    text = GOOD.replace('zhang: {hukou: "500101"}', 'zhang: {hukou: "5001"}')
    [(line, message)] = errors_of(text)
    assert line == 5 and "expected text matching" in message


def test_yaml_syntax_and_duplicate_keys() -> None:
    [(line, message)] = errors_of(GOOD.replace("    do: register", "    do: [register"))
    assert line >= 14 and message.startswith("YAML syntax")
    [(line, message)] = errors_of(GOOD + "    do: register\n")
    assert line == 15 and "duplicate key 'do'" in message


def test_a_card_parameter_must_name_a_cast_card(tmp_path: Path) -> None:
    text = (
        GOOD
        + """\
  - at: day 2 09:00
    who: centre
    do: produce-card
    with: {card: li-card}
"""
    )
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioErrors) as caught:
        load_scenario(path)
    [error] = caught.value.errors
    assert (error.file, error.line) == (str(path), 18)
    assert "expected a card of the cast, got 'li-card'" in error.message


def test_faults_name_a_place_or_a_platform() -> None:
    text = GOOD.replace(
        "steps:",
        """\
faults:
  - {at: day 1 10:00, for: ten minutes, link: hospital, kind: down}
steps:""",
    )
    found = errors_of(text)
    assert any(line == 11 and "expected a duration" in m for line, m in found)
    assert any(line == 11 and "platform:<region>" in m for line, m in found)


def test_missing_file_and_empty_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioErrors, match="cannot read the file"):
        load_scenario(tmp_path / "absent.yaml")
    with pytest.raises(ScenarioErrors, match="empty"):
        parse_scenario("", "empty.yaml")


def test_the_schema_lists_every_action_and_is_valid_json_schema() -> None:
    import jsonschema

    document = schema()
    jsonschema.Draft202012Validator.check_schema(document)
    assert document["$defs"]["step"]["properties"]["do"]["enum"] == sorted(ACTIONS)
    path = Path(__file__).resolve().parents[2] / "scenarios" / "schema.json"
    assert json.loads(path.read_text(encoding="utf-8")) == document


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_a_scenario_or_located_errors(text: str) -> None:
    try:
        parse_scenario(text, "fuzz.yaml")
    except ScenarioErrors as exc:
        assert exc.errors and all(e.line >= 1 and e.file == "fuzz.yaml" for e in exc.errors)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(min_value=0, max_value=len(GOOD) - 1),
    st.sampled_from(["", ":", "-", " ", "{", "x", "\n"]),
)
def test_damaged_scenarios_give_located_errors(position: int, insert: str) -> None:
    text = GOOD[:position] + insert + GOOD[position + 1 :]
    try:
        parse_scenario(text, "fuzz.yaml")
    except ScenarioErrors as exc:
        assert all(1 <= e.line <= text.count("\n") + 2 for e in exc.errors)


def test_a_monthly_step_follows_the_calendar() -> None:
    text = GOOD.replace("do: register", "do: register\n    repeat: {every: month, times: 3}")
    text = text.replace("cast:", "start: 2026-01-31\ncast:").replace("day 1 09:00", "day 15 09:00")
    steps = parse_scenario(text, "m.yaml").steps
    days = [int(s.at // 86_400) + 1 for s in steps]
    assert days == [15, 15 + 28, 15 + 28 + 31]  # 14 February, 14 March, 14 April
    assert [s.index for s in steps] == [1, 2, 3]
    late = text.replace("day 15 09:00", "day 1 09:00")  # the 31st: not in every month
    [(line, message)] = errors_of(late.replace("m.yaml", "bad.yaml"))
    assert "up to 28" in message and line == 16
