"""Concurrent settlements against one personal account never overspend it; concurrent
duplicates of one message are applied once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from medical_calls import ENGINES, Hospital, ManualClock, fresh_database
from sqlalchemy import func, select

from backends.medical.audit import audit
from backends.medical.models import Settlement

SZ = "H44030000001"
THREADS = 8


@pytest.fixture(params=["sqlite-file", *ENGINES[1:]])
def shared_db(request, tmp_path_factory):
    db = fresh_database(request.param, tmp_path_factory)
    yield db
    problems = db.run(audit)
    db.dispose()
    assert problems == []


def _prepared(db, clock, person, visits: int):
    h = Hospital(db, SZ, "440300", clock)
    h.sign_in()
    p = person(0)  # balance 1200.00
    psn_no = h.person("02", p["certno"])["baseinfo"]["psn_no"]
    bodies = []
    for _ in range(visits):
        mdtrt_id = h.register(psn_no, p["certno"], "440300")
        h.fees("2204", mdtrt_id, psn_no, "440300", [("S-250101001", "1000.00")])
        bodies.append(h.envelope("2207", h.settle_data(psn_no, mdtrt_id, "1000.00"), "440300"))
    return h, p, bodies


def test_parallel_settlements_never_overspend_the_account(shared_db, person):
    clock = ManualClock(__import__("datetime").datetime(2026, 3, 2, 9))
    h, p, bodies = _prepared(shared_db, clock, person, THREADS)
    with ThreadPoolExecutor(THREADS) as pool:
        answers = list(pool.map(h.send, bodies))
    assert all(a["infcode"] == 0 for a in answers), [a["err_msg"] for a in answers]
    paid = sum(Decimal(a["output"]["setlinfo"]["acct_pay"]) for a in answers)
    # Each visit's personal part is 300.00 (ratio 0.70): 8 x 300 > 1200, so the account runs dry.
    assert paid == Decimal("1200.00")
    balance = Decimal(h.person("02", p["certno"])["insuinfo"][0]["balc"])
    assert balance == Decimal("0.00")
    balances_left = sorted(Decimal(a["output"]["setlinfo"]["balc"]) for a in answers)
    assert balances_left[0] == Decimal("0.00") and len(set(balances_left[-4:])) == 4


def test_parallel_duplicates_of_one_message_apply_once(shared_db, person):
    clock = ManualClock(__import__("datetime").datetime(2026, 3, 2, 9))
    h, _p, bodies = _prepared(shared_db, clock, person, 1)
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(h.send, [bodies[0]] * 4))
    assert all(a == answers[0] for a in answers), answers
    assert answers[0]["infcode"] == 0
    count = shared_db.run(lambda s: s.scalar(select(func.count()).select_from(Settlement)))
    assert count == 1
