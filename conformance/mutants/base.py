"""What a mutant is, and the card proxy the card mutants build on.

A mutant never edits the reference code: it wraps the reference card (or reader, or back-end
application) and changes its behaviour in one realistic way, only inside the target it makes."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Mutant:
    """A deliberately broken implementation and the suites expected to kill it."""

    name: str
    component: str
    defect: str
    suites: tuple[str, ...]
    wrap_card: Callable[[Any], Any] | None = None
    wrap_reader: Callable[[Any], Any] | None = None
    wrap_app: Callable[[Any], Any] | None = None
    # For mutants of the card content: rewrites the image a suite runs against.
    mutate_image: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # For mutants of a domain service: a monkeypatch active only while the mutant runs.
    patch: Callable[[], AbstractContextManager[Any]] | None = None


class CardProxy:
    """Delegates everything to the reference card; subclasses override `exchange`."""

    def __init__(self, card: Any) -> None:
        self.card = card

    def __getattr__(self, name: str) -> Any:
        return getattr(self.card, name)

    def power_on(self) -> bytes:
        return self.card.power_on()

    def reset(self, *args: Any, **kwargs: Any) -> bytes:
        return self.card.reset(*args, **kwargs)

    def transmit(self, apdu: bytes) -> bytes:
        return self.exchange(apdu, self.card.transmit)

    def exchange(self, apdu: bytes, send: Callable[[bytes], bytes]) -> bytes:
        return send(apdu)


def sw_of(response: bytes) -> int:
    return int.from_bytes(response[-2:], "big") if len(response) >= 2 else -1


def with_sw(response: bytes, sw: int) -> bytes:
    return response[:-2] + sw.to_bytes(2, "big")


def ins_of(apdu: bytes) -> int:
    return apdu[1] if len(apdu) > 1 else -1


def response_mapper(name: str, rule: Callable[[bytes, bytes], bytes]) -> Callable[[Any], Any]:
    """A card wrapper whose proxy passes every (command, response) through `rule`."""

    class Mapped(CardProxy):
        def exchange(self, apdu: bytes, send: Callable[[bytes], bytes]) -> bytes:
            return rule(apdu, send(apdu))

    Mapped.__name__ = Mapped.__qualname__ = name
    return Mapped
