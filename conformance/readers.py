"""Reader sessions: the terminal interface under test, wired to emulated reference cards,
a PSAM and a scripted PIN pad, with every call and card exchange in the trace."""

from __future__ import annotations

import copy
import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from conformance.statement import Pics, Pixit
from conformance.suite import Interface, Suite
from conformance.trace import Trace

HSM_TERMINAL = "000000000000"  # card-spec §3.2 field 10 in HSM mode


class ScriptedPinPad:
    """The PIN pad: hands out the queued entries (None = the holder cancels)."""

    def __init__(self) -> None:
        self.entries: list[str | None] = []

    def enter(self, prompt: str) -> str:
        from emulator.reader.pin_pad import PinEntryCancelled, PinEntryTimeout

        if not self.entries:
            raise PinEntryTimeout(prompt)
        entry = self.entries.pop(0)
        if entry is None:
            raise PinEntryCancelled(prompt)
        return entry


class TracedTransport:
    """A Transport that records what the reader sends to the card (PINs masked)."""

    def __init__(self, inner: Any, trace: Trace) -> None:
        self.inner, self.trace = inner, trace
        self.description = inner.description
        self.protocol = inner.protocol

    @property
    def atr(self) -> bytes:
        return self.inner.atr

    def connect(self) -> bytes:
        atr = self.inner.connect()
        self.trace.reset("reader powers the card", atr)
        return atr

    def reset(self, cold: bool = False) -> bytes:
        atr = self.inner.reset(cold)
        self.trace.reset("reader resets the card", atr)
        return atr

    def disconnect(self) -> None:
        self.inner.disconnect()

    def transmit_raw(self, apdu: bytes) -> bytes:
        answer = self.inner.transmit_raw(apdu)
        self.trace.apdu(apdu, answer, "reader -> card")
        return answer

    def transmit(self, apdu: bytes) -> bytes:
        from emulator.transport import resolve_t0

        return resolve_t0(self, apdu, self.transmit_raw(apdu))


class TracedReader:
    """The terminal interface with each call recorded (function, arguments, code, text)."""

    def __init__(self, inner: Any, trace: Trace) -> None:
        self.inner, self.trace = inner, trace
        self.description = inner.description

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.inner, name)
        if not name.startswith("i") or not callable(target):
            return target

        def call(*args: Any) -> Any:
            result = target(*args)
            shown = ", ".join(
                repr(a) if not isinstance(a, str) or len(a) < 80 else repr(a[:77] + "...")
                for a in args
            )
            self.trace.call(name, shown, f"{result.code} {result.text}")
            return result

        return call


@dataclass
class ReaderSession:
    """What a reader case works with."""

    make: Callable[..., Any]  # (psam present?, edit of the card image) -> terminal interface
    pad: ScriptedPinPad
    expected: dict[str, str]
    hsm_key: Callable[[str], str]
    trace: Trace
    extra: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        return None


def expected_fields(image: dict[str, Any], holder: Any, terminal: str) -> dict[str, str]:
    """The iReadCardBas fields a correct reader reports for this card (card-spec §3.2),
    taken from the image and the holder, not from any reader."""
    ssse = next(c for c in image["mf"]["children"] if c.get("app") == "ssse")
    ef05 = next(c for c in ssse["children"] if c.get("fid") == "EF05")
    values = {bytes.fromhex(r)[0]: bytes.fromhex(r)[2:] for r in ef05["records"]}
    atr = bytes.fromhex(image["atr"])
    return {
        "region": values[0x01][:3].hex(),
        "citizen_id": holder.citizen_id,
        "card_number": values[0x07].decode("ascii"),
        "card_id": values[0x01].hex().upper(),
        "name": holder.name,
        "historical": atr[-13:].hex().upper(),
        "version": values[0x03].decode("ascii"),
        "issued": values[0x05].hex(),
        "expiry": values[0x06].hex(),
        "terminal": terminal,
        "device": "",
    }


def open_emulated(
    target: Any, suite: Suite, pics: Pics, pixit: Pixit, trace: Trace
) -> ReaderSession:
    """The reference reader (or a mutant of it) with a personalised card and a PSAM."""
    from card_os.card import Card
    from card_os.ssse.profile import IssuerProfile
    from card_os.ssse.psam_image import build_psam_image
    from conformance.suites import ssse
    from emulator.population import make_cardholder
    from emulator.reader.hsm import InProcessHsm
    from emulator.reader.psam import PsamClient
    from emulator.reader.reader import ReferenceReader
    from emulator.transport import InProcessTransport

    image = ssse._personalised(pics, pixit)
    profile = IssuerProfile(generation=pics.generation)
    holder = make_cardholder(ssse.SEED)
    pad = ScriptedPinPad()
    hsm = InProcessHsm(profile)
    card = Card(copy.deepcopy(image), rng=random.Random(3))

    def make(with_psam: bool, edit: Callable[[dict[str, Any]], None] | None = None) -> Any:
        """The reader with the reference card, or with an edge card (`edit` changes a copy)."""
        inserted = card
        if edit is not None:
            edited = copy.deepcopy(image)
            edit(edited)
            inserted = Card(edited, rng=random.Random(3))
        psam = None
        if with_psam:
            psam_card = Card(build_psam_image(profile), rng=random.Random(5))
            psam = PsamClient(InProcessTransport(psam_card))
        reader: Any = ReferenceReader(
            TracedTransport(InProcessTransport(inserted), trace),
            psam=psam,
            pin_pad=pad,
            random_bytes=random.Random(9).randbytes,
        )
        wrap = getattr(target, "wrap_reader", None)
        if wrap is not None:
            reader = wrap(reader)
        return TracedReader(reader, trace)

    expected = expected_fields(image, holder, profile.terminal_number)
    extra = {"pin": profile.pin.default, "pan": holder.pan, "retry_limit": profile.pin.retry_limit}
    return ReaderSession(make, pad, expected, hsm.read_card_bas_key, trace, extra)


