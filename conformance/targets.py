"""Targets: the implementation under test, addressed by a string.

    emulator               the reference emulator in-process (cards, reader, back-ends)
    pcsc:<reader>          a card in a PC/SC reader (name or index)
    reader-lib:<path.so>   a native terminal-interface library, driving emulated cards
    http:<base URL>        back-end services at a base URL

Each target opens a fresh session per test case for the interfaces it offers."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.session import CardSession
from conformance.statement import Pics, Pixit
from conformance.suite import Interface, Suite
from conformance.trace import Trace


class TargetError(ValueError):
    """A target string or target set-up that cannot be used; the message says why."""


# A mutant (or any caller) may wrap the card object before it is put behind the transport.
CardWrapper = Callable[[Any], Any]


def image_hash(image: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON form of a card image."""
    canonical = json.dumps(image, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass
class Target:
    """Base of all targets: what it is, what it offers, how to open a session."""

    name: str
    description: str
    interfaces: frozenset[Interface]
    passes_raw_frames: bool = True

    def offers(self, suite: Suite) -> bool:
        return suite.interface in self.interfaces

    def open(self, suite: Suite, pics: Pics, pixit: Pixit, trace: Trace) -> Any:
        raise NotImplementedError

    def close(self, session: Any) -> None:
        closer = getattr(session, "close", None) or getattr(session, "power_off", None)
        if closer is not None:
            closer()

    def fingerprint(self, suite: Suite, pics: Pics, pixit: Pixit) -> str:
        """A hash identifying the implementation (image, library or API document)."""
        return ""

    def complete_pixit(self, suite: Suite, pics: Pics, pixit: Pixit) -> Pixit:
        """The PIXIT with what this target knows about itself added (default: unchanged)."""
        return pixit


def load_image(suite: Suite, pics: Pics, pixit: Pixit) -> dict[str, Any]:
    """The card image a suite runs against on the emulator: PIXIT's file, else the suite's."""
    if pixit.card_image:
        path = Path(pixit.card_image)
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise TargetError(f"PIXIT card_image {path}: {exc}") from exc
    if suite.emulator_image is None:
        raise TargetError(f"suite {suite.name} names no card image for the emulator")
    return suite.emulator_image(pics, pixit)


class CardTransport:
    """The Transport seam straight onto an in-process card: frames pass unchanged (the session
    does the T=0 chaining, so the trace shows every frame)."""

    def __init__(self, card: Any) -> None:
        self.card = card
        self.protocol = card.protocol
        self.description = f"in-process card ({self.protocol})"
        self.atr = b""

    def connect(self) -> bytes:
        self.atr = self.card.power_on()
        return self.atr

    def reset(self, cold: bool = False) -> bytes:
        if cold:
            self.card.power_off()
            self.atr = self.card.power_on()
        else:
            self.atr = self.card.reset()
        return self.atr

    def disconnect(self) -> None:
        self.card.power_off()

    def transmit_raw(self, apdu: bytes) -> bytes:
        return self.card.transmit(apdu)


@dataclass
class EmulatorTarget(Target):
    """The reference implementation, in-process. `wrap_card`, `wrap_reader` and `wrap_app`
    let a mutant stand in for the reference card, reader or back-end."""

    wrap_card: CardWrapper | None = None
    wrap_reader: Callable[[Any], Any] | None = None
    wrap_app: Callable[[Any], Any] | None = None
    _images: dict[str, dict[str, Any]] = field(default_factory=dict)

    def image(self, suite: Suite, pics: Pics, pixit: Pixit) -> dict[str, Any]:
        if suite.name not in self._images:
            self._images[suite.name] = load_image(suite, pics, pixit)
        return self._images[suite.name]

    def new_card(self, suite: Suite, pics: Pics, pixit: Pixit) -> Any:
        from card_os.card import Card

        card = Card(copy.deepcopy(self.image(suite, pics, pixit)))
        return self.wrap_card(card) if self.wrap_card else card

    def open(self, suite: Suite, pics: Pics, pixit: Pixit, trace: Trace) -> Any:
        if suite.interface is Interface.CARD:
            transport = CardTransport(self.new_card(suite, pics, pixit))
            session = CardSession(transport, trace)
            session.power_on()
            return session
        opener = _OPENERS.get(suite.interface)
        if opener is None:
            raise TargetError(f"the emulator target cannot open a {suite.interface} session")
        return opener(self, suite, pics, pixit, trace)

    def fingerprint(self, suite: Suite, pics: Pics, pixit: Pixit) -> str:
        if suite.interface is Interface.CARD:
            return image_hash(self.image(suite, pics, pixit))
        finder = _FINGERPRINTS.get(suite.interface)
        return finder(self) if finder is not None else ""

    def complete_pixit(self, suite: Suite, pics: Pics, pixit: Pixit) -> Pixit:
        if suite.emulator_pixit is None or suite.interface is not Interface.CARD:
            return pixit
        derived = suite.emulator_pixit(self.image(suite, pics, pixit))
        extra = {**derived, **pixit.extra}
        return pixit.model_copy(update={"extra": extra})


# Session openers for the reader and HTTP interfaces, added by the modules that build them
# (conformance.readers, conformance.http) so this module needs none of their imports.
_OPENERS: dict[Interface, Callable[..., Any]] = {}


_FINGERPRINTS: dict[Interface, Callable[[Any], str]] = {}


def register_opener(
    interface: Interface,
    opener: Callable[..., Any],
    fingerprint: Callable[[Any], str] | None = None,
) -> None:
    """Add how to open (and optionally how to fingerprint) sessions of `interface`."""
    _OPENERS[interface] = opener
    if fingerprint is not None:
        _FINGERPRINTS[interface] = fingerprint


@dataclass
class PcscTarget(Target):
    """A card in a PC/SC reader. The card keeps its state between cases (no fresh image)."""

    reader: str = ""

    def open(self, suite: Suite, pics: Pics, pixit: Pixit, trace: Trace) -> Any:
        from emulator.pcsc import PcscTransport

        session = CardSession(PcscTransport.from_address(self.name), trace)
        session.power_on()
        session.reset(cold=True)
        return session

    def fingerprint(self, suite: Suite, pics: Pics, pixit: Pixit) -> str:
        from emulator.pcsc import PcscTransport

        transport = PcscTransport.from_address(self.name)
        try:
            atr = transport.connect()
        finally:
            transport.disconnect()
        return "sha256(atr):" + hashlib.sha256(atr).hexdigest()


@dataclass
class ReaderLibTarget(Target):
    """A native terminal-interface library; the cards behind it are emulated."""

    library: Path = Path()

    def open(self, suite: Suite, pics: Pics, pixit: Pixit, trace: Trace) -> Any:
        opener = _OPENERS.get(Interface.READER)
        if opener is None:
            raise TargetError("no reader suite is installed")
        return opener(self, suite, pics, pixit, trace)

    def fingerprint(self, suite: Suite, pics: Pics, pixit: Pixit) -> str:
        return "sha256:" + hashlib.sha256(self.library.read_bytes()).hexdigest()


@dataclass
class HttpTarget(Target):
    """Back-end services reached over HTTP at a base URL."""

    base_url: str = ""

    def open(self, suite: Suite, pics: Pics, pixit: Pixit, trace: Trace) -> Any:
        opener = _OPENERS.get(suite.interface)
        if opener is None:
            raise TargetError(f"no {suite.interface} suite is installed")
        return opener(self, suite, pics, pixit, trace)

    def fingerprint(self, suite: Suite, pics: Pics, pixit: Pixit) -> str:
        finder = _FINGERPRINTS.get(suite.interface)
        return finder(self) if finder is not None else ""


def parse_target(text: str | None) -> Target:
    """The target named by `text` (None means the emulator)."""
    spec = (text or "emulator").strip()
    if spec == "emulator":
        return EmulatorTarget(
            "emulator",
            "sscard reference emulator (in-process cards, reader and back-ends)",
            frozenset(Interface),
        )
    kind, sep, rest = spec.partition(":")
    if not sep or not rest:
        raise TargetError(
            f"target {spec!r}: expected emulator, pcsc:<reader>, reader-lib:<path.so> or http:<base URL>"
        )
    if kind == "pcsc":
        return PcscTarget(
            spec, f"card in PC/SC reader {rest!r}", frozenset({Interface.CARD}), True, rest
        )
    if kind == "reader-lib":
        path = Path(rest)
        if not path.is_file():
            raise TargetError(f"target {spec!r}: no such library file {path}")
        return ReaderLibTarget(
            spec,
            f"terminal-interface library {path.name}",
            frozenset({Interface.READER}),
            True,
            path,
        )
    if kind == "http":
        if not rest.startswith(("http://", "https://")):
            raise TargetError(f"target {spec!r}: the base URL must start with http:// or https://")
        return HttpTarget(
            spec,
            f"back-end services at {rest}",
            frozenset({Interface.HTTP, Interface.SCENARIO}),
            True,
            rest.rstrip("/"),
        )
    raise TargetError(f"target {spec!r}: unknown kind {kind!r}")
