"""`sscard card serve` as a user runs it: several cards, signals, bad input."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from pcsc_helpers import READERS, SSCARD, WAIT
from typer.testing import CliRunner

from emulator.cli import app
from emulator.pcsc import PcscTransport, wait_for_card


@pytest.mark.pcsc
def test_two_cards_signals_remove_insert_and_sigint_saves(
    card_images: dict[int, Path], tmp_path: Path
) -> None:
    images = [shutil.copyfile(card_images[g], tmp_path / f"gen{g}.json") for g in (2, 3)]
    trace = tmp_path / "trace.jsonl"
    argv = [*SSCARD, "card", "serve", *map(str, images), "--trace", str(trace)]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for reader, image in zip(READERS, images, strict=True):
            assert wait_for_card(reader, present=True, timeout=WAIT)
            with PcscTransport(reader) as transport:
                assert transport.atr.hex().upper() == json.loads(image.read_text())["atr"]
        process.send_signal(signal.SIGUSR1)
        for reader in READERS:
            assert wait_for_card(reader, present=False, timeout=WAIT), f"{reader} still full"
        process.send_signal(signal.SIGUSR2)
        for reader in READERS:
            assert wait_for_card(reader, present=True, timeout=WAIT), f"{reader} still empty"
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=WAIT)
        for reader in READERS:
            assert wait_for_card(reader, present=False, timeout=WAIT), f"{reader} kept its card"
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, output
    assert "card images saved" in output
    events = [json.loads(line) for line in trace.read_text().splitlines()]
    for slot in (0, 1):
        mine = [e["event"] for e in events if e.get("slot") == slot and "event" in e]
        # connected, removed by SIGUSR1, back with SIGUSR2, removed again at exit
        assert mine.count("inserted") == 2 and mine.count("removed") == 2, mine


runner = CliRunner()


def message(output: str) -> str:
    """The CLI's error text with rich's box and line wrapping removed."""
    return " ".join(output.replace("│", " ").split())


def test_a_missing_image_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["card", "serve", str(tmp_path / "nope.json")])
    assert result.exit_code == 2
    assert "cannot read card image" in message(result.output)


def test_a_malformed_image_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something else"}')
    result = runner.invoke(app, ["card", "serve", str(bad)])
    assert result.exit_code == 2
    assert "not a valid card image" in message(result.output)


def test_more_cards_than_vpcd_slots_is_a_clear_error(card_images: dict[int, Path]) -> None:
    result = runner.invoke(
        app, ["card", "serve", str(card_images[2]), str(card_images[3]), "--slot", "1"]
    )
    assert result.exit_code == 2
    assert "vpcd has slots 0..1" in message(result.output)
