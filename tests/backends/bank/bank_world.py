"""Names shared by the bank tests and their conftest (a unique module name: pytest puts
every test directory on sys.path, so `conftest` itself cannot be imported reliably)."""

from __future__ import annotations

import datetime as dt

CREDENTIALS = {
    "bureau": ("BUREAU-500100", "bureau-secret"),
    "bank": ("BANK-500100", "bank-secret"),
    "hospital": ("H50010000001", "hospital-secret"),
}


class ManualClock:
    """The injected clock: time moves only when a test says so."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)
