"""Cards from `sscard card new`, served by `sscard card serve`, read by clients no one here
wrote (opensc-tool, pcsc_scan, emvtool) and by a pyscard script through PcscTransport."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pcsc_helpers import RunningServe, offline_tool_env, run_tool

from card_os.tlv import find_tlv
from emulator.pcsc import PcscTransport

pytestmark = pytest.mark.pcsc

SELECT_SSSE = bytes.fromhex("00A404000F7378312E73682EC9E7BBE1B1A3D5CF")  # card-spec §2
UNIONPAY_DEBIT = "A000000333010101"


def nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    """Every DF/EF of an image, depth first."""
    found = [node]
    for child in node.get("children", []):
        found += nodes(child)
    return found


def df_named(image: dict[str, Any], name: str) -> dict[str, Any]:
    return next(node for node in nodes(image["mf"]) if node.get("name") == name)


def ssse_df(image: dict[str, Any]) -> dict[str, Any]:
    return df_named(image, SELECT_SSSE[5:].hex().upper())


def ef_with_sfi(df: dict[str, Any], sfi: int) -> dict[str, Any]:
    return next(child for child in df["children"] if child.get("sfi") == sfi)


def pan_of(image: dict[str, Any]) -> str:
    """The PAN (tag 5A) stored in the UnionPay debit application's records."""
    for node in nodes(df_named(image, UNIONPAY_DEBIT)):
        for record in node.get("records", []):
            pan = find_tlv(bytes.fromhex(record), 0x5A)
            if pan is not None:
                return pan.hex().upper().rstrip("F")
    raise AssertionError("no PAN in the PBOC application")


def test_opensc_tool_reads_the_atr_and_selects_ssse(served_card: RunningServe) -> None:
    image = served_card.load_image()
    atr = bytes.fromhex(str(image["atr"]))
    assert atr.hex(":") in run_tool("opensc-tool", "-r", "0", "-a")
    output = run_tool("opensc-tool", "-r", "0", "-c", "default", "-s", SELECT_SSSE.hex())
    assert "Received (SW1=0x90, SW2=0x00)" in output or "SW1=0x61" in output


def test_pcsc_scan_parses_the_atr_without_errors(served_card: RunningServe, tmp_path: Path) -> None:
    atr = bytes.fromhex(str(served_card.load_image()["atr"]))
    output = run_tool("pcsc_scan", "-t", "2", env=offline_tool_env(tmp_path))
    assert f"ATR: {atr.hex(' ').upper()}" in output
    assert "Historical bytes" in output
    assert "ERROR" not in output


def test_emvtool_lists_the_unionpay_debit_application_and_reads_it(
    served_card: RunningServe, emvtool: Path
) -> None:
    output = run_tool(str(emvtool), "-r", "0", "info")
    assert "[A0 00 00 03 33 01 01 01]" in output
    assert 'Application "' in output  # the application was selected by its label
    assert "Application Primary Account Number (PAN)" in output
    assert pan_of(served_card.load_image()) in output
    assert "pin_retries" in output  # GET DATA answered too


def test_pyscard_script_reads_ssse_records_through_pcsc_transport(
    served_card: RunningServe,
) -> None:
    image = served_card.load_image()
    ssse = ssse_df(image)
    card_number_file = ef_with_sfi(ssse, 5)  # EF05: card identification data
    record_rules = ssse["app_state"]["record_acl"].get("EF05", {})
    free = 0
    with PcscTransport.from_address("pcsc:Virtual PCD 00 00") as transport:
        assert transport.atr == bytes.fromhex(str(image["atr"]))
        assert transport.protocol == "T=0"
        selected = transport.transmit(SELECT_SSSE + b"\x00")
        assert selected[-2:] == b"\x90\x00"
        assert SELECT_SSSE[5:] in selected  # the FCI names the DF
        for number, stored in enumerate(card_number_file["records"], start=1):
            # READ RECORD with Le=00: the card's 6Cxx is handled by the transport.
            read = transport.transmit(bytes([0x00, 0xB2, number, (5 << 3) | 4, 0x00]))
            if str(number) in record_rules:
                # gen 3 keeps some records behind RKSSSE (card-spec §2): refused unauthenticated
                assert read == b"\x69\x82"
            else:
                assert read == bytes.fromhex(stored) + b"\x90\x00"
                free += 1
    assert free >= 4


def test_wrong_pin_is_counted_persisted_on_sigterm_and_masked_in_the_trace(
    fresh_served_card: RunningServe,
) -> None:
    served_card = fresh_served_card
    pin = ssse_df(served_card.load_image())["pins"][0]
    wrong = "999999" if pin["value"] != "999999" else "888888"
    with PcscTransport(served_card.reader) as transport:
        assert transport.transmit(SELECT_SSSE)[-2:] == b"\x90\x00"
        answer = transport.transmit(bytes.fromhex("0020000003" + wrong))
    tries_left = pin["tries_left"] - 1
    assert answer == bytes([0x63, 0xC0 | tries_left])
    served_card.stop()
    assert ssse_df(served_card.load_image())["pins"][0]["tries_left"] == tries_left
    text = served_card.trace.read_text(encoding="utf-8")
    verify = [json.loads(line) for line in text.splitlines() if '"masked"' in line]
    assert verify and verify[0]["command"] == "0020000003******"
    assert wrong not in text
