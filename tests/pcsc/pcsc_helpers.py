"""Helpers shared by the PC/SC tests: serve a card into a vpcd slot, run real client tools."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from emulator.pcsc import wait_for_card
from emulator.vpcd import Endpoint, ServedCard, SlotBridge

READERS = ("Virtual PCD 00 00", "Virtual PCD 00 01")
#: The `sscard` command line of this interpreter.
SSCARD = [sys.executable, "-c", "from emulator.cli import main; main()"]
WAIT = 15.0


@contextmanager
def served(card: ServedCard, slot: int = 0) -> Iterator[SlotBridge]:
    """`card` in vpcd slot `slot` until the block ends; waits until pcscd sees it."""
    bridge = SlotBridge(card, Endpoint.for_slot(slot), slot=slot).start()
    try:
        assert wait_for_card(READERS[slot], present=True, timeout=WAIT), "card never appeared"
        yield bridge
    finally:
        bridge.stop()
        wait_for_card(READERS[slot], present=False, timeout=WAIT)


def offline_tool_env(tmp_path: Path) -> dict[str, str]:
    """Environment for pcsc-tools that keeps ATR_analysis off the network.

    ATR_analysis downloads a fresh ATR list when its cached copy is older than 10 hours;
    a just-written copy of the packaged list in a private cache directory prevents that.
    """
    cache = tmp_path / "xdg-cache"
    cache.mkdir(exist_ok=True)
    packaged = Path("/usr/share/pcsc/smartcard_list.txt")
    target = cache / "smartcard_list.txt"
    target.write_bytes(packaged.read_bytes() if packaged.exists() else b"")
    return {**os.environ, "XDG_CACHE_HOME": str(cache)}


def run_tool(*argv: str, env: dict[str, str] | None = None, timeout: float = 60) -> str:
    """Run an installed client tool; its stdout+stderr, failing loudly when it fails."""
    assert shutil.which(argv[0]), f"{argv[0]} is not installed"
    result = subprocess.run(
        argv, capture_output=True, text=True, timeout=timeout, env=env, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(argv)} exited {result.returncode}:\n{output}"
    return output


@dataclass
class RunningServe:
    """A card image being served by `sscard card serve` in a vpcd slot."""

    image: Path
    trace: Path
    slot: int
    process: subprocess.Popen[str]

    @property
    def reader(self) -> str:
        return READERS[self.slot]

    def stop(self) -> str:
        """SIGTERM, as a user's Ctrl-C or a service manager would; returns its output."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        output, _ = self.process.communicate(timeout=WAIT)
        assert self.process.returncode == 0, f"sscard card serve failed:\n{output}"
        return output

    def load_image(self) -> dict[str, object]:
        return json.loads(self.image.read_text(encoding="utf-8"))
