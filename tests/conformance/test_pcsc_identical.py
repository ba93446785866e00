"""The card suites give the same verdicts on the emulator in-process and on the same card
image served through pcscd (vpcd bridge + PcscTransport)."""

from __future__ import annotations

import copy

import pytest

from card_os.card import Card
from conformance.registry import suites_named
from conformance.runner import run
from conformance.targets import load_image, parse_target
from emulator.pcsc import wait_for_card
from emulator.vpcd import Endpoint, SlotBridge

pytestmark = pytest.mark.pcsc

READER = "Virtual PCD 00 00"
CARD_SUITES = ["card-os"]


def test_card_suites_verdicts_identical_in_process_and_through_pcscd() -> None:
    suites = suites_named(CARD_SUITES)
    in_process = run(suites, parse_target("emulator"))
    served: dict[str, str] = {}
    for suite in suites:
        suite_only = suites_named([suite.name])
        pics_pixit = run(suite_only, parse_target("emulator"), only=lambda _c: False).suites[0]
        image = load_image(suite, pics_pixit.pics, pics_pixit.pixit)
        bridge = SlotBridge(Card(copy.deepcopy(image)), Endpoint.for_slot(0), slot=0).start()
        try:
            assert wait_for_card(READER, present=True, timeout=15), "served card never appeared"
            result = run(suite_only, parse_target(f"pcsc:{READER}"))
        finally:
            bridge.stop()
            wait_for_card(READER, present=False, timeout=15)
        served.update({r.case.id: r.verdict.value for r in result.results})
    expected = {r.case.id: r.verdict.value for r in in_process.results}
    assert served == expected
    assert set(expected.values()) == {"pass"}
