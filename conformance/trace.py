"""Traces of every exchange a test makes, masked as they are recorded: PINs never reach a
trace, and ID numbers are partly hidden."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

# Commands whose data field carries a PIN in clear or enciphered: VERIFY, CHANGE REFERENCE
# DATA, RESET RETRY COUNTER (ISO/IEC 7816-4 7.5.6-7.5.10) and the PBOC CHANGE PIN (80 5E).
_PIN_INS = frozenset({0x20, 0x24, 0x2C, 0x5E})
# Chinese resident ID number (GB 11643): 17 digits and a check character.
_ID_NUMBER = re.compile(rb"[0-9]{17}[0-9X]")
_ID_TEXT = re.compile(r"\b[0-9]{6}([0-9]{8})[0-9]{3}[0-9X]\b")
_SECRET_KEYS = frozenset({"pin", "password", "passwd", "old_pin", "new_pin", "pin_block"})


def mask_id_bytes(data: bytes) -> bytes:
    """Hide the birth date and sequence of any ID number in `data` (keeps area and check)."""
    return _ID_NUMBER.sub(lambda m: m.group()[:6] + b"*" * 11 + m.group()[17:], data)


def mask_id_text(text: str) -> str:
    return _ID_TEXT.sub(lambda m: m.group()[:6] + "*" * 11 + m.group()[17:], text)


def mask_command(apdu: bytes) -> str:
    """Hex of a command APDU with a PIN-bearing data field replaced by asterisks."""
    if len(apdu) > 5 and apdu[1] in _PIN_INS:
        return apdu[:5].hex().upper() + "*" * (2 * (len(apdu) - 5))
    return apdu.hex().upper()


def mask_response(rapdu: bytes) -> str:
    return mask_id_bytes(rapdu).hex().upper()


def mask_json(value: Any) -> Any:
    """A copy of a JSON value with secrets replaced and ID numbers partly hidden."""
    if isinstance(value, dict):
        return {k: ("***" if k.lower() in _SECRET_KEYS else mask_json(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_json(v) for v in value]
    if isinstance(value, str):
        return mask_id_text(value)
    return value


@dataclass(frozen=True)
class Exchange:
    """One request/response pair; `kind` is apdu, reset, http or call."""

    kind: str
    request: str
    response: str
    note: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "request": self.request,
            "response": self.response,
            "note": self.note,
        }


@dataclass
class Trace:
    """The ordered exchanges of one test case."""

    exchanges: list[Exchange] = field(default_factory=list)

    def apdu(self, command: bytes, response: bytes, note: str = "") -> None:
        self.exchanges.append(
            Exchange("apdu", mask_command(command), mask_response(response), note)
        )

    def reset(self, what: str, atr: bytes) -> None:
        self.exchanges.append(Exchange("reset", what, atr.hex().upper()))

    def http(self, method: str, url: str, body: Any, status: int, answer: Any) -> None:
        request = f"{method} {url}"
        if body is not None:
            request += " " + json.dumps(mask_json(body), ensure_ascii=False, sort_keys=True)
        response = f"{status} " + json.dumps(mask_json(answer), ensure_ascii=False, sort_keys=True)
        self.exchanges.append(Exchange("http", request, response))

    def call(self, function: str, arguments: str, result: str) -> None:
        self.exchanges.append(Exchange("call", f"{function}({arguments})", mask_id_text(result)))

    def as_list(self) -> list[dict[str, str]]:
        return [e.as_dict() for e in self.exchanges]
