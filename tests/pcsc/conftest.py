"""Fixtures for the PC/SC tests: cards made by `sscard card new` and served by
`sscard card serve`, and the `emv` package's emvtool in a venv of its own.

emv 1.0.14 pins click==7.1.2 and pyscard==2.0.0, which cannot share the project's venv
(typer needs click>=8), so emvtool lives in a cached venv built on first use. pyscard 2.0.0
has no wheel for current Pythons; its build needs swig (4.1 works, the 4.5 wheel on PyPI
does not) and the pcsc-lite headers (`apt-get install swig libpcsclite-dev`).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import pytest
from pcsc_helpers import READERS, SSCARD, WAIT, RunningServe

from emulator.pcsc import PcscError, PcscTransport, wait_for_card
from emulator.vpcd.pcscd import PcscStack, slot_lock

EMV_REQUIREMENT = "emv==1.0.14"


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sscard"


def _unavailable(reason: str) -> NoReturn:
    """As the root conftest: skip, or fail when SSCARD_REQUIRE_PCSC=1."""
    if os.environ.get("SSCARD_REQUIRE_PCSC") == "1":
        pytest.fail(f"SSCARD_REQUIRE_PCSC=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def emvtool() -> Path:
    """The emvtool executable, installed into `~/.cache/sscard/emv-venv` on first use."""
    venv = Path(os.environ.get("SSCARD_EMV_VENV") or _cache_dir() / "emv-venv")
    tool = venv / "bin" / "emvtool"
    marker = venv / ".sscard-complete"
    venv.parent.mkdir(parents=True, exist_ok=True)
    with (venv.parent / "emv-venv.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another test session may be building it too
        if not marker.exists():
            log = venv.parent / "emv-venv-build.log"
            with log.open("w") as sink:
                steps = [
                    [sys.executable, "-m", "venv", "--clear", str(venv)],
                    [str(venv / "bin" / "pip"), "install", "--quiet", EMV_REQUIREMENT],
                ]
                for step in steps:
                    if subprocess.run(step, stdout=sink, stderr=subprocess.STDOUT).returncode:
                        tail = log.read_text(errors="replace")[-1500:]
                        _unavailable(f"cannot install {EMV_REQUIREMENT} (needs swig): {tail}")
            marker.write_text(EMV_REQUIREMENT + "\n")
    assert tool.exists(), f"{tool} missing although {marker} exists"
    return tool


def make_card(directory: Path, generation: int, seed: int = 7) -> Path:
    """A personalised card image written by `sscard card new`."""
    image = directory / f"gen{generation}.json"
    argv = ["card", "new", "--generation", str(generation), "--seed", str(seed), "-o", image]
    result = subprocess.run([*SSCARD, *map(str, argv)], capture_output=True, text=True)
    assert result.returncode == 0, f"sscard card new failed:\n{result.stdout}{result.stderr}"
    return image


@pytest.fixture(scope="session")
def card_images(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """One gen 2 and one gen 3 image from `sscard card new`; tests serve copies."""
    directory = tmp_path_factory.mktemp("cards")
    return {generation: make_card(directory, generation) for generation in (2, 3)}


@contextmanager
def serving(image: Path, slot: int, trace: Path) -> Iterator[RunningServe]:
    """`sscard card serve IMAGE --slot SLOT --trace TRACE` until the block ends."""
    # A card process that just stopped can still look present until vpcd notices; a new
    # card must not be taken for it.
    if not wait_for_card(READERS[slot], present=False, timeout=WAIT):
        pytest.fail(f"{READERS[slot]} still holds a card from an earlier test")
    process = subprocess.Popen(
        [*SSCARD, "card", "serve", str(image), "--slot", str(slot), "--trace", str(trace)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    card = RunningServe(image=image, trace=trace, slot=slot, process=process)
    try:
        if not wait_for_card(card.reader, present=True, timeout=WAIT) or not _answers(card.reader):
            process.kill()
            pytest.fail(f"the served card never appeared:\n{process.communicate()[0]}")
        yield card
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        wait_for_card(card.reader, present=False, timeout=WAIT)


def _answers(reader: str) -> bool:
    """Whether a PC/SC client can power the card and read its ATR, within WAIT seconds.

    pcscd can report a card present a moment before vpcd lets a client connect to it (seen
    after a card in the same slot was just removed); clients started by the tests must not
    race that.
    """
    deadline = time.monotonic() + WAIT
    while True:
        transport = PcscTransport(reader)
        try:
            transport.connect()
            return True
        except PcscError:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        finally:
            transport.disconnect()


def _copy(image: Path, directory: Path) -> Path:
    target = directory / image.name
    shutil.copyfile(image, target)
    return target


@pytest.fixture(scope="module", params=[2, 3], ids=["gen2", "gen3"])
def served_card(
    request: pytest.FixtureRequest,
    pcscd: PcscStack,
    card_images: dict[int, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[RunningServe]:
    """A gen 2 or gen 3 card served into slot 0 by the real CLI, shared by a module's tests."""
    directory = tmp_path_factory.mktemp(f"served-gen{request.param}")
    with (
        slot_lock(),
        serving(_copy(card_images[request.param], directory), 0, directory / "trace.jsonl") as card,
    ):
        yield card


@pytest.fixture(params=[2, 3], ids=["gen2", "gen3"])
def fresh_served_card(
    request: pytest.FixtureRequest, card_images: dict[int, Path], tmp_path: Path
) -> Iterator[RunningServe]:
    """A card of its own in slot 1 (slot 0 may hold the module's shared card)."""
    image = _copy(card_images[request.param], tmp_path)
    with serving(image, 1, tmp_path / "trace.jsonl") as card:
        yield card
