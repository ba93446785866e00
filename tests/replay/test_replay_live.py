"""One library scenario replayed against live systems: the back-ends served over HTTP
(`sscard backends serve`, SQLite file) and the card served into pcscd (`sscard card serve`)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from emulator.pcsc import wait_for_card
from emulator.replay.engine import NOT_EXECUTABLE, PASS, run_scenario
from emulator.replay.loader import load_scenario
from emulator.world.world import Target

LIBRARY = Path(__file__).resolve().parents[2] / "scenarios" / "library"
SCENARIO = LIBRARY / "financial-activation.yaml"
SLOT = 1
SSCARD = [str(Path(sys.executable).with_name("sscard"))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def backends_url(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    db = f"sqlite:///{tmp_path / 'live.sqlite'}"
    server = subprocess.Popen(
        [*SSCARD, "backends", "serve", "--db", db, "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            time.sleep(0.1)
        else:
            pytest.fail("sscard backends serve did not come up")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_scenario_against_http_backends_with_in_process_cards(backends_url: str) -> None:
    report = run_scenario(load_scenario(SCENARIO), target=Target(backends_url))
    assert [r.verdict for r in report.results] == [PASS] * len(report.results), [
        (r.step.index, r.problems) for r in report.results if r.verdict != PASS
    ]
    paths = [r["path"] for r in report.trace.records if r["kind"] == "http"]
    assert any(p.startswith("/bank/cards/") and p.endswith("/activate") for p in paths)
    assert report.trace.records[0]["target"].startswith(f"backends {backends_url}")


def test_later_days_are_not_executable_against_a_live_backend(backends_url: str) -> None:
    report = run_scenario(
        load_scenario(LIBRARY / "temporary-loss-lapses.yaml"), target=Target(backends_url)
    )
    later = [r for r in report.results if r.step.at >= 86_400]
    assert later and all(r.verdict == NOT_EXECUTABLE for r in later)
    assert "own clock" in later[0].detail
    assert report.results[0].verdict == PASS


def _export_card(tmp_path: Path) -> Path:
    """The chip the scenario's bureau will issue first, as the emulator makes it."""
    cards = tmp_path / "cards"
    done = subprocess.run(
        [*SSCARD, "replay", str(SCENARIO), "--export-cards", str(cards)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return cards / "li-card.json"


@pytest.mark.pcsc
def test_scenario_against_http_backends_and_a_card_in_pcscd(pcscd, backends_url, tmp_path) -> None:
    image = _export_card(tmp_path)
    # Slot 1: slot 0 is where people serve cards by hand while working.
    reader = pcscd.reader_for_slot(SLOT)
    assert wait_for_card(reader, present=False, timeout=20), f"{reader} already holds a card"
    serve = subprocess.Popen(
        [*SSCARD, "card", "serve", str(image), "--slot", str(SLOT)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert wait_for_card(reader, present=True, timeout=20), "the served card never appeared"
        trace_file = tmp_path / "live.jsonl"
        done = subprocess.run(
            [*SSCARD, "replay", str(SCENARIO), "--backend-url", backends_url,
             "--reader", f"pcsc:{reader}", "--trace", str(trace_file)],
            capture_output=True, text=True, timeout=180, check=False, env={**os.environ, "COLUMNS": "220"},
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        trace = trace_file.read_text(encoding="utf-8")
        assert f"pcsc:{reader}" in trace and '"kind": "apdu"' in trace
        assert "802413" not in trace  # the bank PIN of the scenario
    finally:
        serve.terminate()
        serve.wait(timeout=20)
