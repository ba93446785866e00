"""What an action sees: the world, who acts, where, and the step's parameters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from emulator.world.institutions import Institution
from emulator.world.systems import Reply
from emulator.world.world import CardSlot, NotExecutable, Person, Place, World


class StepFailed(Exception):
    """An action could not produce its outcome for a reason of the scenario's own making."""


@dataclass
class Ctx:
    world: World
    person: Person | None
    place: Place
    params: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def http(
        self, method: str, path: str, body: Any = None, *, as_: Institution | None = None
    ) -> Reply:
        place = self.place
        if as_ is not None and as_ != place.institution:
            place = acting_for(place, as_)
        return self.world.http(place, method, path, body)

    @property
    def certno(self) -> str:
        if self.person is None:
            raise StepFailed("this action needs a person as 'who'")
        return self.person.holder.citizen_id

    def card(self, key: str = "card") -> CardSlot:
        """The cast card named by parameter ``key``, else the person's first card."""
        name = self.params.get(key)
        if name is None and self.person is not None and key == "card":
            name = next(
                (c.key for c in self.world.cards.values() if c.holder == self.person.key), None
            )
        if name is None or name not in self.world.cards:
            raise StepFailed(f"no card {name!r} in the cast")
        return self.world.cards[name]

    def card_no(self, key: str = "card") -> str:
        slot = self.card(key)
        if slot.card_no is None:
            raise StepFailed(f"card {slot.key} has not been produced yet")
        return slot.card_no

    def remember(self, kind: str, value: Any) -> None:
        name = self.params.get("as")
        if name is not None:
            self.world.memory[f"{kind}:{name}"] = value

    def recall(self, kind: str, param: str) -> Any:
        name = self.params.get(param)
        value = self.world.memory.get(f"{kind}:{name}")
        if value is None:
            raise StepFailed(f"no {kind} named {name!r} (give it with 'as:' in an earlier step)")
        return value

    def live_clock_needed(self, why: str) -> None:
        if self.world.backends.live:
            raise NotExecutable(
                f"needs the world clock ({why}); a live back-end keeps its own time"
            )


def acting_for(place: Place, institution: Institution) -> Place:
    """The same link, another institution's credential (e.g. the bank, reached from a centre)."""
    return Place(place.key, place.kind, place.region, institution, place.link, place.resource)
