"""Connects one card to one vpcd slot and keeps it connected until stopped.

The card is inserted while the bridge holds a connection to vpcd: pcscd sees "card removed"
when the connection closes and "card inserted" when it is back. `remove()` and `insert()`
do that on purpose; a lost connection (pcscd restarted) is re-established with backoff.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from emulator.vpcd.connection import Backoff, LinkTuning, Listener, connect_with_backoff
from emulator.vpcd.framing import (
    VPCD_BASE_PORT,
    ConnectionClosed,
    FrameReader,
    FramingError,
    port_for_slot,
    send_frame,
)
from emulator.vpcd.session import CardSession, Exchange, ServedCard

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Endpoint:
    """Where the bridge meets vpcd: `listen` is the reversed mode."""

    host: str = "127.0.0.1"
    port: int = VPCD_BASE_PORT
    listen: bool = False

    @classmethod
    def for_slot(cls, slot: int, host: str = "127.0.0.1", listen: bool = False) -> Endpoint:
        """vpcd's default port for `slot`."""
        return cls(host=host, port=port_for_slot(slot), listen=listen)


@dataclass
class _Flags:
    stop: threading.Event = field(default_factory=threading.Event)
    inserted: threading.Event = field(default_factory=threading.Event)
    # Set by stop() and remove() so that waits (backoff, accept) end early.
    wake: threading.Event = field(default_factory=threading.Event)


class SlotBridge:
    """Serves `card` to vpcd at `endpoint` in a thread of its own."""

    def __init__(
        self,
        card: ServedCard,
        endpoint: Endpoint,
        slot: int = 0,
        observer: Exchange | None = None,
        backoff: Backoff | None = None,
        on_detach: Callable[[], None] | None = None,
        tuning: LinkTuning | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.slot = slot
        self.session = CardSession(card, slot, observer)
        self._observer = observer
        self._backoff = backoff or Backoff()
        self._on_detach = on_detach
        self._tuning = tuning or LinkTuning()
        self._flags = _Flags()
        self._flags.inserted.set()
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._listener: Listener | None = None
        self._thread: threading.Thread | None = None
        self.connected = threading.Event()
        self.connections = 0
        if endpoint.listen:
            self._listener = Listener(endpoint.host, endpoint.port)

    @property
    def listening_port(self) -> int | None:
        """The bound port in reversed mode."""
        return self._listener.port if self._listener is not None else None

    def start(self) -> SlotBridge:
        """Run in a daemon thread."""
        self._thread = threading.Thread(target=self.run, name=f"vpcd-slot-{self.slot}", daemon=True)
        self._thread.start()
        return self

    def run(self) -> None:
        """Serve until `stop()`; reconnects whenever the connection is lost."""
        flags = self._flags
        try:
            while not flags.stop.is_set():
                if not flags.inserted.is_set():
                    flags.wake.wait()
                    flags.wake.clear()
                    continue
                sock = self._open()
                if sock is None:
                    flags.wake.clear()
                    continue
                self._serve(sock)
                if not flags.stop.is_set() and flags.inserted.is_set():
                    # The connection dropped under us (vpcd error, pcscd restart, mute card).
                    # Reconnecting at once can land before vpcd has finished tearing the old
                    # one down, and vpcd then leaves the new connection unanswered.
                    flags.wake.wait(self._backoff.settle)
        finally:
            if self._listener is not None:
                self._listener.close()

    def stop(self, timeout: float = 5.0) -> None:
        """Disconnect and end the thread."""
        self._flags.stop.set()
        self._wake_and_drop()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def remove(self) -> None:
        """Pull the card out: pcscd sees the reader empty until `insert()`."""
        self._flags.inserted.clear()
        self._wake_and_drop()

    def insert(self) -> None:
        """Put the card back in."""
        self._flags.inserted.set()
        self._flags.wake.set()

    def _wake_and_drop(self) -> None:
        self._flags.wake.set()
        with self._lock:
            if self._sock is not None:
                # shutdown() makes the serving thread's blocking recv() return at once.
                with contextlib.suppress(OSError):
                    self._sock.shutdown(socket.SHUT_RDWR)

    def _open(self) -> socket.socket | None:
        host, port = self.endpoint.host, self.endpoint.port
        if self._listener is not None:
            return self._listener.accept(self._flags.wake, self._tuning)
        return connect_with_backoff(host, port, self._backoff, self._flags.wake, self._tuning)

    def _serve(self, sock: socket.socket) -> None:
        with self._lock:
            self._sock = sock
        if self._flags.stop.is_set() or not self._flags.inserted.is_set():
            self._close(sock)
            return
        self.connections += 1
        self.connected.set()
        self._event("inserted")
        reader = FrameReader(sock, quick_ack=self._tuning.quick_ack)
        try:
            while True:
                answer = self.session.handle(reader.read())
                if answer == b"":
                    # A mute card (power cut mid-command): vpcd has no way to say "no
                    # answer", so the card leaves the reader and comes back unpowered.
                    log.warning("slot %d: the card answered nothing; reinserting", self.slot)
                    break
                if answer is not None:
                    send_frame(sock, answer, self._tuning.single_write)
        except ConnectionClosed:
            log.info("slot %d: vpcd closed the connection", self.slot)
        except FramingError as error:
            log.warning("slot %d: %s; dropping the connection", self.slot, error)
        except OSError as error:
            log.info("slot %d: connection lost: %s", self.slot, error)
        finally:
            self._close(sock)
            self.connected.clear()
            self.session.detach()
            self._event("removed")
            if self._on_detach is not None:
                self._on_detach()

    def _close(self, sock: socket.socket) -> None:
        with self._lock:
            self._sock = None
        sock.close()

    def _event(self, name: str) -> None:
        if self._observer is not None:
            self._observer.control(self.slot, name, None)
