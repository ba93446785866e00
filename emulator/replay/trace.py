"""The trace of a replay: one JSON object per line, every message with its simulated time.

PINs never appear (fields named like PINs and passwords become "***", the data of PIN APDUs
is starred at the source); citizen ID numbers are masked wherever they occur (JSON values,
text such as the reader's output, and their ASCII inside APDU hex)."""

from __future__ import annotations

import json
import re
from typing import Any

from card_os.codecs import is_valid_citizen_id
from emulator.population import mask_id

SECRET_KEYS = frozenset({"pin", "new_pin", "password", "old", "new", "secret"})
#: Identifiers a back-end draws at random (the platform's ids use `secrets`): the trace names
#: each by its field and order of first appearance, e.g. "<setl_id:2>", so that two replays
#: (or two systems) can be compared record by record.
VOLATILE_KEYS = frozenset({"mdtrt_id", "setl_id", "trt_dcla_detl_sn", "msgid", "omsgid", "token"})
_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])")


def _mask_text(text: str) -> str:
    return _ID.sub(
        lambda m: mask_id(m.group()) if is_valid_citizen_id(m.group()) else m.group(), text
    )


def mask(value: Any, key: str = "") -> Any:
    if key in SECRET_KEYS and value is not None:
        return "***"
    if isinstance(value, dict):
        return {k: mask(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v) for v in value]
    if isinstance(value, str):
        return _mask_text(value)
    return value


def _replace(value: Any, aliases: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _replace(v, aliases) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, aliases) for v in value]
    if isinstance(value, str):
        for plain, alias in aliases.items():
            if plain in value:
                value = value.replace(plain, alias)
    return value


class Trace:
    """Collects records in order; `lines()` gives the canonical JSONL text."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self._hex_ids: dict[str, str] = {}
        self._aliases: dict[str, str] = {}

    def hide(self, citizen_id: str) -> None:
        """Also mask this ID where a card carries it as ASCII inside APDU hex."""
        self._hex_ids[citizen_id.encode().hex().upper()] = (
            mask_id(citizen_id).encode().hex().upper()
        )

    def __call__(self, record: dict[str, Any]) -> None:
        record = mask(record)
        for field in ("command", "answer"):
            if isinstance(record.get(field), str):
                for plain, masked in self._hex_ids.items():
                    record[field] = record[field].replace(plain, masked)
        self._learn(record)
        if self._aliases:
            record = _replace(record, self._aliases)
        record["seq"] = len(self.records) + 1
        self.records.append(record)

    def _learn(self, value: Any, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                self._learn(v, k)
        elif isinstance(value, list):
            for v in value:
                self._learn(v, key)
        elif key in VOLATILE_KEYS and isinstance(value, str) and len(value) >= 8:
            self._alias(key, value)

    def _alias(self, key: str, value: str) -> None:
        if value not in self._aliases:
            count = sum(a.startswith(f"<{key}:") for a in self._aliases.values()) + 1
            self._aliases[value] = f"<{key}:{count}>"

    def lines(self) -> str:
        return "".join(
            json.dumps(r, ensure_ascii=False, sort_keys=True, default=str) + "\n"
            for r in self.records
        )
