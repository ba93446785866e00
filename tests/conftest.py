"""Shared fixtures: the real PC/SC stack (pcscd with vsmartcard's vpcd driver).

Tests marked `pcsc` get the session-scoped `pcscd` fixture and the machine-wide vpcd slot
lock. The fixture uses a pcscd that is already running with the vpcd readers, or starts one
in the foreground and stops it at the end. Without pcscd or vpcd those tests are skipped,
unless SSCARD_REQUIRE_PCSC=1 (set by CI), which turns the skip into a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import NoReturn

import pytest

from emulator.vpcd.pcscd import PcscdUnavailable, PcscStack, running_pcscd, slot_lock


def pcsc_required() -> bool:
    """CI sets SSCARD_REQUIRE_PCSC=1: a missing stack is then a failure, not a skip."""
    return os.environ.get("SSCARD_REQUIRE_PCSC") == "1"


def unavailable(reason: str) -> NoReturn:
    """Skip, or fail when the PC/SC stack is required."""
    if pcsc_required():
        pytest.fail(f"SSCARD_REQUIRE_PCSC=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def pcscd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PcscStack]:
    """pcscd with the vpcd readers, started in the foreground here if not already running."""
    log = tmp_path_factory.mktemp("pcscd") / "pcscd.log"
    try:
        with running_pcscd(log) as stack:
            yield stack
    except PcscdUnavailable as error:
        unavailable(str(error))


@pytest.fixture
def vpcd_slot_lock() -> Iterator[None]:
    """Serialises tests (and benchmarks) that serve cards into the fixed vpcd ports."""
    with slot_lock():
        yield


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every `pcsc` test gets the stack and the slot lock, even without asking for them."""
    for item in items:
        if item.get_closest_marker("pcsc") is None:
            continue
        fixturenames = getattr(item, "fixturenames", None)
        if fixturenames is None:
            continue
        for name in ("vpcd_slot_lock", "pcscd"):
            if name not in fixturenames:
                fixturenames.insert(0, name)
