"""Simulated time: seconds since day 1 00:00, written ``day N HH:MM[:SS.mmm]``."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

SimTime = float  # seconds since day 1 00:00
DAY = 86_400.0

_AT = re.compile(r"^day\s+(\d+)\s+(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|sec|min|h|hours?|days?|d|ms)$")
_UNITS = {"ms": 0.001, "s": 1.0, "sec": 1.0, "min": 60.0, "h": 3600.0, "hour": 3600.0,
          "hours": 3600.0, "d": DAY, "day": DAY, "days": DAY}  # fmt: skip


def parse_at(text: str) -> SimTime:
    """``day 3 09:00`` -> seconds since day 1 00:00; ValueError says what was expected."""
    match = _AT.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"expected a time like 'day 3 09:00', got {text!r}")
    day, hour, minute, second = (int(g or 0) for g in match.groups())
    if day < 1 or hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"expected day >= 1, hour 0-23, minute 0-59 in {text!r}")
    return (day - 1) * DAY + hour * 3600 + minute * 60 + second


def parse_duration(text: str) -> float:
    """``10 min``, ``7 days``, ``30 s`` -> seconds."""
    match = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"expected a duration like '10 min', '2 h' or '7 days', got {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def format_at(t: SimTime) -> str:
    """Seconds -> ``day N HH:MM:SS.mmm`` (milliseconds: the traces' resolution)."""
    millis = round(t * 1000)
    day, rest = divmod(millis, int(DAY * 1000))
    hours, rest = divmod(rest, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"day {day + 1} {hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


class WorldClock:
    """The clock injected into the back-end services: ``start`` plus simulated time."""

    def __init__(self, start: dt.datetime, now: Callable[[], SimTime]) -> None:
        self.start, self._now = start, now

    def __call__(self) -> dt.datetime:
        return self.start + dt.timedelta(milliseconds=round(self._now() * 1000))

    def today(self) -> dt.date:
        return self().date()
