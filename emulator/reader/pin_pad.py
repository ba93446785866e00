"""Where PINs come from: the reader's PIN pad (card-spec §3.1: iVerifyPIN takes no PIN)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

__all__ = ["PinEntryCancelled", "PinEntryTimeout", "PinPad", "ScriptedPinPad"]


class PinEntryCancelled(Exception):
    """The holder pressed cancel (interface code -31)."""


class PinEntryTimeout(Exception):
    """No PIN within the pad's time limit (interface code -32)."""


class PinPad(Protocol):
    """A PIN entry device; ``prompt`` names what is asked ("原密码", "新密码", ...)."""

    def enter(self, prompt: str) -> str: ...


class ScriptedPinPad:
    """A PIN pad that types the given entries in order; ``None`` presses cancel."""

    def __init__(self, entries: Iterable[str | None] = ()) -> None:
        self._entries = list(entries)

    def load(self, *entries: str | None) -> None:
        """Queue further entries."""
        self._entries.extend(entries)

    def enter(self, prompt: str) -> str:
        if not self._entries:
            raise PinEntryTimeout(prompt)
        entry = self._entries.pop(0)
        if entry is None:
            raise PinEntryCancelled(prompt)
        return entry

    def __repr__(self) -> str:  # never show the PINs
        return f"ScriptedPinPad({len(self._entries)} entries queued)"
