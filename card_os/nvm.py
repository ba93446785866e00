"""Explicit non-volatile memory: every persistent write is one atomic commit, and a test hook
can cut the power at any commit.

The card's persistent objects (EF contents, PIN and key counters and values, life-cycle
states, application state) are attributes holding immutable values (bytes, int, str, tuples,
frozen dicts by convention). A COS protects multi-field updates with a write journal: a
transaction is recorded, then applied, then the journal is cleared; at power-on an
unfinished journal is rolled back or forward. Here one `commit()` is one such transaction:
its values are applied together, and a power cut lands either before the transaction
(everything old) or after it (everything new), never in between.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class PowerCut(Exception):
    """The tear hook cut the power; the card becomes mute until the next power-on."""


class Nvm:
    """Non-volatile memory of one card: counts commits and applies the tear hook."""

    __slots__ = ("_tear_after", "_tear_at", "writes")

    def __init__(self) -> None:
        self.writes = 0
        self._tear_at: int | None = None
        self._tear_after = False

    def tear_at(self, n: int | None, *, after: bool = False) -> None:
        """Cut the power at the `n`-th commit from now (1 = the next one); None disarms.

        With `after=False` the power fails before that commit reaches the memory (the
        journal is rolled back); with `after=True` it fails just after (rolled forward).
        """
        self._tear_at = None if n is None else self.writes + n
        self._tear_after = after

    @property
    def armed(self) -> bool:
        return self._tear_at is not None

    def set(self, obj: Any, attr: str, value: Any) -> None:
        """Persist one attribute of one object atomically."""
        n = self.writes + 1
        self.writes = n
        if n == self._tear_at:
            self._tear_at = None
            if self._tear_after:
                setattr(obj, attr, value)
            raise PowerCut
        setattr(obj, attr, value)

    def commit(self, writes: Iterable[tuple[Any, str, Any]]) -> None:
        """Persist several (object, attribute, value) writes as one atomic transaction."""
        items = tuple(writes)
        n = self.writes + 1
        self.writes = n
        if n == self._tear_at:
            self._tear_at = None
            if self._tear_after:
                for obj, attr, value in items:
                    setattr(obj, attr, value)
            raise PowerCut
        for obj, attr, value in items:
            setattr(obj, attr, value)
