"""A lean FIFO server pool for the model fidelity.

SimPy's Resource schedules an event for every request, even when a server is free. At
national scale most requests find a free server, so this pool hands one over without an
event in that case and queues an event only when the caller must wait. Waiters are served
first come, first served, as with SimPy's Resource.
"""

from __future__ import annotations

from collections import deque

import simpy


class Servers:
    """`capacity` identical servers; acquire() is None when one is free now, else an event."""

    __slots__ = ("busy", "capacity", "env", "waiting")

    def __init__(self, env: simpy.Environment, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("a server pool needs at least one server")
        self.env = env
        self.capacity = capacity
        self.busy = 0
        self.waiting: deque[simpy.Event] = deque()

    def acquire(self) -> simpy.Event | None:
        if self.busy < self.capacity:
            self.busy += 1
            return None
        turn = self.env.event()
        self.waiting.append(turn)
        return turn

    def release(self) -> None:
        if self.waiting:
            # The server passes straight to the next waiter: `busy` stays the same.
            self.waiting.popleft().succeed()
        else:
            self.busy -= 1

    @property
    def queue_length(self) -> int:
        return len(self.waiting)
