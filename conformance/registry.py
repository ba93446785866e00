"""Every suite, by name, in the order a full run executes them."""

from __future__ import annotations

from importlib import import_module

from conformance.suite import Suite

# Modules under conformance.suites that define SUITE.
SUITE_MODULES = ("card_os", "ssse", "pboc", "reader", "backend", "scenario")


def all_suites() -> list[Suite]:
    return [import_module(f"conformance.suites.{m}").SUITE for m in SUITE_MODULES]


def suites_named(names: list[str] | None) -> list[Suite]:
    """The suites called `names` (all when empty); an unknown name is an error naming the choices."""
    suites = all_suites()
    if not names:
        return suites
    by_name = {s.name: s for s in suites}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise KeyError(f"unknown suite(s) {', '.join(unknown)}; choose from {', '.join(by_name)}")
    return [by_name[n] for n in names]
