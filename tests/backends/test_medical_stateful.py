"""A state machine of settlements, retries, cancels and reversals (also of messages that never
arrived) against a model of the personal account: every balance is restored exactly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule
from medical_calls import Hospital, ManualClock, fresh_database

from backends.medical.audit import audit
from backends.medical.seed import DEMO_PEOPLE, demo_certno

AMOUNTS = ["0.01", "19.99", "120.00", "333.33", "800.00"]
CODES = ["S-250101001", "X-L01XC02", "Z-COSM001"]


class SettlementMachine(RuleBasedStateMachine):
    visits = Bundle("visits")
    settled = Bundle("settled")

    def __init__(self) -> None:
        super().__init__()
        self.db = fresh_database("sqlite")
        self.h = Hospital(self.db, "H44030000001", "440300", ManualClock(dt.datetime(2026, 3, 2)))
        self.h.sign_in()
        self.certno = demo_certno(DEMO_PEOPLE[0][0])
        self.psn_no = self.h.person("02", self.certno)["baseinfo"]["psn_no"]
        self.balance = Decimal(DEMO_PEOPLE[0][5])
        self.live: dict[str, dict] = {}  # msgid -> setlinfo of live settlements

    def teardown(self) -> None:
        self.db.dispose()

    @rule(target=visits, amount=st.sampled_from(AMOUNTS), code=st.sampled_from(CODES))
    def new_visit(self, amount, code):
        mdtrt_id = self.h.register(self.psn_no, self.certno, "440300")
        self.h.fees("2204", mdtrt_id, self.psn_no, "440300", [(code, amount)])
        return (mdtrt_id, amount)

    @rule(target=settled, visit=visits)
    def settle(self, visit):
        mdtrt_id, amount = visit
        body = self.h.envelope("2207", self.h.settle_data(self.psn_no, mdtrt_id, amount), "440300")
        answer = self.h.send(body)
        if answer["infcode"] != 0:
            assert "no unsettled fees" in answer["err_msg"] or "cancelled" in answer["err_msg"]
            return None
        info = answer["output"]["setlinfo"]
        assert Decimal(info["acct_pay"]) <= self.balance
        self.balance -= Decimal(info["acct_pay"])
        assert Decimal(info["balc"]) == self.balance
        self.live[body["msgid"]] = info
        return (body, info)

    @rule(item=settled)
    def retry(self, item):
        if item is None:
            return
        body, info = item
        answer = self.h.send(body)
        if body["msgid"] in self.live:
            assert answer["output"]["setlinfo"] == info
        else:
            assert answer["infcode"] == -1 or answer["output"]["setlinfo"] == info

    @rule(item=settled)
    def cancel(self, item):
        if item is None:
            return
        body, info = item
        data = {"setl_id": info["setl_id"], "mdtrt_id": info["mdtrt_id"], "psn_no": self.psn_no}
        answer = self.h.call("2208", {"data": data}, "440300")
        if body["msgid"] in self.live:
            assert answer["infcode"] == 0, answer["err_msg"]
            self.balance += Decimal(self.live.pop(body["msgid"])["acct_pay"])
        else:
            assert answer["infcode"] == -1

    @rule(item=settled)
    def reverse(self, item):
        if item is None:
            return
        body, _info = item
        rev = {"data": {"psn_no": self.psn_no, "omsgid": body["msgid"], "oinfno": "2207"}}
        self.h.ok("2601", rev, "440300")
        if body["msgid"] in self.live:
            self.balance += Decimal(self.live.pop(body["msgid"])["acct_pay"])

    @rule(visit=visits)
    def lost_then_reversed(self, visit):
        mdtrt_id, amount = visit
        lost = self.h.envelope("2207", self.h.settle_data(self.psn_no, mdtrt_id, amount), "440300")
        rev = {"data": {"psn_no": self.psn_no, "omsgid": lost["msgid"], "oinfno": "2207"}}
        assert self.h.ok("2601", rev, "440300")["data"]["rvs_rslt"] == "blocked"
        assert self.h.send(lost)["infcode"] == -1

    @invariant()
    def account_matches_model_and_ledgers_balance(self):
        info = self.h.person("02", self.certno)
        assert Decimal(info["insuinfo"][0]["balc"]) == self.balance
        assert self.db.run(audit) == []


SettlementMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
test_settlement_machine = SettlementMachine.TestCase
