"""`sscard replay`: verdicts and exit codes, the trace file, and `--diff` of two traces."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from emulator.cli import app
from emulator.replay.diff import TraceError, diverge, read_trace

LIBRARY = Path(__file__).resolve().parents[2] / "scenarios" / "library"
runner = CliRunner()


def replay(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["replay", *args], env={"COLUMNS": "200"})


def test_a_passing_scenario_exits_0_and_writes_its_trace(tmp_path: Path) -> None:
    trace = tmp_path / "t.jsonl"
    result = replay(str(LIBRARY / "migrant-worker-applies.yaml"), "--trace", str(trace))
    assert result.exit_code == 0, result.output
    assert "migrant-worker-applies: 7 pass" in result.output
    records = [json.loads(line) for line in trace.read_text(encoding="utf-8").splitlines()]
    assert records[0]["kind"] == "scenario" and records[0]["seed"] == 1
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))


def test_a_failed_expectation_exits_1_and_names_the_line(tmp_path: Path) -> None:
    text = (LIBRARY / "migrant-worker-applies.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace('expect: {ok: true, business_type: "01"}',
                                   'expect: {ok: true, business_type: "05"}'), encoding="utf-8")  # fmt: skip
    result = replay(str(broken))
    assert result.exit_code == 1, result.output
    assert "fail" in result.output and "business_type: expected '05', got '01'" in result.output
    assert "line 27" in result.output


def test_a_file_error_exits_2_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenario: x\ntitle: y\ncast: {people: {}}\nsteps: []\n", encoding="utf-8")
    result = replay(str(bad))
    assert result.exit_code == 2
    assert f"{bad}:3:" in result.output and f"{bad}:4:" in result.output


def test_bad_options_are_refused() -> None:
    assert replay().exit_code == 2
    assert replay(str(LIBRARY / "apply-for-card.yaml"), "--reader", "usb0").exit_code == 2
    assert replay(str(LIBRARY / "apply-for-card.yaml"), "--target", "live").exit_code == 2
    both = replay(
        str(LIBRARY / "apply-for-card.yaml"), "--target", "emulator", "--backend-url", "x"
    )
    assert both.exit_code == 2 and "excludes" in both.output


def test_diff_of_two_seeds_shows_the_first_divergence(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    scenario = str(LIBRARY / "online-balance-query.yaml")
    assert replay(scenario, "--trace", str(a)).exit_code == 0
    assert replay(scenario, "--trace", str(b), "--seed", "2").exit_code == 0
    same = replay("--diff", str(a), str(a))
    assert same.exit_code == 0 and "the traces agree" in same.output
    different = replay("--diff", str(a), str(b))
    assert different.exit_code == 1
    assert "first divergence at record 1" in different.output and "seed" in different.output


def test_diverge_finds_the_first_differing_record_and_its_fields() -> None:
    left = [{"seq": 1, "kind": "step"}, {"seq": 2, "kind": "http", "status": 200}]
    right = [{"seq": 1, "kind": "step"}, {"seq": 2, "kind": "http", "status": 504},
             {"seq": 3, "kind": "timeout"}]  # fmt: skip
    found = diverge(left, right)
    assert found is not None
    assert (found.index, found.fields, found.differing_after) == (1, ["status"], 1)
    assert diverge(left, [dict(r, seq=r["seq"] + 5) for r in left]) is None  # seq is a place


def test_unreadable_traces_name_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"kind": "step"}\nnot json\n', encoding="utf-8")
    try:
        read_trace(bad)
    except TraceError as exc:
        assert f"{bad}:2:" in str(exc)
    else:
        raise AssertionError("a broken trace was accepted")
    result = replay("--diff", str(bad), str(bad))
    assert result.exit_code == 2 and ":2:" in result.output
