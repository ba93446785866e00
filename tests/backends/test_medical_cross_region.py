"""Cross-region settlement: routing, filings, catalogue vs benefit regions, clearing (§2)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from medical_calls import Hospital

from backends.medical.agency import Agency
from backends.medical.national import Clearing
from backends.medical.schemas import FilingRequest

SZ = "H44030000001"


@pytest.fixture
def shenzhen(medical_db, clock) -> Hospital:
    h = Hospital(medical_db, SZ, "440300", clock)
    h.sign_in()
    return h


def _visit(h: Hospital, p: dict, items, med_type: str = "") -> tuple[str, str, str]:
    base = h.person("02", p["certno"])
    psn_no = base["baseinfo"]["psn_no"]
    region = base["insuinfo"][0]["insuplc_admdvs"]
    mdtrt_id = h.register(psn_no, p["certno"], region, med_type=med_type)
    h.fees("2204", mdtrt_id, psn_no, region, items)
    return psn_no, region, mdtrt_id


def _positions(db) -> dict:
    return db.run(lambda s: Clearing(s).positions())


def test_cross_province_needs_a_filing(shenzhen, person, medical_db):
    psn_no, region, mdtrt_id = _visit(shenzhen, person(2), [("S-250101001", "100.00")])
    refused = shenzhen.call("2207", shenzhen.settle_data(psn_no, mdtrt_id, "100.00"), region)
    assert refused["infcode"] == -1 and "filing" in refused["err_msg"]
    assert _positions(medical_db) == {}


def test_filed_cross_province_settlement_uses_both_regions_and_clears(
    shenzhen, person, medical_db, clock
):
    p = person(2)  # insured in Chongqing (500000), treated in Shenzhen (440300)
    psn_no, region, mdtrt_id = _visit(
        shenzhen, p, [("X-L01XC02", "1000.00"), ("Z-COSM001", "50.00")]
    )
    Agency(medical_db, clock=clock).file(
        FilingRequest(psn_no=psn_no, dest_admdvs="440300", kind="temporary")
    )
    setl = shenzhen.ok("2207", shenzhen.settle_data(psn_no, mdtrt_id, "1050.00"), region)
    info = setl["setlinfo"]
    # Catalogue of the place of treatment: X-L01XC02 is class B in Shenzhen (10% preselfpay),
    # although Chongqing lists it as own pay.
    assert info["preselfpay_amt"] == "100.00" and info["fulamt_ownpay_amt"] == "50.00"
    # Policy of the place of insurance: Chongqing 310 outpatient deductible 200, ratio 0.60,
    # and its personal account may pay own-pay items too.
    assert info["act_pay_dedc"] == "200.00"
    assert info["hifp_pay"] == "420.00"  # (900 - 200) x 0.60
    assert info["acct_pay"] == "630.00" and info["psn_cash_pay"] == "0.00"
    assert info["balc"] == "2370.00"
    owed = Decimal(info["fund_pay_sumamt"]) + Decimal(info["acct_pay"])
    assert _positions(medical_db) == {("500000", "440300"): owed}
    # Cancelling the settlement cancels the clearing to the cent.
    cancel = {"data": {"setl_id": info["setl_id"], "mdtrt_id": mdtrt_id, "psn_no": psn_no}}
    shenzhen.ok("2208", cancel, region)
    assert _positions(medical_db) == {("500000", "440300"): Decimal("0.00")}


def test_emergency_counts_as_filed(shenzhen, person, medical_db):
    psn_no, region, mdtrt_id = _visit(shenzhen, person(3), [("S-250101001", "80.00")], "13")
    setl = shenzhen.ok("2207", shenzhen.settle_data(psn_no, mdtrt_id, "80.00"), region)
    assert setl["setlinfo"]["med_type"] == "13"
    assert ("320100", "440300") in _positions(medical_db)


def test_referral_filing_2501_and_its_cancel_2502(shenzhen, person):
    psn_no, region, mdtrt_id = _visit(shenzhen, person(3), [("S-250101001", "80.00")])
    filed = shenzhen.ok(
        "2501",
        {"refmedin": {"psn_no": psn_no, "insutype": "310", "mdtrtarea_admdvs": "440300"}},
        region,
    )
    sn = filed["result"]["trt_dcla_detl_sn"]
    shenzhen.ok("2502", {"data": {"trt_dcla_detl_sn": sn, "psn_no": psn_no}}, region)
    refused = shenzhen.call("2207", shenzhen.settle_data(psn_no, mdtrt_id, "80.00"), region)
    assert refused["infcode"] == -1 and "filing" in refused["err_msg"]
    shenzhen.ok(
        "2501",
        {"refmedin": {"psn_no": psn_no, "insutype": "310", "mdtrtarea_admdvs": "440300"}},
        region,
    )
    assert shenzhen.ok("2207", shenzhen.settle_data(psn_no, mdtrt_id, "80.00"), region)


def test_in_province_other_region_settles_without_filing_or_clearing(shenzhen, person, medical_db):
    psn_no, region, mdtrt_id = _visit(shenzhen, person(4), [("S-250101001", "100.00")])
    assert region == "440100"
    setl = shenzhen.ok("2207", shenzhen.settle_data(psn_no, mdtrt_id, "100.00"), region)
    assert setl["setlinfo"]["hifp_pay"] == "65.00"  # Guangzhou's outpatient ratio 0.65
    assert _positions(medical_db) == {}


def test_envelope_insuplc_must_be_the_persons(shenzhen, person):
    psn_no, _region, mdtrt_id = _visit(shenzhen, person(2), [("S-250101001", "10.00")])
    wrong = shenzhen.call("2206", shenzhen.settle_data(psn_no, mdtrt_id, "10.00"), "440300")
    assert wrong["infcode"] == -1 and "insuplc_admdvs" in wrong["err_msg"]
    missing = shenzhen.call("2206", shenzhen.settle_data(psn_no, mdtrt_id, "10.00"), "")
    assert missing["infcode"] == -1 and "mandatory" in missing["err_msg"]


def test_clearing_reconciles_to_the_cent_over_many_settlements(shenzhen, person, medical_db):
    p = person(3)  # Nanjing
    psn_no = shenzhen.person("02", p["certno"])["baseinfo"]["psn_no"]
    shenzhen.ok(
        "2501",
        {"refmedin": {"psn_no": psn_no, "insutype": "310", "mdtrtarea_admdvs": "440300"}},
        "320100",
    )
    expected = Decimal("0.00")
    for i, amount in enumerate(["33.33", "0.01", "19.99", "250.07", "1.10"]):
        mdtrt_id = shenzhen.register(psn_no, p["certno"], "320100")
        shenzhen.fees("2204", mdtrt_id, psn_no, "320100", [("X-L01XC02", amount)])
        info = shenzhen.ok("2207", shenzhen.settle_data(psn_no, mdtrt_id, amount), "320100")[
            "setlinfo"
        ]
        if i % 2:
            shenzhen.ok(
                "2208",
                {"data": {"setl_id": info["setl_id"], "mdtrt_id": mdtrt_id, "psn_no": psn_no}},
                "320100",
            )
        else:
            expected += Decimal(info["fund_pay_sumamt"]) + Decimal(info["acct_pay"])
    assert _positions(medical_db) == {("320100", "440300"): expected}
