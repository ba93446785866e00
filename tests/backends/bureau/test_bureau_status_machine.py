"""The card status machine against a small trusted model (hypothesis stateful test)."""

from __future__ import annotations

import datetime as dt

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from service_world import ManualClock

from backends.bureau.service import BureauService
from backends.core.db import Database
from backends.core.errors import DomainError
from card_os.codecs import citizen_id_check_digit

BODY = "50010119900101123"
HOLDER = BODY + citizen_id_check_digit(BODY)
LAPSE = dt.timedelta(days=7)


class CardModel:
    """What the reference says should happen (backend-flows §3.1, §3.4, §3.6)."""

    def __init__(self) -> None:
        self.status, self.before, self.until, self.reissued = 0, None, None, False

    def lapse(self, now: dt.datetime) -> None:
        if self.status == 4 and self.until is not None and self.until <= now:
            self.status, self.until = self.before if self.before is not None else 1, None

    def apply(self, op: str, now: dt.datetime) -> bool:
        """Apply ``op``; False when it must be refused."""
        self.lapse(now)
        s = self.status
        if s == 9:
            return False
        if op == "activate":
            ok, new = s == 0, 1
        elif op == "temporary_loss":
            ok, new = s in (0, 1, 3, 4), 4
            if ok:
                self.before = self.before if s == 4 else s
                self.until = now + LAPSE
        elif op == "formal_loss":
            ok, new = s in (0, 1, 3, 4), 2
        elif op == "unreport":
            ok, new = s == 4 and not self.reissued, self.before if self.before is not None else 1
        elif op == "lock":
            ok, new = s == 1, 3
        elif op == "unlock":
            ok, new = s == 3, 1
        elif op == "reissue":
            ok, new = s in (2, 4) and not self.reissued, 2
            self.reissued = self.reissued or ok
        else:  # cancel
            ok, new = True, 9
        if ok:
            self.status = new
            if new != 4:
                self.until = None
        return ok


class StatusMachine(RuleBasedStateMachine):
    @initialize()
    def issue(self) -> None:
        self.clock = ManualClock(dt.datetime(2026, 1, 1))
        self.db = Database("sqlite://")
        self.db.create_all(["bureau"])
        self.model = CardModel()
        with self.db.transaction() as s:
            bureau = BureauService(s, self.clock)
            bureau.register_person(HOLDER, "张三", "1", dt.date(1990, 1, 1), "500101")
            card = bureau.produce(bureau.apply(HOLDER, "500101").id)
            bureau.collect(card.card_no, HOLDER)
        self.card_no = card.card_no

    def _do(self, op: str) -> None:
        expected = self.model.apply(op, self.clock())
        acts = {
            "activate": lambda b: b.activate_social(self.card_no),
            "temporary_loss": lambda b: b.report_temporary_loss(self.card_no, "phone"),
            "formal_loss": lambda b: b.report_formal_loss(self.card_no, HOLDER),
            "unreport": lambda b: b.unreport(self.card_no, HOLDER),
            "lock": lambda b: b.lock(self.card_no),
            "unlock": lambda b: b.unlock(self.card_no, HOLDER),
            "reissue": lambda b: b.order_reissue(self.card_no, HOLDER, "500101"),
            "cancel": lambda b: b.cancel(self.card_no, HOLDER),
        }
        try:
            with self.db.transaction() as s:
                acts[op](BureauService(s, self.clock))
            done = True
        except DomainError:
            done = False
        assert done == expected, f"{op}: service {'did' if done else 'refused'} it"

    # Irreversible acts (formal loss, reissue, cancel) are rarer so that runs live long enough
    # to reach the interesting combinations of loss, lock and time.
    @rule(op=st.sampled_from(
        ["activate", "temporary_loss", "temporary_loss", "unreport", "lock", "lock", "unlock",
         "activate", "temporary_loss", "unlock", "formal_loss", "reissue", "cancel"]
    ))  # fmt: skip
    def operate(self, op: str) -> None:
        self._do(op)

    @rule(days=st.integers(min_value=0, max_value=9), hours=st.integers(min_value=0, max_value=23))
    def time_passes(self, days: int, hours: int) -> None:
        self.clock.advance(days=days, hours=hours)
        self.model.lapse(self.clock())

    @invariant()
    def same_status(self) -> None:
        if not hasattr(self, "db"):
            return
        with self.db.transaction() as s:
            view = BureauService(s, self.clock).card(self.card_no)
        self.model.lapse(self.clock())
        assert view.status == self.model.status
        assert view.blacklisted == (self.model.status in (2, 3, 4, 9))

    def teardown(self) -> None:
        if hasattr(self, "db"):
            self.db.dispose()


StatusMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=25, deadline=None)
test_status_machine = StatusMachine.TestCase
