"""The services' clock: naive UTC by default; tests and the simulation set `app.state.clock`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    """The wall clock as naive UTC (what every service stores)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def app_clock(request: Request) -> Clock:
    """`app.state.clock` when set, else the wall clock."""
    return getattr(request.app.state, "clock", None) or utc_now


ClockDep = Annotated[Clock, Depends(app_clock)]
