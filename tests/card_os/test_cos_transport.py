"""InProcessTransport and the shared T=0 resolution; the `sscard card demo` command."""

from __future__ import annotations

import random

import pytest
import typer
from cos_fixture import SSSE_AID, image
from typer.testing import CliRunner

from card_os.card import Card
from emulator.cli.card_demo import demo
from emulator.transport import InProcessTransport, Transport, TransportError

# Only this room's command: the root CLI mounts every room, some of them still in progress.
app = typer.Typer()
app.command()(demo)

SELECT = bytes.fromhex("00A404000F" + SSSE_AID.hex())


def test_transport_resolves_61xx_and_6cxx() -> None:
    transport = InProcessTransport(Card(image(), random.Random(1)), "T=0")
    assert isinstance(transport, Transport)
    atr = transport.connect()
    assert atr == transport.atr and atr.startswith(b"\x3b")
    assert transport.transmit_raw(SELECT) == bytes.fromhex("611B")
    transport.transmit_raw(bytes.fromhex("00A4000C023F00"))
    out = transport.transmit(SELECT)
    assert out[-2:] == b"\x90\x00" and out[0] == 0x6F and len(out) == 0x1B + 2
    assert transport.transmit_raw(bytes.fromhex("00B2012C00")) == bytes.fromhex("6C12")
    out = transport.transmit(bytes.fromhex("00B2012C00"))
    assert out[:2] == bytes.fromhex("0110") and out[-2:] == b"\x90\x00"


def test_transport_on_logical_channel() -> None:
    transport = InProcessTransport(Card(image()), "T=0")
    transport.connect()
    assert transport.transmit(bytes.fromhex("0070000001")) == bytes.fromhex("019000")
    out = transport.transmit(bytes.fromhex("01A404000F" + SSSE_AID.hex()))
    assert out[0] == 0x6F and out[-2:] == b"\x90\x00"


def test_reset_and_disconnect() -> None:
    card = Card(image())
    transport = InProcessTransport(card, "T=1")
    transport.connect()
    transport.transmit(bytes.fromhex("0020000103123456"))
    transport.reset()
    assert transport.transmit(bytes.fromhex("00200001")) == bytes.fromhex("63C3")
    transport.reset(cold=True)
    transport.disconnect()
    with pytest.raises(TransportError, match="no answer"):
        transport.transmit(SELECT)


def test_card_demo_command() -> None:
    result = CliRunner().invoke(app, ["--protocol", "T=0"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "611B" in result.output and "6C12" in result.output
    assert "63C2" in result.output and "6D00" in result.output
    assert "123456" not in result.output.replace("0123456", "")  # PIN never shown
    assert "111111198101011110" not in result.output  # ID masked


def test_card_demo_bad_image(tmp_path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "sscard-image/1"}')
    result = CliRunner().invoke(app, ["--image", str(bad)])
    assert result.exit_code == 2
    assert "image.mf: missing" in result.output
