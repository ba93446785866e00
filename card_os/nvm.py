"""Explicit non-volatile memory: atomic commits through a write journal, and a test hook that
cuts the power at any physical write.

The card's persistent objects (EF contents, PIN and key counters and values, life-cycle
states, application state) are attributes holding immutable values (bytes, int, str,
tuples; dicts that are replaced, never mutated). A commit is done the way a COS does it
in EEPROM:

1. write the journal: the old value of every attribute the commit changes;
2. write each new value;
3. clear the journal (the commit point).

Each step is one physical write. The tear hooks cut the power at a commit (`tear_at`: before
it starts or just after its commit point) or at any physical write (`tear_at_write`: before
the write lands or just after). At the next power-on `recover()` rolls an unfinished commit
back from the journal, so every commit is all-or-nothing: each file holds its old or its new
value, never a mix.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class PowerCut(Exception):
    """The tear hook cut the power; the card becomes mute until the next power-on."""


class Nvm:
    """Non-volatile memory of one card: the journal, the write counter and the tear hook."""

    __slots__ = (
        "_commit_after",
        "_tear_after",
        "_tear_at",
        "_tear_commit",
        "commits",
        "journal",
        "writes",
    )

    def __init__(self) -> None:
        self.writes = 0  # physical writes so far (journal, values, journal clear)
        self.commits = 0  # completed commits
        self.journal: tuple[tuple[Any, str, Any], ...] | None = None
        self._tear_at: int | None = None  # physical write index
        self._tear_after = False
        self._tear_commit: int | None = None  # commit index
        self._commit_after = False

    def tear_at(self, n: int | None, *, after: bool = False) -> None:
        """Cut the power at the `n`-th commit from now (1 = the next); None disarms.

        With `after=False` the power fails before that commit writes anything (old values
        stay); with `after=True` just after its commit point (new values stay).
        """
        self._tear_commit = None if n is None else self.commits + n
        self._commit_after = after

    def tear_at_write(self, n: int | None, *, after: bool = False) -> None:
        """Cut the power at the `n`-th physical write from now (1 = the next); None disarms.

        With `after=False` the power fails before that write lands; with `after=True` just
        after it lands. Cuts inside a commit are rolled back by `recover()`.
        """
        self._tear_at = None if n is None else self.writes + n
        self._tear_after = after

    @property
    def armed(self) -> bool:
        return self._tear_at is not None or self._tear_commit is not None

    def _write(self, obj: Any, attr: str, value: Any) -> None:
        """One physical write, where the tear hook may strike."""
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
        n = self.commits + 1
        torn = n == self._tear_commit
        if torn and not self._commit_after:
            self._tear_commit = None
            raise PowerCut
        old = tuple((obj, attr, getattr(obj, attr)) for obj, attr, _ in items)
        self._write(self, "journal", old)
        for obj, attr, value in items:
            self._write(obj, attr, value)
        self._write(self, "journal", None)
        self.commits = n
        if torn:
            self._tear_commit = None
            raise PowerCut

    def set(self, obj: Any, attr: str, value: Any) -> None:
        """Persist one attribute of one object atomically."""
        if self._tear_at is None and self._tear_commit is None:
            # The same three writes as `commit`, without the tear hook's bookkeeping: this
            # is on the path of every VERIFY.
            self.journal = ((obj, attr, getattr(obj, attr)),)
            setattr(obj, attr, value)
            self.journal = None
            self.writes += 3
            self.commits += 1
            return
        self.commit(((obj, attr, value),))

    def recover(self) -> bool:
        """Roll back an unfinished commit (done at power-on); True when there was one."""
        journal = self.journal
        if journal is None:
            return False
        for obj, attr, value in reversed(journal):
            setattr(obj, attr, value)
        self.journal = None
        return True
