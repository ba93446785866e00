"""The vpcd wire protocol: 2-byte big-endian length prefix, 1-byte control messages, APDUs.

vpcd (vsmartcard's virtual reader driver inside pcscd) and the card process exchange frames
`len(2, big-endian) || payload`. A payload of exactly one byte is a control message from
vpcd; anything longer is a command APDU, answered with one response frame. Only GET ATR
among the control messages is answered.
"""

from __future__ import annotations

import enum
import socket
import struct

#: vpcd's ports on localhost, one per slot ("Virtual PCD 00 00" is slot 0); Debian's
#: /etc/reader.conf.d/vpcd sets CHANNELID 0x8C7B = 35963 and the driver adds the slot.
VPCD_BASE_PORT = 35963
VPCD_SLOTS = 2
MAX_PAYLOAD = 0xFFFF

_LENGTH = struct.Struct(">H")


class Control(enum.IntEnum):
    """One-byte control messages sent by vpcd."""

    POWER_OFF = 0
    POWER_ON = 1
    RESET = 2
    GET_ATR = 4


class FramingError(Exception):
    """The peer sent something that is not a vpcd frame, or a payload is too long."""


class ConnectionClosed(Exception):
    """The peer closed the connection (between frames or in the middle of one)."""


def port_for_slot(slot: int, base_port: int = VPCD_BASE_PORT) -> int:
    """The TCP port vpcd uses for `slot`."""
    if not 0 <= slot < VPCD_SLOTS:
        raise ValueError(f"vpcd slot must be 0..{VPCD_SLOTS - 1}, got {slot}")
    return base_port + slot


def encode_frame(payload: bytes) -> bytes:
    """`payload` with its length prefix, ready for one `sendall`.

    An empty frame is refused: vpcd would wait forever for the response it announces.
    """
    if not payload:
        raise FramingError("a vpcd frame cannot be empty")
    if len(payload) > MAX_PAYLOAD:
        raise FramingError(f"a vpcd frame holds at most {MAX_PAYLOAD} bytes, got {len(payload)}")
    return _LENGTH.pack(len(payload)) + payload


def send_frame(sock: socket.socket, payload: bytes, single_write: bool = True) -> None:
    """Send one frame, by default with a single `sendall`.

    Writing the prefix and the payload in two calls (`single_write=False`, kept only so the
    benchmark can show the difference) lets Nagle's algorithm hold the payload until the
    peer's delayed ACK of the prefix: about 40 ms per exchange; see docs/pcsc.md.
    """
    frame = encode_frame(payload)
    if single_write:
        sock.sendall(frame)
    else:
        sock.sendall(frame[: _LENGTH.size])
        sock.sendall(frame[_LENGTH.size :])


def quick_ack(sock: socket.socket) -> None:
    """Ask Linux to ACK the next segment at once instead of delaying the ACK (up to 40 ms).

    vpcd writes a frame's length and payload with two send() calls on a socket with Nagle's
    algorithm on, so its payload waits until our ACK of the length arrives. TCP_QUICKACK is
    not sticky (the kernel may drop back to delayed ACKs), hence set before every recv.
    """
    if _QUICKACK is not None:
        sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)


_QUICKACK: int | None = getattr(socket, "TCP_QUICKACK", None)


class FrameReader:
    """Reads whole frames from a stream socket, keeping any bytes that arrive early."""

    def __init__(self, sock: socket.socket, quick_ack: bool = True) -> None:
        self._sock = sock
        self._quick_ack = quick_ack
        self._buffer = bytearray()

    def _fill(self, needed: int) -> None:
        while len(self._buffer) < needed:
            if self._quick_ack:
                quick_ack(self._sock)
            chunk = self._sock.recv(max(4096, needed - len(self._buffer)))
            if not chunk:
                where = "between frames" if not self._buffer else "inside a frame"
                raise ConnectionClosed(f"peer closed the connection {where}")
            self._buffer += chunk

    def read(self) -> bytes:
        """The next payload; raises `ConnectionClosed` at end of stream."""
        self._fill(_LENGTH.size)
        (length,) = _LENGTH.unpack_from(self._buffer)
        if length == 0:
            del self._buffer[: _LENGTH.size]
            raise FramingError("received an empty vpcd frame")
        self._fill(_LENGTH.size + length)
        payload = bytes(self._buffer[_LENGTH.size : _LENGTH.size + length])
        del self._buffer[: _LENGTH.size + length]
        return payload
