"""Where two traces of the same scenario diverge: the first differing record, field by field,
and a count of the records that differ after it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Fields that say where a record sits rather than what happened.
PLACE_FIELDS = ("seq",)


class TraceError(ValueError):
    """A trace file that cannot be read (names the file and line)."""


@dataclass(frozen=True)
class Divergence:
    index: int  # 0-based record index of the first difference
    left: dict[str, Any] | None
    right: dict[str, Any] | None
    fields: list[str]  # the fields that differ (empty when one side ended)
    differing_after: int  # records that differ after the first one
    total: tuple[int, int]


def read_trace(path: str | Path) -> list[dict[str, Any]]:
    records = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise TraceError(f"{path}: cannot read: {exc}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise TraceError(f"{path}:{number}: not a JSON trace record ({exc.msg})") from None
        if not isinstance(record, dict):
            raise TraceError(f"{path}:{number}: a trace record is a JSON object")
        records.append(record)
    return records


def diverge(left: list[dict[str, Any]], right: list[dict[str, Any]]) -> Divergence | None:
    """The first divergence, or None when the traces tell the same story."""
    first = None
    differing = 0
    for index in range(max(len(left), len(right))):
        a = left[index] if index < len(left) else None
        b = right[index] if index < len(right) else None
        if _same(a, b):
            continue
        differing += 1
        if first is None:
            fields = [] if a is None or b is None else _fields(a, b)
            first = (index, a, b, fields)
    if first is None:
        return None
    return Divergence(*first, differing - 1, (len(left), len(right)))


def _same(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    if a is None or b is None:
        return a is b
    return _strip(a) == _strip(b)


def _strip(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in PLACE_FIELDS}


def _fields(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    return sorted(k for k in set(a) | set(b) if k not in PLACE_FIELDS and a.get(k) != b.get(k))
