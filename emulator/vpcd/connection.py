"""Sockets to and from vpcd: client mode (vpcd listens) and reversed mode (the card listens)."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass

# Accept and backoff waits wake up this often to notice stop/remove requests.
_POLL_SECONDS = 0.2


@dataclass(frozen=True)
class Backoff:
    """Exponential reconnect delays: first, doubling up to `maximum`; `settle` is the pause
    after a lost connection before the first attempt."""

    first: float = 0.05
    maximum: float = 2.0
    settle: float = 1.0

    def delays(self) -> list[float]:
        """The sequence of delays until the cap (then the cap repeats)."""
        delays = [self.first]
        while delays[-1] * 2 < self.maximum:
            delays.append(delays[-1] * 2)
        return [*delays, self.maximum]


@dataclass(frozen=True)
class LinkTuning:
    """The latency fixes (docs/pcsc.md); all on by default, off only to measure their effect.

    `nodelay`: TCP_NODELAY, a frame leaves at once instead of waiting for the peer's ACK.
    `single_write`: length prefix and payload in one send, so Nagle never splits a frame.
    `quick_ack`: ACK vpcd's segments at once, because vpcd itself writes each frame in two
    sends with Nagle on, and its payload waits for our ACK of the prefix.
    """

    nodelay: bool = True
    single_write: bool = True
    quick_ack: bool = True


NAIVE = LinkTuning(nodelay=False, single_write=False, quick_ack=False)


def tune(sock: socket.socket, tuning: LinkTuning) -> socket.socket:
    """Blocking mode and the socket options of `tuning`."""
    sock.settimeout(None)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, int(tuning.nodelay))
    return sock


def connect_with_backoff(
    host: str, port: int, backoff: Backoff, stop: threading.Event, tuning: LinkTuning
) -> socket.socket | None:
    """Connect to vpcd, retrying with backoff (pcscd may not be up yet); None once `stop` is set."""
    delays = backoff.delays()
    attempt = 0
    while not stop.is_set():
        try:
            return tune(socket.create_connection((host, port), timeout=2.0), tuning)
        except OSError:
            delay = delays[min(attempt, len(delays) - 1)]
            attempt += 1
            stop.wait(delay)
    return None


class Listener:
    """The reversed mode: the card process listens and vpcd connects to it."""

    def __init__(self, host: str, port: int) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self._sock.listen(1)
        self._sock.settimeout(_POLL_SECONDS)

    @property
    def port(self) -> int:
        """The bound port (useful when asked for port 0)."""
        return int(self._sock.getsockname()[1])

    def accept(self, stop: threading.Event, tuning: LinkTuning) -> socket.socket | None:
        """The next vpcd connection; None once `stop` is set."""
        while not stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            return tune(conn, tuning)
        return None

    def close(self) -> None:
        """Stop listening."""
        self._sock.close()
