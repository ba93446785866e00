"""The bridge against a scripted vpcd peer on an ephemeral port (no pcscd needed)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from emulator.vpcd import Backoff, Control, Endpoint, SlotBridge, TrivialResponder
from emulator.vpcd.framing import FrameReader, encode_frame
from emulator.vpcd.responder import TRIVIAL_ATR

FAST = Backoff(first=0.01, maximum=0.05, settle=0.01)
WAIT = 10.0


class FakeVpcd:
    """Plays vpcd's side of one connection."""

    def __init__(self, sock: socket.socket) -> None:
        sock.settimeout(WAIT)
        self.sock = sock
        self.reader = FrameReader(sock, quick_ack=False)

    def control(self, message: Control) -> None:
        self.sock.sendall(encode_frame(bytes([message])))

    def atr(self) -> bytes:
        self.control(Control.GET_ATR)
        return self.reader.read()

    def apdu(self, command: str) -> bytes:
        self.sock.sendall(encode_frame(bytes.fromhex(command)))
        return self.reader.read()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def vpcd_server() -> Iterator[socket.socket]:
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(WAIT)
    yield server
    server.close()


def accept(server: socket.socket) -> FakeVpcd:
    conn, _ = server.accept()
    return FakeVpcd(conn)


def test_client_mode_maps_control_messages_and_apdus(vpcd_server: socket.socket) -> None:
    card = TrivialResponder()
    port = vpcd_server.getsockname()[1]
    bridge = SlotBridge(card, Endpoint(port=port), backoff=FAST).start()
    try:
        vpcd = accept(vpcd_server)
        assert vpcd.atr() == TRIVIAL_ATR
        vpcd.control(Control.POWER_ON)
        assert vpcd.apdu("00A404000E315041592E5359532E444446303100") == b"\x90\x00"
        vpcd.control(Control.RESET)
        assert vpcd.apdu("00B2010C00") == b"\x90\x00"
        vpcd.control(Control.POWER_OFF)
        assert vpcd.atr() == TRIVIAL_ATR  # answered; a GET ATR does not power the card
        assert not card.powered
        assert card.resets == 1
        assert card.commands == [
            bytes.fromhex("00A404000E315041592E5359532E444446303100"),
            bytes.fromhex("00B2010C00"),
        ]
        vpcd.close()
    finally:
        bridge.stop()


def test_client_mode_reconnects_after_the_peer_goes_away(vpcd_server: socket.socket) -> None:
    detached = threading.Event()
    card = TrivialResponder()
    port = vpcd_server.getsockname()[1]
    bridge = SlotBridge(card, Endpoint(port=port), backoff=FAST, on_detach=detached.set).start()
    try:
        first = accept(vpcd_server)
        first.control(Control.POWER_ON)
        assert first.apdu("00B0000000") == b"\x90\x00"
        first.close()  # pcscd restarting looks like this
        assert detached.wait(WAIT)
        second = accept(vpcd_server)
        assert second.atr() == TRIVIAL_ATR
        assert not card.powered  # losing the connection powered the card off
        assert bridge.connections == 2
        second.close()
    finally:
        bridge.stop()


def test_client_mode_waits_with_backoff_until_vpcd_listens() -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    # Nothing listens on `port` now: the bridge must keep retrying, then connect.
    bridge = SlotBridge(TrivialResponder(), Endpoint(port=port), backoff=FAST).start()
    try:
        assert not bridge.connected.wait(0.2)
        with socket.create_server(("127.0.0.1", port)) as server:
            server.settimeout(WAIT)
            vpcd = accept(server)
            assert vpcd.atr() == TRIVIAL_ATR
            vpcd.close()
    finally:
        bridge.stop()


def test_remove_closes_the_connection_and_insert_brings_it_back(
    vpcd_server: socket.socket,
) -> None:
    port = vpcd_server.getsockname()[1]
    bridge = SlotBridge(TrivialResponder(), Endpoint(port=port), backoff=FAST).start()
    try:
        vpcd = accept(vpcd_server)
        assert vpcd.atr() == TRIVIAL_ATR
        bridge.remove()
        assert vpcd.sock.recv(16) == b""  # the reader sees the card go
        vpcd_server.settimeout(0.3)
        with pytest.raises(TimeoutError):
            vpcd_server.accept()  # and no card comes back by itself
        vpcd_server.settimeout(WAIT)
        bridge.insert()
        again = accept(vpcd_server)
        assert again.atr() == TRIVIAL_ATR
        again.close()
        vpcd.close()
    finally:
        bridge.stop()


def test_reversed_mode_listens_for_vpcd() -> None:
    card = TrivialResponder()
    bridge = SlotBridge(card, Endpoint(port=0, listen=True), backoff=FAST).start()
    try:
        assert bridge.listening_port
        vpcd = FakeVpcd(socket.create_connection(("127.0.0.1", bridge.listening_port)))
        vpcd.control(Control.POWER_ON)
        assert vpcd.atr() == TRIVIAL_ATR
        assert vpcd.apdu("0084000008") == b"\x90\x00"
        vpcd.close()
        # vpcd in reversed mode reconnects after a restart; the card accepts again.
        again = FakeVpcd(socket.create_connection(("127.0.0.1", bridge.listening_port)))
        assert again.atr() == TRIVIAL_ATR
        again.close()
    finally:
        bridge.stop()
    assert card.power_ons >= 1


def test_unknown_control_byte_gets_a_status_word(vpcd_server: socket.socket) -> None:
    port = vpcd_server.getsockname()[1]
    bridge = SlotBridge(TrivialResponder(), Endpoint(port=port), backoff=FAST).start()
    try:
        vpcd = accept(vpcd_server)
        vpcd.sock.sendall(encode_frame(b"\x07"))
        assert vpcd.reader.read() == b"\x6f\x00"
        vpcd.close()
    finally:
        bridge.stop()


def test_stop_ends_the_thread_while_connected(vpcd_server: socket.socket) -> None:
    port = vpcd_server.getsockname()[1]
    bridge = SlotBridge(TrivialResponder(), Endpoint(port=port), backoff=FAST).start()
    vpcd = accept(vpcd_server)
    assert bridge.connected.wait(WAIT)
    bridge.stop()
    assert not bridge.connected.is_set()
    assert vpcd.sock.recv(16) == b""
    vpcd.close()


class MuteOnEE(TrivialResponder):
    """Answers nothing to INS EE, as a card torn by a power cut does."""

    def transmit(self, apdu: bytes) -> bytes:
        return b"" if apdu[1] == 0xEE else super().transmit(apdu)


def test_a_mute_card_leaves_the_reader_and_comes_back(vpcd_server: socket.socket) -> None:
    port = vpcd_server.getsockname()[1]
    bridge = SlotBridge(MuteOnEE(), Endpoint(port=port), backoff=FAST).start()
    try:
        vpcd = accept(vpcd_server)
        vpcd.control(Control.POWER_ON)
        vpcd.sock.sendall(encode_frame(bytes.fromhex("00EE0000")))
        assert vpcd.sock.recv(16) == b""  # no empty frame: the connection closes instead
        again = accept(vpcd_server)
        assert again.atr() == TRIVIAL_ATR
        again.close()
        vpcd.close()
    finally:
        bridge.stop()
