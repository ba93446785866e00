"""JSON-lines trace of every exchange on served cards, with PIN-bearing command data masked."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import TextIO

# Instructions whose command data carries a PIN (plain or enciphered), card-spec §2:
# VERIFY, CHANGE REFERENCE DATA (and the HSM PIN reload `84 24 00 01`), RESET RETRY COUNTER,
# and the PBOC-style CHANGE PIN / PIN reload `80 5E`.
PIN_INSTRUCTIONS: dict[int, str] = {
    0x20: "VERIFY",
    0x24: "CHANGE REFERENCE DATA / PIN RELOAD",
    0x2C: "RESET RETRY COUNTER",
    0x5E: "CHANGE PIN / PIN RELOAD (proprietary)",
}
MASK = "*"


def _header_length(command: bytes) -> int:
    """Bytes before the command data: CLA INS P1 P2 and Lc (1 byte, or 3 when extended)."""
    if len(command) <= 5:
        return len(command)
    if command[4] == 0 and len(command) > 7:
        return 7
    return 5


def mask_command(command: bytes) -> str:
    """Hex of `command` with the data of PIN-bearing instructions replaced by `*`."""
    if len(command) < 2 or command[1] not in PIN_INSTRUCTIONS:
        return command.hex().upper()
    header = _header_length(command)
    return command[:header].hex().upper() + MASK * (2 * (len(command) - header))


class TraceWriter:
    """Appends one JSON object per line; safe to share between the threads serving slots."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: Path) -> TraceWriter:
        """A writer appending to `path`."""
        return cls(path.open("a", encoding="utf-8"))

    def _write(self, record: dict[str, object]) -> None:
        record = {"time": round(time.time(), 6), **record}
        line = json.dumps(record, ensure_ascii=False)
        with self._lock:
            self._stream.write(line + "\n")
            self._stream.flush()

    def control(self, slot: int, message: str, atr: bytes | None) -> None:
        """A power/reset/insertion event."""
        record: dict[str, object] = {"slot": slot, "event": message}
        if atr is not None:
            record["atr"] = atr.hex().upper()
        self._write(record)

    def apdu(self, slot: int, command: bytes, response: bytes, seconds: float) -> None:
        """One command and its response; the card's processing time in microseconds."""
        record: dict[str, object] = {"slot": slot, "command": mask_command(command)}
        if len(command) >= 2 and command[1] in PIN_INSTRUCTIONS:
            record["masked"] = PIN_INSTRUCTIONS[command[1]]
        record["response"] = response.hex().upper()
        record["us"] = round(seconds * 1e6, 1)
        self._write(record)

    def close(self) -> None:
        """Close the underlying stream."""
        with self._lock:
            self._stream.close()
