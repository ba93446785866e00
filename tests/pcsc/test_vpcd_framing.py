"""vpcd framing and trace masking, without pcscd."""

from __future__ import annotations

import io
import json
import socket

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from emulator.vpcd.framing import (
    ConnectionClosed,
    FrameReader,
    FramingError,
    encode_frame,
    port_for_slot,
    send_frame,
)
from emulator.vpcd.trace import TraceWriter, mask_command


def tcp_pair() -> tuple[socket.socket, socket.socket]:
    """Two connected TCP sockets on localhost (the reader sets TCP options, so not AF_UNIX)."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        left = socket.create_connection(server.getsockname())
        right, _ = server.accept()
    return left, right


def test_frame_is_big_endian_length_then_payload() -> None:
    assert encode_frame(b"\x01") == b"\x00\x01\x01"
    assert encode_frame(bytes(300))[:2] == b"\x01\x2c"


@pytest.mark.parametrize("payload", [b"", bytes(0x10000)])
def test_frame_rejects_empty_and_oversized_payloads(payload: bytes) -> None:
    with pytest.raises(FramingError):
        encode_frame(payload)


def test_slots_map_to_vpcd_ports() -> None:
    assert [port_for_slot(0), port_for_slot(1)] == [35963, 35964]
    with pytest.raises(ValueError, match="slot"):
        port_for_slot(2)


@settings(max_examples=50, deadline=None)
@given(
    payloads=st.lists(st.binary(min_size=1, max_size=600), min_size=1, max_size=8),
    cut=st.integers(min_value=1, max_value=7),
)
def test_reader_reassembles_frames_split_anywhere(payloads: list[bytes], cut: int) -> None:
    left, right = tcp_pair()
    with left, right:
        stream = b"".join(encode_frame(p) for p in payloads)
        # Deliver in small pieces so frames straddle recv() boundaries.
        for start in range(0, len(stream), cut):
            left.sendall(stream[start : start + cut])
        left.shutdown(socket.SHUT_WR)
        reader = FrameReader(right)
        assert [reader.read() for _ in payloads] == payloads
        with pytest.raises(ConnectionClosed, match="between frames"):
            reader.read()


def test_reader_reports_a_frame_cut_short() -> None:
    left, right = tcp_pair()
    with left, right:
        left.sendall(b"\x00\x05\x00\xa4")
        left.shutdown(socket.SHUT_WR)
        with pytest.raises(ConnectionClosed, match="inside a frame"):
            FrameReader(right).read()


def test_reader_rejects_an_empty_frame() -> None:
    left, right = tcp_pair()
    with left, right:
        left.sendall(b"\x00\x00")
        with pytest.raises(FramingError, match="empty"):
            FrameReader(right).read()


@pytest.mark.parametrize("single_write", [True, False])
def test_send_frame_writes_the_same_bytes_either_way(single_write: bool) -> None:
    left, right = tcp_pair()
    with left, right:
        send_frame(left, b"\x90\x00", single_write=single_write)
        assert FrameReader(right).read() == b"\x90\x00"


@pytest.mark.parametrize(
    ("command", "masked"),
    [
        ("0020000003123456", "0020000003******"),
        ("0024000007123456FF654321", "0024000007" + "*" * 14),
        ("842400011400112233445566778899AABBCCDDEEFF00112233", "8424000114" + "*" * 40),
        ("002C000003123456", "002C000003******"),
        ("805E0100081234FF5678", "805E010008" + "*" * 10),
        ("00200000000003123456", "00200000000003******"),
        ("00B2010C00", "00B2010C00"),
        ("00200000", "00200000"),
    ],
)
def test_pin_bearing_commands_are_masked(command: str, masked: str) -> None:
    assert mask_command(bytes.fromhex(command)) == masked


def test_trace_lines_are_json_and_never_hold_the_pin() -> None:
    stream = io.StringIO()
    trace = TraceWriter(stream)
    trace.control(0, "power_on", bytes.fromhex("3B6D"))
    trace.apdu(0, bytes.fromhex("0020000003123456"), bytes.fromhex("9000"), 0.0001)
    trace.apdu(1, bytes.fromhex("00B2010C00"), bytes.fromhex("6A83"), 0.0001)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line.get("event") for line in lines] == ["power_on", None, None]
    assert lines[0]["atr"] == "3B6D"
    assert lines[1]["command"] == "0020000003******"
    assert lines[1]["masked"] == "VERIFY"
    assert lines[2] == {**lines[2], "slot": 1, "command": "00B2010C00", "response": "6A83"}
    assert "123456" not in stream.getvalue()
