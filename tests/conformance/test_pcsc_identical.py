"""The card suites give the same verdicts on the emulator in-process and on the same card
image served through pcscd (vpcd bridge + PcscTransport), as a vendor's card would be run."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import pytest
import yaml

from card_os.card import Card
from conformance.registry import suites_named
from conformance.runner import run, statements
from conformance.targets import load_image, parse_target
from emulator.pcsc import PcscTransport, wait_for_card
from emulator.vpcd import Endpoint, SlotBridge

pytestmark = pytest.mark.pcsc

READER = "Virtual PCD 00 00"
CARD_SUITES = ["card-os", "ssse", "pboc"]


def ensure_our_card(atr: bytes) -> None:
    """The vpcd slot is shared machine-wide: make sure the card in it is the one served here."""
    transport = PcscTransport.from_address(f"pcsc:{READER}")
    try:
        seen = transport.connect()
    finally:
        transport.disconnect()
    if seen != atr:
        message = f"another card (ATR {seen.hex().upper()}) occupies {READER!r}"
        if os.environ.get("SSCARD_REQUIRE_PCSC") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


def test_card_suites_verdicts_identical_in_process_and_through_pcscd(tmp_path: Path) -> None:
    in_process = run(suites_named(CARD_SUITES), parse_target("emulator"))
    expected = {r.case.id: r.verdict.value for r in in_process.results}
    served: dict[str, str] = {}
    for suite in suites_named(CARD_SUITES):
        pics, pixit = statements(suite, None, None)
        image = load_image(suite, pics, pixit)
        # What a lab writes into the PIXIT for a sample card: its personalised values and keys.
        pixit_file = tmp_path / f"{suite.name}.pixit.yaml"
        extra = suite.emulator_pixit(image) if suite.emulator_pixit else {}
        pixit_file.write_text(
            yaml.safe_dump({"extra": extra}, allow_unicode=True), encoding="utf-8"
        )
        bridge = SlotBridge(Card(copy.deepcopy(image)), Endpoint.for_slot(0), slot=0).start()
        try:
            assert wait_for_card(READER, present=True, timeout=15), "served card never appeared"
            ensure_our_card(bytes.fromhex(image["atr"]))
            result = run([suite], parse_target(f"pcsc:{READER}"), pixit_file=pixit_file)
        finally:
            bridge.stop()
            wait_for_card(READER, present=False, timeout=15)
        served.update({r.case.id: r.verdict.value for r in result.results})
    assert served == expected
    assert set(expected.values()) <= {"pass", "not-applicable"}
