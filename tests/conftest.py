"""Shared fixtures: the real PC/SC stack (pcscd with vsmartcard's vpcd driver).

Tests marked `pcsc` get the session-scoped `pcscd` fixture. It uses a pcscd that is already
running (with the vpcd readers), or starts one in the foreground and stops it at the end.
Without pcscd or vpcd those tests are skipped, unless SSCARD_REQUIRE_PCSC=1 (set by CI),
which turns the skip into a failure.
"""

from __future__ import annotations

import fcntl
import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

VPCD_READERS = ("Virtual PCD 00 00", "Virtual PCD 00 01")
STARTUP_SECONDS = 20.0
_DRIVER_GLOBS = (
    "/usr/lib/pcsc/drivers/serial/libifdvpcd.so*",
    "/usr/lib/*/pcsc/drivers/serial/libifdvpcd.so*",
    "/usr/local/lib/pcsc/drivers/serial/libifdvpcd.so*",
    "/usr/local/lib/pcsc/drivers/*/libifdvpcd*",
)


def pcsc_required() -> bool:
    """CI sets SSCARD_REQUIRE_PCSC=1: a missing stack is then a failure, not a skip."""
    return os.environ.get("SSCARD_REQUIRE_PCSC") == "1"


def unavailable(reason: str) -> NoReturn:
    """Skip, or fail when the PC/SC stack is required."""
    if pcsc_required():
        pytest.fail(f"SSCARD_REQUIRE_PCSC=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@dataclass
class PcscStack:
    """The running pcscd: its vpcd readers, and whether this test session started it."""

    readers: list[str]
    started: bool
    log: Path | None

    def reader_for_slot(self, slot: int) -> str:
        """The reader name vpcd gives `slot`."""
        return VPCD_READERS[slot]


def _visible_readers() -> list[str] | None:
    """Readers pcscd lists, or None when no pcscd answers."""
    from smartcard import scard

    rc, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if rc != scard.SCARD_S_SUCCESS:
        return None
    try:
        rc, names = scard.SCardListReaders(context, [])
        return list(names) if rc == scard.SCARD_S_SUCCESS else []
    finally:
        scard.SCardReleaseContext(context)


def _has_vpcd(readers: list[str] | None) -> bool:
    return readers is not None and all(name in readers for name in VPCD_READERS)


def _pcscd_binary() -> str | None:
    return shutil.which("pcscd") or shutil.which("pcscd", path="/usr/sbin:/usr/local/sbin")


def _wait_for_readers(process: subprocess.Popen[bytes], log: Path) -> list[str]:
    """Poll (bounded) until pcscd lists both vpcd readers."""
    deadline = time.monotonic() + STARTUP_SECONDS
    readers = _visible_readers()
    while not _has_vpcd(readers):
        if process.poll() is not None:
            unavailable(f"pcscd exited with {process.returncode}: {log.read_text()[-2000:]}")
        if time.monotonic() > deadline:
            unavailable(f"pcscd did not list the vpcd readers within {STARTUP_SECONDS:.0f} s")
        time.sleep(0.1)
        readers = _visible_readers()
    assert readers is not None
    return readers


@pytest.fixture(scope="session")
def pcscd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PcscStack]:
    """pcscd with the vpcd readers, started in the foreground here if not already running."""
    readers = _visible_readers()
    if _has_vpcd(readers):
        assert readers is not None
        yield PcscStack(readers=readers, started=False, log=None)
        return
    if readers is not None:
        unavailable(f"pcscd is running without the vpcd readers (it lists {readers})")
    binary = _pcscd_binary()
    if binary is None:
        unavailable("pcscd is not installed (Debian/Ubuntu: apt-get install pcscd)")
    if not any(glob.glob(pattern) for pattern in _DRIVER_GLOBS):
        unavailable("the vpcd driver is not installed (apt-get install vsmartcard-vpcd)")
    log = tmp_path_factory.mktemp("pcscd") / "pcscd.log"
    # -f: foreground, so this process owns it; -e: errors only. Never -a (APDU logging):
    # it would write PINs of VERIFY commands into the log.
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(binary), "--foreground", "--error"], stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        readers = _wait_for_readers(process, log)
        yield PcscStack(readers=readers, started=True, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def vpcd_slot_lock() -> Iterator[None]:
    """Holds a machine-wide lock while a test uses the vpcd ports (35963/35964 are fixed)."""
    path = Path(tempfile.gettempdir()) / "sscard-vpcd-slots.lock"
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every `pcsc` test gets the stack and the slot lock, even without asking for them."""
    for item in items:
        if item.get_closest_marker("pcsc") is None:
            continue
        fixturenames = getattr(item, "fixturenames", None)
        if fixturenames is None:
            continue
        for name in ("pcscd", "vpcd_slot_lock"):
            if name not in fixturenames:
                fixturenames.insert(0, name)
