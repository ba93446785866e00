"""Applicability conditions: when a test case applies, decided from PICS, PIXIT and target
before it runs. A case that does not apply gets `not-applicable` with the reason."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conformance.statement import Pics, Pixit
    from conformance.targets import Target


@dataclass(frozen=True)
class Condition:
    """A named predicate; `text` is what the catalogue prints, `why_not` explains a miss."""

    text: str
    holds: Callable[[Pics, Pixit, Target], bool]
    why_not: Callable[[Pics, Pixit, Target], str]


def claims(command: str) -> Condition:
    """The PICS claims the optional command or feature `command`."""
    return Condition(
        text=f"PICS optional_commands.{command} = true",
        holds=lambda pics, _x, _t: pics.supports(command),
        why_not=lambda _p, _x, _t: f"PICS does not claim optional command {command!r}",
    )


def generation(*allowed: int) -> Condition:
    """The card generation claimed in the PICS is one of `allowed`."""
    names = "/".join(str(g) for g in allowed)
    return Condition(
        text=f"PICS generation in {names}",
        holds=lambda pics, _x, _t: pics.generation in allowed,
        why_not=lambda pics, _x, _t: (
            f"PICS claims generation {pics.generation}, case is for {names}"
        ),
    )


def protocol(name: str) -> Condition:
    """The card's transmission protocol claimed in the PICS is `name`."""
    return Condition(
        text=f"PICS transmission_protocol = {name}",
        holds=lambda pics, _x, _t: pics.transmission_protocol == name,
        why_not=lambda pics, _x, _t: (
            f"PICS claims {pics.transmission_protocol}, case is for {name}"
        ),
    )


def financial() -> Condition:
    """The PICS claims the financial (PBOC) application."""
    return Condition(
        text="PICS financial_application = true",
        holds=lambda pics, _x, _t: pics.financial_application,
        why_not=lambda _p, _x, _t: "PICS does not claim the financial application",
    )


def destructive() -> Condition:
    """The case blocks objects or rewrites data, which the PIXIT must allow."""
    return Condition(
        text="PIXIT allow_destructive = true (the case blocks a PIN or key)",
        holds=lambda _p, pixit, _t: pixit.allow_destructive,
        why_not=lambda _p, _x, _t: "PIXIT forbids destructive cases on this sample",
    )


def raw_frames() -> Condition:
    """The target passes malformed command frames to the card unchanged."""
    return Condition(
        text="target passes malformed frames unchanged",
        holds=lambda _p, _x, target: target.passes_raw_frames,
        why_not=lambda _p, _x, target: f"{target.description} rejects malformed frames itself",
    )


def first_miss(
    conditions: tuple[Condition, ...], pics: Pics, pixit: Pixit, target: Target
) -> str | None:
    """The reason the first unmet condition gives, or None when the case applies."""
    for condition in conditions:
        if not condition.holds(pics, pixit, target):
            return condition.why_not(pics, pixit, target)
    return None
