"""The world: a SimPy environment, its clock, the cast's actors, links and faults, and the
systems (back-ends, cards) they reach. One seed determines every random draw.

Actions run synchronously inside an actor's SimPy process (the production code is
synchronous); each message's link delay is added to the step's elapsed time, which the
clock includes, and the process then holds for that time. So the services see the time at
which each message arrives, and a later step sees the world after the earlier one finished.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import simpy

from emulator.population import Cardholder
from emulator.transport import Transport
from emulator.world.cards import (
    ChipSpec,
    TracedTransport,
    in_process_card,
    mask_apdu,
    personalise,
    psam_transport,
)
from emulator.world.clock import SimTime, WorldClock, format_at
from emulator.world.institutions import Institution
from emulator.world.links import Fault, Link, LinkSpec, LinkTimeout, link_seed
from emulator.world.systems import Backends, HttpBackends, InProcessBackends, Reply

Sink = Callable[[dict[str, Any]], None]


class NotExecutable(Exception):
    """The step cannot be carried out against the chosen target (the verdict says why)."""


@dataclass(frozen=True)
class Target:
    """Where a replay sends its messages: the emulator, or a live base URL and PC/SC reader."""

    backend_url: str | None = None
    reader: str | None = None  # "pcsc:<name or index>"

    @property
    def live(self) -> bool:
        return self.backend_url is not None or self.reader is not None

    def describe(self) -> str:
        if not self.live:
            return "emulator"
        return f"backends {self.backend_url or 'emulator'}, cards {self.reader or 'emulator'}"


@dataclass
class Person:
    key: str
    holder: Cardholder
    resource: simpy.Resource
    facts: dict[str, Any] = field(default_factory=dict)  # cast attributes (hukou, insured_in ...)


@dataclass
class Place:
    key: str
    kind: str
    region: str
    institution: Institution
    link: Link
    resource: simpy.Resource


@dataclass
class CardSlot:
    """A card of the cast: what the bureau produced for it and the chip, once made."""

    key: str
    holder: str
    generation: int = 3
    kind: str = "formal"
    card_no: str | None = None
    card_sn: str | None = None
    issued: dt.date | None = None
    transport: Transport | None = None
    image: dict[str, Any] | None = None  # the chip as personalised (emulated cards only)
    facts: dict[str, Any] = field(default_factory=dict)


class World:
    def __init__(self, seed: int, start: dt.datetime, target: Target, sink: Sink) -> None:
        self.seed, self.start, self.target, self.sink = seed, start, target, sink
        self.env = simpy.Environment()
        self.elapsed = 0.0  # delay accumulated by the step being executed
        self.context: dict[str, Any] = {}
        self.clock = WorldClock(start, lambda: self.now)
        self.people: dict[str, Person] = {}
        self.places: dict[str, Place] = {}
        self.cards: dict[str, CardSlot] = {}
        self.links: dict[str, Link] = {}
        self.memory: dict[str, Any] = {}  # named results (visits, settlements, applications)
        self.backends: Backends = (
            HttpBackends(target.backend_url)
            if target.backend_url
            else InProcessBackends(self.clock, self._platform_state)
        )
        self._psam: TracedTransport | None = None
        self._live_card_owner: str | None = None

    # ---- time --------------------------------------------------------------------------

    @property
    def now(self) -> SimTime:
        return self.env.now + self.elapsed

    def rng(self, stream: str) -> random.Random:
        """An independent random stream named ``stream`` under the world seed."""
        return random.Random(link_seed(self.seed, "rng:" + stream))

    # ---- cast ----------------------------------------------------------------------------

    def add_person(self, key: str, holder: Cardholder, facts: dict[str, Any]) -> Person:
        person = Person(key, holder, simpy.Resource(self.env, capacity=1), facts)
        self.people[key] = person
        return person

    def link(self, name: str, spec: LinkSpec | None = None) -> Link:
        if name not in self.links:
            rng = random.Random(link_seed(self.seed, name))
            self.links[name] = Link(name, spec or LinkSpec(), rng)
        elif spec is not None:
            self.links[name].spec = spec
        return self.links[name]

    def add_place(
        self, key: str, kind: str, region: str, institution: Institution, spec: LinkSpec,
        counters: int = 1,
    ) -> Place:  # fmt: skip
        place = Place(
            key, kind, region, institution, self.link(key, spec),
            simpy.Resource(self.env, capacity=counters),
        )  # fmt: skip
        self.places[key] = place
        return place

    def add_card(self, slot: CardSlot) -> None:
        self.cards[slot.key] = slot

    def add_fault(self, fault: Fault) -> None:
        self.link(fault.target).faults.append(fault)

    def _platform_state(self, admdvs: str, infno: str) -> str:
        name = f"platform:{admdvs}"
        state = self.links[name].state(self.now, infno) if name in self.links else "up"
        if state != "up":
            self.emit("fault", link=name, state=state, infno=infno)
        return state

    def _platform_faulty(self, place: Place) -> bool:
        link = self.links.get(f"platform:{place.region}")
        return link is not None and any(f.start <= self.now < f.end for f in link.faults)

    # ---- tracing -----------------------------------------------------------------------

    def emit(self, kind: str, **fields: Any) -> None:
        self.sink({"t": format_at(self.now), "kind": kind, **self.context, **fields})

    # ---- messages --------------------------------------------------------------------------

    def http(self, place: Place, method: str, path: str, body: Any = None) -> Reply:
        """One request from ``place`` to the back-ends over its link (latency, loss, faults)."""
        link = place.link
        if self.backends.live and place.kind == "hospital" and self._platform_faulty(place):
            raise NotExecutable(
                f"a fault on platform:{place.region} is scheduled now; it happens inside the "
                "back-end, which a live target does not let the world break"
            )
        self.emit("http", link=link.name, method=method, path=path, body=body)
        self.elapsed += link.latency()
        state = link.state(self.now)
        if state == "down" or link.lost():
            self.elapsed += link.spec.timeout_s
            self.emit("timeout", link=link.name, state=state if state != "up" else "lost")
            raise LinkTimeout(f"{method} {path}: no answer over {link.name} ({state})")
        reply = self.backends.send(method, path, body, place.institution.auth)
        if state == "drop-replies":
            self.elapsed += link.spec.timeout_s
            self.emit("timeout", link=link.name, state=state, status=reply.status)
            raise LinkTimeout(f"{method} {path}: reply lost over {link.name}")
        self.elapsed += link.latency()
        self.emit("reply", link=link.name, status=reply.status, body=reply.body)
        return reply

    # ---- cards -----------------------------------------------------------------------------

    def make_chip(self, slot: CardSlot, holder: Cardholder) -> None:
        """The card factory personalises a chip for the bureau's card ``slot``."""
        assert slot.card_no and slot.card_sn and slot.issued
        spec = ChipSpec(slot.card_no, slot.card_sn, slot.issued, slot.generation, slot.kind)
        seed = link_seed(self.seed, "card:" + slot.key)
        self.emit("chip", card=slot.key, card_no=slot.card_no, generation=slot.generation)
        if self.target.reader is not None:
            if self._live_card_owner not in (None, slot.key):
                slot.transport = None  # only one card is in the live reader
                return
            from emulator.pcsc import PcscTransport

            self._live_card_owner = slot.key
            slot.transport = TracedTransport(
                PcscTransport.from_address(self.target.reader), slot.key, self._apdu
            )
            return
        image = personalise(holder, spec, seed)
        slot.image = copy.deepcopy(image)
        slot.transport = TracedTransport(in_process_card(image, seed), slot.key, self._apdu)

    def card_transport(self, slot: CardSlot) -> Transport:
        if slot.transport is None:
            if self.target.reader is not None and slot.card_no is not None:
                raise NotExecutable(
                    f"card {slot.key} is not in {self.target.reader} (it holds "
                    f"{self._live_card_owner}'s card)"
                )
            raise NotExecutable(f"card {slot.key} has not been made yet (no produce step)")
        return slot.transport

    def psam(self) -> Transport:
        if self._psam is None:
            seed = link_seed(self.seed, "psam")
            self._psam = TracedTransport(psam_transport(seed), "psam", self._apdu)
        return self._psam

    def _apdu(self, name: str, command: bytes, answer: bytes) -> None:
        self.emit("apdu", card=name, command=mask_apdu(command), answer=answer.hex().upper())

    def close(self) -> None:
        self.backends.close()
        for slot in self.cards.values():
            if slot.transport is not None:
                with contextlib.suppress(Exception):
                    slot.transport.disconnect()
