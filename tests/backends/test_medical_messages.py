"""Idempotency by msgid, 2601 reversal (also of timed-out messages), reconciliation 3201/3202."""

from __future__ import annotations

from decimal import Decimal

import pytest
from medical_calls import Hospital
from sqlalchemy import func, select

from backends.medical.models import Settlement

SZ = "H44030000001"


@pytest.fixture(params=["inprocess", "http"])
def visit(request, medical_db, medical_app_client, clock, person):
    if request.param == "inprocess" and medical_db.engine.dialect.name == "postgresql":
        pytest.skip("in-process = HTTP is checked on SQLite; PostgreSQL runs the HTTP path")
    client = medical_app_client if request.param == "http" else None
    h = Hospital(medical_db, SZ, "440300", clock, client)
    h.sign_in()
    p = person(0)
    psn_no = h.person("02", p["certno"])["baseinfo"]["psn_no"]
    mdtrt_id = h.register(psn_no, p["certno"], "440300")
    h.fees("2204", mdtrt_id, psn_no, "440300", [("S-250101001", "200.00")])
    return h, p, psn_no, mdtrt_id


def _balc(h, p) -> Decimal:
    return Decimal(h.person("02", p["certno"])["insuinfo"][0]["balc"])


def _settlements(db) -> int:
    return db.run(lambda s: s.scalar(select(func.count()).select_from(Settlement)))


def test_retry_with_same_msgid_returns_same_result_applied_once(visit, medical_db):
    h, p, psn_no, mdtrt_id = visit
    body = h.envelope("2207", h.settle_data(psn_no, mdtrt_id, "200.00"), "440300")
    first = h.send(body)
    second = h.send(body)
    assert first["infcode"] == 0 and first == second
    assert _settlements(medical_db) == 1
    assert _balc(h, p) == Decimal("1200.00") - Decimal(first["output"]["setlinfo"]["acct_pay"])
    reused = h.send({**body, "infno": "2206"})
    assert reused["infcode"] == -1 and "already used" in reused["err_msg"]


def test_2601_reverses_a_settlement_completely(visit, medical_db):
    h, p, psn_no, mdtrt_id = visit
    body = h.envelope("2207", h.settle_data(psn_no, mdtrt_id, "200.00"), "440300")
    assert h.send(body)["infcode"] == 0
    assert _balc(h, p) < Decimal("1200.00")
    rev = {"data": {"psn_no": psn_no, "omsgid": body["msgid"], "oinfno": "2207"}}
    assert h.ok("2601", rev, "440300")["data"]["rvs_rslt"] == "reversed"
    assert _balc(h, p) == Decimal("1200.00")
    assert h.ok("2601", rev, "440300")["data"]["rvs_rslt"] == "already"
    retry = h.send(body)
    assert retry["infcode"] == -1 and "reversed" in retry["err_msg"]
    # The fees are free again: a new settlement (new msgid) goes through.
    assert h.ok("2207", h.settle_data(psn_no, mdtrt_id, "200.00"), "440300")


def test_timed_out_settlement_reversed_before_it_arrives_never_applies(visit, medical_db):
    h, p, psn_no, mdtrt_id = visit
    lost = h.envelope("2207", h.settle_data(psn_no, mdtrt_id, "200.00"), "440300")
    rev = {"data": {"psn_no": psn_no, "omsgid": lost["msgid"], "oinfno": "2207"}}
    assert h.ok("2601", rev, "440300")["data"]["rvs_rslt"] == "blocked"
    late = h.send(lost)  # the delayed original arrives after the caller gave up
    assert late["infcode"] == -1 and "reversed" in late["err_msg"]
    assert _settlements(medical_db) == 0
    assert _balc(h, p) == Decimal("1200.00")


def test_2601_of_registration_and_fees(visit, medical_db):
    h, _p, psn_no, mdtrt_id = visit
    fee_msg = h.envelope(
        "2204",
        {
            "feedetail": [
                {
                    "feedetl_sn": "extra",
                    "mdtrt_id": mdtrt_id,
                    "psn_no": psn_no,
                    "med_list_codg": "X-J01CA04",
                    "det_item_fee_sumamt": "5.00",
                }
            ]
        },
        "440300",
    )
    assert h.send(fee_msg)["infcode"] == 0
    h.ok(
        "2601", {"data": {"psn_no": psn_no, "omsgid": fee_msg["msgid"], "oinfno": "2204"}}, "440300"
    )
    # The reversed fee is gone: only the first 200.00 remain to settle.
    assert h.ok("2206", h.settle_data(psn_no, mdtrt_id, "200.00"), "440300")
    not_reversible = h.call(
        "2601", {"data": {"psn_no": psn_no, "omsgid": fee_msg["msgid"], "oinfno": "2203"}}, "440300"
    )
    assert not_reversible["infcode"] == -1 and "cannot be reversed" in not_reversible["err_msg"]


def test_3201_totals_balance_and_3202_details(visit, medical_db, clock):
    h, _p, psn_no, mdtrt_id = visit
    setl = h.ok("2207", h.settle_data(psn_no, mdtrt_id, "200.00"), "440300")["setlinfo"]
    totals = {
        "insutype": "310",
        "clr_type": "11",
        "setl_optins": "440300",
        "stmt_begndate": "2026-03-01",
        "stmt_enddate": "2026-03-02",
        "medfee_sumamt": setl["medfee_sumamt"],
        "fund_pay_sumamt": setl["fund_pay_sumamt"],
        "acct_pay": setl["acct_pay"],
        "fixmedins_setl_cnt": 1,
    }
    assert h.ok("3201", {"data": totals})["stmtinfo"]["stmt_rslt"] == "0"
    off = h.ok("3201", {"data": {**totals, "acct_pay": "0.01"}})["stmtinfo"]
    assert off["stmt_rslt"] == "1" and "acct_pay" in off["stmt_rslt_dscr"]
    detail = {
        "setl_optins": "440300",
        "stmt_begndate": "2026-03-01",
        "stmt_enddate": "2026-03-02",
        "medfee_sumamt": setl["medfee_sumamt"],
        "fund_pay_sumamt": setl["fund_pay_sumamt"],
        "cash_payamt": setl["psn_cash_pay"],
        "fixmedins_setl_cnt": 1,
        "details": [
            {
                "setl_id": setl["setl_id"],
                "medfee_sumamt": setl["medfee_sumamt"],
                "fund_pay_sumamt": setl["fund_pay_sumamt"],
                "acct_pay": setl["acct_pay"],
            },
            {"setl_id": "UNKNOWN", "medfee_sumamt": 1, "fund_pay_sumamt": 0, "acct_pay": 0},
        ],
    }
    out = h.ok("3202", {"data": detail})
    results = {row["setl_id"]: row["stmt_rslt"] for row in out["stmtdetail"]}
    assert results == {setl["setl_id"]: "0", "UNKNOWN": "3"}
    assert out["stmtinfo"]["stmt_rslt"] == "1"  # the unknown row spoils the balance
