"""Tearing: cut the power at every persistent write of a scripted session (before and after
the write reaches the memory) and check the truths: each file holds its old or its new
value, a PIN or key counter never ends higher than before a failed or unfinished check, the
security state does not survive, and the card works again after power-on."""

from __future__ import annotations

import random
from typing import Any

import pytest
from cos_fixture import image

from card_os.card import Card

SESSION = [
    "00A404000F7378312E73682EC9E7BBE1B1A3D5CF00",
    "0020000003999999",  # wrong PIN 0
    "0020000003123456",  # right PIN 0
    "00E2004004AA000000",  # APPEND RECORD, cyclic SFI 8
    "00DC013C0411223344",  # UPDATE RECORD, linear fixed SFI 7
    "0024000006123456654321",  # CHANGE REFERENCE DATA
    "0084000008",
    "0082000408" + "00" * 8,  # failing EXTERNAL AUTHENTICATE: key counter
    "00A4000C023F00",
    "0020000103111111",  # wrong MF PIN 1
    "002C01010487654321",  # RESET RETRY COUNTER with the PUK
    "0020000103123456",
    "00D6810004DEADBEEF",  # UPDATE BINARY, SFI 1
]


def snapshot(card: Card) -> dict[str, Any]:
    """Persistent state: file contents, counters and PIN values, keyed by path."""
    state: dict[str, Any] = {}
    for df in card.mf.walk():
        for ref, pin in df.pins.items():
            state[f"{df.label}/pin{ref}"] = (pin.tries_left, pin.value)
        for ref, key in df.keys.items():
            state[f"{df.label}/key{ref}"] = key.tries_left
        for child in df.children:
            if not child.is_df:
                state[f"{df.label}/{child.label}"] = (
                    child.data if not child.is_records else child.records
                )
    return state


def new_card() -> Card:
    card = Card(image(), random.Random(5))
    card.protocol = "T=1"
    card.power_on()
    return card


def reference_run() -> tuple[list[dict[str, Any]], list[int]]:
    """Snapshots before each command (plus the final one) and the NVM write count at each."""
    card = new_card()
    snaps, writes = [], []
    for apdu in SESSION:
        snaps.append(snapshot(card))
        writes.append(card.nvm.writes)
        assert len(card.transmit(bytes.fromhex(apdu))) >= 2
    snaps.append(snapshot(card))
    writes.append(card.nvm.writes)
    return snaps, writes


SNAPS, WRITES = reference_run()
PIN0 = "DF 7378312E73682EC9E7BBE1B1A3D5CF/pin0"
TOTAL = WRITES[-1]


def test_session_has_many_persistent_writes() -> None:
    assert TOTAL >= 15


@pytest.mark.parametrize("after", [False, True], ids=["before-write", "after-write"])
@pytest.mark.parametrize("cut", range(1, TOTAL + 1))
def test_cut_at_every_write(cut: int, after: bool) -> None:
    card = new_card()
    card.nvm.tear_at_write(cut, after=after)
    torn_step = None
    for step, apdu in enumerate(SESSION):
        if card.transmit(bytes.fromhex(apdu)) == b"":
            torn_step = step
            break
    assert torn_step is not None, "the tear hook never fired"
    assert not card.powered and card.transmit(bytes.fromhex("00A40000")) == b""  # mute
    # The torn command is the one during which the cut-th write happened.
    assert WRITES[torn_step] < cut <= WRITES[torn_step + 1]
    old, new = SNAPS[torn_step], SNAPS[torn_step + 1]
    card.power_on()  # rolls back an unfinished commit from the journal
    assert card.nvm.journal is None
    state = snapshot(card)
    for path, value in state.items():
        if "/pin" in path:
            tries, pin_value = value
            (old_tries, old_value), (new_tries, new_value) = old[path], new[path]
            assert pin_value in (old_value, new_value), path
            # Decremented-and-persisted, unchanged, or the finished result; never more.
            assert tries in (old_tries, old_tries - 1, new_tries), (path, tries)
            if new_tries <= old_tries:
                assert tries <= old_tries, path
        elif "/key" in path:
            assert value in (old[path], old[path] - 1, new[path]), path
            assert value <= max(old[path], new[path])
        else:
            assert value in (old[path], new[path]), path  # old or new, never a mix
    ctx = card.channel(0)
    assert not ctx.security.pins and not ctx.security.keys  # nothing survives the cut
    assert card.transmit(bytes.fromhex("00A40000")) == b"\x90\x00"
    text = card.to_json()
    assert Card.from_json(text).to_json() == text
    assert card.internal_errors == 0


def test_cut_during_wrong_verify_gives_no_answer_and_no_free_try() -> None:
    """A wrong VERIFY decrements (one commit: journal, value, journal clear) before it
    compares. A cut at any of its writes returns no status word, and the counter is never
    back above where it was: the decrement either rolled back before any comparison, or
    stayed."""
    step = SESSION.index("0020000003999999")
    before = SNAPS[step][PIN0][0]
    outcomes = set()
    for write in range(WRITES[step] + 1, WRITES[step + 1] + 1):
        for after in (False, True):
            card = new_card()
            card.nvm.tear_at_write(write, after=after)
            responses = [card.transmit(bytes.fromhex(a)) for a in SESSION[: step + 1]]
            assert responses[-1] == b""
            card.power_on()
            outcomes.add(card.mf.children[1].pins[0].tries_left)
    assert outcomes == {before, before - 1}


def test_right_verify_also_decrements_first() -> None:
    """Even a correct PIN costs a persisted try until the match restores it (a second commit):
    a cut after the first commit completes leaves the counter one lower, so cutting the power
    at the right moment never tests PINs for free."""
    step = SESSION.index("0020000003123456")
    assert WRITES[step + 1] - WRITES[step] == 6  # two commits of three physical writes
    card = new_card()
    card.nvm.tear_at_write(WRITES[step] + 3, after=True)  # the first commit's journal clear lands
    for apdu in SESSION[: step + 1]:
        response = card.transmit(bytes.fromhex(apdu))
    assert response == b""
    card.power_on()
    assert card.mf.children[1].pins[0].tries_left == SNAPS[step][PIN0][0] - 1
