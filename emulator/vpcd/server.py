"""Several cards served at once, with signals for shutdown and for removal/insertion.

SIGINT/SIGTERM stop every slot and persist every card image; SIGUSR1 removes all cards
from their readers, SIGUSR2 inserts them again (readers see card-removed / card-inserted).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Sequence
from types import FrameType

from emulator.vpcd.bridge import SlotBridge

SIGNAL_ACTIONS = {
    signal.SIGINT: "stop",
    signal.SIGTERM: "stop",
    signal.SIGUSR1: "remove",
    signal.SIGUSR2: "insert",
}


class CardServer:
    """Owns the slot bridges; `persist` is called once per card at shutdown and on removal."""

    def __init__(self, bridges: Sequence[SlotBridge], persist: Callable[[], None]) -> None:
        self.bridges = list(bridges)
        self._persist = persist
        self._stopped = threading.Event()

    def start(self) -> CardServer:
        """Start every bridge."""
        for bridge in self.bridges:
            bridge.start()
        return self

    def remove(self) -> None:
        """Take every card out of its reader and save the images."""
        for bridge in self.bridges:
            bridge.remove()
        self._persist()

    def insert(self) -> None:
        """Put every card back."""
        for bridge in self.bridges:
            bridge.insert()

    def stop(self) -> None:
        """Ask the serving loop to end (safe from a signal handler)."""
        self._stopped.set()

    def install_signal_handlers(self) -> None:
        """Route SIGINT/SIGTERM/SIGUSR1/SIGUSR2 to stop/remove/insert (main thread only)."""
        actions: dict[str, Callable[[], None]] = {
            "stop": self.stop,
            "remove": self.remove,
            "insert": self.insert,
        }

        def handler(signum: int, _frame: FrameType | None) -> None:
            actions[SIGNAL_ACTIONS[signal.Signals(signum)]]()

        for signum in SIGNAL_ACTIONS:
            signal.signal(signum, handler)

    def wait(self) -> None:
        """Block until `stop()`, then stop the bridges and persist the images."""
        # A timed wait keeps the main thread responsive to signals.
        while not self._stopped.wait(0.5):
            pass
        self.shutdown()

    def shutdown(self) -> None:
        """Stop every bridge, then persist (the cards are no longer touched by any thread)."""
        for bridge in self.bridges:
            bridge.stop()
        self._persist()
