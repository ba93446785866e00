"""Nvm: journal-based atomic commits and the tear hook at every physical write."""

from __future__ import annotations

import pytest

from card_os.nvm import Nvm, PowerCut


class Cell:
    def __init__(self) -> None:
        self.a = b"old-a"
        self.b = b"old-b"


@pytest.mark.parametrize("after", [False, True])
@pytest.mark.parametrize("cut", [1, 2, 3, 4])
def test_multi_write_commit_is_all_or_nothing(cut: int, after: bool) -> None:
    nvm, cell = Nvm(), Cell()
    nvm.tear_at_write(cut, after=after)
    with pytest.raises(PowerCut):
        nvm.commit([(cell, "a", b"new-a"), (cell, "b", b"new-b")])
    nvm.recover()
    landed = cut == 4 and after  # only the journal clear is the commit point
    expected = (b"new-a", b"new-b") if landed else (b"old-a", b"old-b")
    assert (cell.a, cell.b) == expected
    assert nvm.journal is None


def test_mid_commit_state_is_mixed_until_recovery() -> None:
    nvm, cell = Nvm(), Cell()
    nvm.tear_at_write(2, after=True)  # the first value lands, the second never does
    with pytest.raises(PowerCut):
        nvm.commit([(cell, "a", b"new-a"), (cell, "b", b"new-b")])
    assert (cell.a, cell.b) == (b"new-a", b"old-b")  # what the EEPROM holds at the cut
    assert nvm.recover() is True
    assert (cell.a, cell.b) == (b"old-a", b"old-b")


def test_counters_and_disarm() -> None:
    nvm, cell = Nvm(), Cell()
    nvm.set(cell, "a", b"x")
    assert (nvm.writes, nvm.commits) == (3, 1)
    nvm.tear_at_write(1)
    nvm.tear_at_write(None)
    nvm.tear_at(1)
    assert nvm.armed
    nvm.tear_at(None)
    assert not nvm.armed
    nvm.set(cell, "a", b"y")
    assert cell.a == b"y" and nvm.recover() is False


@pytest.mark.parametrize("after", [False, True])
def test_commit_level_hook(after: bool) -> None:
    nvm, cell = Nvm(), Cell()
    nvm.set(cell, "a", b"first")
    nvm.tear_at(2, after=after)
    nvm.set(cell, "b", b"second")  # commit 1 from now: untouched
    with pytest.raises(PowerCut):
        nvm.commit([(cell, "a", b"new-a"), (cell, "b", b"new-b")])
    nvm.recover()
    assert (cell.a, cell.b) == ((b"new-a", b"new-b") if after else (b"first", b"second"))
    assert nvm.commits == (3 if after else 2)