def open_native(target: Any, suite: Suite, pics: Pics, pixit: Pixit, trace: Trace) -> ReaderSession:
    """A native library (reader-lib:<path.so>): it reaches the cards through PC/SC, so the
    reference card and PSAM are served into vpcd slots 0 and 1 for the session."""
    from card_os.card import Card
    from card_os.ssse.profile import IssuerProfile
    from card_os.ssse.psam_image import build_psam_image
    from conformance.suites import ssse
    from emulator.pcsc import wait_for_card
    from emulator.population import make_cardholder
    from emulator.reader.hsm import InProcessHsm
    from emulator.reader.native import NativeReader
    from emulator.vpcd import Endpoint, SlotBridge

    image = ssse._personalised(pics, pixit)
    profile = IssuerProfile(generation=pics.generation)
    holder = make_cardholder(ssse.SEED)
    pad = ScriptedPinPad()
    readers = (pixit.reader or "Virtual PCD 00 00", "Virtual PCD 00 01")
    bridges = [
        SlotBridge(Card(copy.deepcopy(image)), Endpoint.for_slot(0), slot=0).start(),
    ]
    for _bridge, name in zip(bridges, readers, strict=False):
        if not wait_for_card(name, present=True, timeout=15):
            for b in bridges:
                b.stop()
            raise RuntimeError(
                f"the served card never appeared in {name!r} (is pcscd with vpcd running?)"
            )

    # The native library takes its readers from the environment (docs/reader.md).
    saved = {
        k: os.environ.get(k) for k in ("SSCARD_READER", "SSCARD_PSAM_READER", "SSCARD_CL_READER")
    }
    os.environ["SSCARD_READER"] = readers[0]
    os.environ.pop("SSCARD_CL_READER", None)

    def make(with_psam: bool, edit: Callable[[dict[str, Any]], None] | None = None) -> Any:
        if edit is not None:
            raise NotImplementedError("edge cards are served only on the emulator target")
        if with_psam:
            if len(bridges) == 1:
                psam = Card(build_psam_image(profile), rng=random.Random(5))
                bridges.append(SlotBridge(psam, Endpoint.for_slot(1), slot=1).start())
                wait_for_card(readers[1], present=True, timeout=15)
            os.environ["SSCARD_PSAM_READER"] = readers[1]
        else:
            os.environ.pop("SSCARD_PSAM_READER", None)
        return TracedReader(NativeReader(target.library, pin_pad=pad), trace)

    expected = expected_fields(image, holder, profile.terminal_number)
    extra = {"pin": profile.pin.default, "pan": holder.pan, "retry_limit": profile.pin.retry_limit}
    session = ReaderSession(
        make, pad, expected, InProcessHsm(profile).read_card_bas_key, trace, extra
    )

    def close() -> None:
        for b in bridges:
            b.stop()
        for name in bridges_readers(len(bridges), readers):
            wait_for_card(name, present=False, timeout=15)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

    session.close = close  # type: ignore[method-assign]
    return session


def bridges_readers(count: int, readers: tuple[str, str]) -> list[str]:
    return list(readers[:count])


def open_reader(target: Any, suite: Suite, pics: Pics, pixit: Pixit, trace: Trace) -> ReaderSession:
    if hasattr(target, "library"):
        return open_native(target, suite, pics, pixit, trace)
    return open_emulated(target, suite, pics, pixit, trace)


def fingerprint(target: Any) -> str:
    """The library file's hash, or for the reference reader the hash of its sources."""
    import hashlib
    from pathlib import Path

    library = getattr(target, "library", None)
    if library is not None:
        return "sha256:" + hashlib.sha256(Path(library).read_bytes()).hexdigest()
    import emulator.reader.reader as reference

    digest = hashlib.sha256()
    for path in sorted(Path(reference.__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return "sha256(reader sources):" + digest.hexdigest()


def register() -> None:
    from conformance.targets import register_opener

    register_opener(Interface.READER, open_reader, fingerprint)
