"""The bridge and PcscTransport through the real pcscd + vpcd, with scripted cards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pcsc_helpers import READERS, WAIT, offline_tool_env, run_tool, served

from card_os.atr import build_atr
from emulator.pcsc import PcscError, PcscTransport, list_readers, wait_for_card
from emulator.transport import Transport, TransportError
from emulator.vpcd import Endpoint, SlotBridge, TraceWriter, TrivialResponder

pytestmark = pytest.mark.pcsc

# A social security card's T=0 ATR (card-spec §5): 华大 chip, COS 54 31 16, 东信和平, 2024-01.
ATR = build_atr(bytes.fromhex("0081543116866024010000002A"))


class T0Card(TrivialResponder):
    """Answers the way a T=0 card does: 61xx before data, 6Cxx for a wrong Le."""

    DATA = bytes(range(1, 31))

    def transmit(self, apdu: bytes) -> bytes:
        self.commands.append(apdu)
        ins = apdu[1]
        if ins == 0xA4:  # SELECT: the FCI waits for GET RESPONSE
            return bytes([0x61, len(self.DATA)])
        if ins == 0xC0:
            return self.DATA[: apdu[4]] + b"\x90\x00"
        if ins == 0xB2:  # READ RECORD: exactly 8 bytes, Le must say so
            le = apdu[4] if len(apdu) == 5 else None
            return bytes(range(8)) + b"\x90\x00" if le == 8 else b"\x6c\x08"
        return b"\x6d\x00"


def test_fixture_lists_both_vpcd_readers() -> None:
    assert set(READERS) <= set(list_readers())


def test_transport_reads_atr_and_handles_t0_status_words() -> None:
    card = T0Card(atr=ATR)
    with served(card, slot=0), PcscTransport.from_address("pcsc:Virtual PCD 00 00") as t:
        assert t.atr == ATR
        assert t.protocol == "T=0"
        assert t.transmit_raw(bytes.fromhex("00A4040002DF01")) == b"\x61\x1e"
        assert t.transmit(bytes.fromhex("00A4040002DF01")) == T0Card.DATA + b"\x90\x00"
        assert t.transmit_raw(bytes.fromhex("00B2010C00")) == b"\x6c\x08"
        assert t.transmit(bytes.fromhex("00B2010C00")) == bytes(range(8)) + b"\x90\x00"
        assert bytes.fromhex("00C000001E") in card.commands
        assert bytes.fromhex("00B2010C08") in card.commands


def test_reset_reaches_the_card_and_index_addressing_works() -> None:
    card = T0Card(atr=ATR)
    with served(card, slot=1), PcscTransport.from_address("pcsc:1") as t:
        assert t.description == "pcsc:Virtual PCD 00 01"
        resets = card.resets
        assert t.reset() == ATR
        assert card.resets == resets + 1
        power_ons = card.power_ons
        assert t.reset(cold=True) == ATR
        assert card.power_ons > power_ons


def test_two_cards_at_once_and_removal_insertion() -> None:
    first, second = T0Card(atr=ATR), TrivialResponder()
    with served(first, slot=0), served(second, slot=1) as bridge:
        with PcscTransport("Virtual PCD 00 01") as t:
            assert t.transmit(bytes.fromhex("0084000008")) == b"\x90\x00"
        with PcscTransport(0) as t:
            assert t.atr == ATR
        bridge.remove()
        assert wait_for_card(READERS[1], present=False, timeout=WAIT)
        with pytest.raises(PcscError, match="Virtual PCD 00 01"):
            PcscTransport(1).connect()
        bridge.insert()
        assert wait_for_card(READERS[1], present=True, timeout=WAIT)
        with PcscTransport(1) as t:
            assert t.transmit(bytes.fromhex("00B0000000")) == b"\x90\x00"


def test_unknown_reader_is_a_clear_error() -> None:
    with pytest.raises(PcscError, match="no reader named 'No Such Reader'"):
        PcscTransport("No Such Reader").connect()
    with pytest.raises(PcscError, match="no reader at index 7"):
        PcscTransport(7).connect()


def test_trace_masks_the_pin_of_a_verify_sent_through_pcscd(tmp_path: Path) -> None:
    path = tmp_path / "trace.jsonl"
    trace = TraceWriter.open(path)
    card = TrivialResponder(atr=ATR)
    bridge = SlotBridge(card, Endpoint.for_slot(0), observer=trace).start()
    try:
        assert wait_for_card(READERS[0], timeout=WAIT)
        with PcscTransport(0) as t:
            assert t.transmit(bytes.fromhex("0020000003123456")) == b"\x90\x00"
    finally:
        bridge.stop()
        trace.close()
    text = path.read_text()
    records = [json.loads(line) for line in text.splitlines()]
    commands = [record for record in records if "command" in record]
    assert commands[0]["command"] == "0020000003******"
    assert commands[0]["masked"] == "VERIFY"
    assert commands[0]["response"] == "9000"
    assert "123456" not in text
    assert any(record.get("event") == "power_on" for record in records)


def test_opensc_tool_reads_atr_and_sends_raw_apdus() -> None:
    card = T0Card(atr=ATR)
    with served(card, slot=0):
        assert ATR.hex(":") in run_tool("opensc-tool", "-r", "0", "-a")
        output = run_tool(
            "opensc-tool", "-r", "0", "-c", "default", "-s", "00B2010C08", "-s", "00A4040002DF01"
        )
    assert output.count("Received (SW1=0x90, SW2=0x00)") == 2
    assert "00 01 02 03 04 05 06 07" in output
    assert card.commands == [bytes.fromhex("00B2010C08"), bytes.fromhex("00A4040002DF01")]


def test_pcsc_scan_parses_the_atr_without_errors(tmp_path: Path) -> None:
    with served(T0Card(atr=ATR), slot=0):
        output = run_tool("pcsc_scan", "-t", "2", env=offline_tool_env(tmp_path))
    assert "ATR: 3B 6D 00 00 00 81 54 31 16" in output
    assert "Historical bytes" in output
    assert "ERROR" not in output


def test_pcsc_transport_is_a_transport() -> None:
    assert isinstance(PcscTransport(0), Transport)
    assert issubclass(PcscError, TransportError)


class MuteOnEE(TrivialResponder):
    """Answers nothing to INS EE, as a card torn by a power cut does."""

    def transmit(self, apdu: bytes) -> bytes:
        self.commands.append(apdu)
        return b"" if apdu[1] == 0xEE else b"\x90\x00"


def test_a_mute_card_is_a_transport_error_and_comes_back_unpowered() -> None:
    card = MuteOnEE(atr=ATR)
    with served(card, slot=0) as bridge:
        transport = PcscTransport(0)
        transport.connect()
        with pytest.raises(TransportError):
            transport.transmit(bytes.fromhex("00EE0000"))
            transport.transmit(bytes.fromhex("00B0000000"))  # the card has left the reader
        transport.disconnect()
        assert wait_for_card(READERS[0], present=True, timeout=WAIT)
        with PcscTransport(0) as again:
            assert again.transmit(bytes.fromhex("00B0000000")) == b"\x90\x00"
        assert bridge.connections >= 2
