"""The card suites give the same verdicts on the emulator in-process and on the same card
image served through pcscd (vpcd bridge + PcscTransport), as a vendor's card would be run."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from card_os.card import Card
from conformance.registry import suites_named
from conformance.runner import run, statements
from conformance.targets import load_image, parse_target
from emulator.pcsc import wait_for_card
from emulator.vpcd import Endpoint, SlotBridge

pytestmark = pytest.mark.pcsc

READER = "Virtual PCD 00 00"
CARD_SUITES = ["card-os", "ssse", "pboc"]


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
            result = run([suite], parse_target(f"pcsc:{READER}"), pixit_file=pixit_file)
        finally:
            bridge.stop()
            wait_for_card(READER, present=False, timeout=15)
        served.update({r.case.id: r.verdict.value for r in result.results})
    assert served == expected
    assert set(expected.values()) <= {"pass", "not-applicable"}
