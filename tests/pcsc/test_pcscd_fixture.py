"""Why the pcscd fixture would skip (or, under SSCARD_REQUIRE_PCSC=1, fail); no pcscd needed."""

from __future__ import annotations

from pathlib import Path

import pytest

import emulator.vpcd.pcscd as pcscd_module
from emulator.vpcd.pcscd import PcscdUnavailable, running_pcscd, slot_lock


def test_no_pcscd_binary_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(pcscd_module, "visible_readers", lambda: None)
    monkeypatch.setattr(pcscd_module, "find_pcscd", lambda: None)
    with (
        pytest.raises(PcscdUnavailable, match="apt-get install pcscd"),
        running_pcscd(tmp_path / "log"),
    ):
        pass


def test_no_vpcd_driver_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(pcscd_module, "visible_readers", lambda: None)
    monkeypatch.setattr(pcscd_module, "find_pcscd", lambda: "/usr/sbin/pcscd")
    monkeypatch.setattr(pcscd_module, "vpcd_driver_installed", lambda: False)
    with pytest.raises(PcscdUnavailable, match="vsmartcard-vpcd"), running_pcscd(tmp_path / "log"):
        pass


def test_a_pcscd_without_vpcd_is_not_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(pcscd_module, "visible_readers", lambda: ["ACS ACR38U 00 00"])
    with (
        pytest.raises(PcscdUnavailable, match="without the vpcd readers"),
        running_pcscd(tmp_path / "log"),
    ):
        pass


def test_slot_lock_is_reentrant_in_one_process() -> None:
    with slot_lock(), slot_lock():
        assert pcscd_module._slot_holders == 2
    assert pcscd_module._slot_holders == 0
