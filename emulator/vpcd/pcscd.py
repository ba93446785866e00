"""Finding, starting and sharing pcscd with the vpcd readers (tests, benchmarks, CI).

vpcd's ports are fixed, so everything that serves a card into a vpcd slot on this machine
takes `slot_lock()` first: two processes serving slot 0 at once would steal each other's
reader.
"""

from __future__ import annotations

import fcntl
import glob
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

VPCD_READERS = ("Virtual PCD 00 00", "Virtual PCD 00 01")
STARTUP_SECONDS = 20.0
_DRIVER_GLOBS = (
    "/usr/lib/pcsc/drivers/serial/libifdvpcd.so*",
    "/usr/lib/*/pcsc/drivers/serial/libifdvpcd.so*",
    "/usr/local/lib/pcsc/drivers/serial/libifdvpcd.so*",
    "/usr/local/lib/pcsc/drivers/*/libifdvpcd*",
)


class PcscdUnavailable(Exception):
    """pcscd or the vpcd driver is missing, or pcscd did not come up with the vpcd readers."""


@dataclass
class PcscStack:
    """A pcscd with the vpcd readers; `started` when this process started it."""

    readers: list[str]
    started: bool
    log: Path | None = None

    @staticmethod
    def reader_for_slot(slot: int) -> str:
        """The reader name vpcd gives `slot`."""
        return VPCD_READERS[slot]


def visible_readers() -> list[str] | None:
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


def has_vpcd(readers: list[str] | None) -> bool:
    """Both vpcd readers are listed."""
    return readers is not None and all(name in readers for name in VPCD_READERS)


def find_pcscd() -> str | None:
    """The pcscd binary (it lives in sbin, often outside a user's PATH)."""
    return shutil.which("pcscd") or shutil.which("pcscd", path="/usr/sbin:/usr/local/sbin")


def vpcd_driver_installed() -> bool:
    """vsmartcard's vpcd driver is where pcscd looks for serial drivers."""
    return any(glob.glob(pattern) for pattern in _DRIVER_GLOBS)


def _wait_for_readers(process: subprocess.Popen[bytes], log: Path, seconds: float) -> list[str]:
    deadline = time.monotonic() + seconds
    readers = visible_readers()
    while not has_vpcd(readers):
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise PcscdUnavailable(f"pcscd exited with {process.returncode}: {tail}")
        if time.monotonic() > deadline:
            raise PcscdUnavailable(f"pcscd did not list the vpcd readers within {seconds:.0f} s")
        time.sleep(0.1)
        readers = visible_readers()
    assert readers is not None
    return readers


@contextmanager
def running_pcscd(log: Path, seconds: float = STARTUP_SECONDS) -> Iterator[PcscStack]:
    """Use the running pcscd, or start one in the foreground and stop it on exit."""
    readers = visible_readers()
    if has_vpcd(readers):
        assert readers is not None
        yield PcscStack(readers=readers, started=False)
        return
    if readers is not None:
        raise PcscdUnavailable(f"pcscd is running without the vpcd readers (it lists {readers})")
    binary = find_pcscd()
    if binary is None:
        raise PcscdUnavailable("pcscd is not installed (Debian/Ubuntu: apt-get install pcscd)")
    if not vpcd_driver_installed():
        raise PcscdUnavailable("the vpcd driver is missing (apt-get install vsmartcard-vpcd)")
    # --foreground: this process owns it; --error: errors only. Never --apdu: it would log
    # the PIN of every VERIFY.
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [binary, "--foreground", "--error"], stdout=sink, stderr=subprocess.STDOUT
        )
    try:
        yield PcscStack(readers=_wait_for_readers(process, log, seconds), started=True, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


_slot_guard = threading.Lock()
_slot_holders = 0
_slot_handle: TextIO | None = None


@contextmanager
def slot_lock() -> Iterator[None]:
    """A machine-wide lock held while serving into vpcd slots (their ports are fixed).

    Re-entrant within a process (a fixture holding it across tests, each test taking it
    again), exclusive between processes (flock on a file in the temporary directory).
    """
    global _slot_holders, _slot_handle
    with _slot_guard:
        if _slot_holders == 0:
            path = Path(tempfile.gettempdir()) / "sscard-vpcd-slots.lock"
            handle = path.open("w")
            fcntl.flock(handle, fcntl.LOCK_EX)
            _slot_handle = handle
        _slot_holders += 1
    try:
        yield
    finally:
        with _slot_guard:
            _slot_holders -= 1
            if _slot_holders == 0 and _slot_handle is not None:
                fcntl.flock(_slot_handle, fcntl.LOCK_UN)
                _slot_handle.close()
                _slot_handle = None
