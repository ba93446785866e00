"""Outpatient and inpatient transactions, in-process and over HTTP with the same results."""

from __future__ import annotations

from decimal import Decimal

import pytest
from medical_calls import Hospital, fresh_database, strip_generated

from backends.medical.seed import demo_secret

SZ = "H44030000001"


@pytest.fixture(params=["inprocess", "http"])
def hospital(request, medical_db, medical_app_client, clock) -> Hospital:
    if request.param == "inprocess" and medical_db.engine.dialect.name == "postgresql":
        pytest.skip("in-process = HTTP is checked on SQLite; PostgreSQL runs the HTTP path")
    client = medical_app_client if request.param == "http" else None
    h = Hospital(medical_db, SZ, "440300", clock, client)
    h.sign_in()
    return h


def _balc(h: Hospital, p: dict) -> Decimal:
    info = h.person("03", p["card_no"], p["card_sn"])
    return Decimal(info["insuinfo"][0]["balc"])


def test_person_info_by_each_credential_type(hospital, person, medical_db):
    p = person(0)
    by_card = hospital.person("03", p["card_no"], p["card_sn"])
    by_id = hospital.person("02", p["certno"])
    assert by_card == by_id
    assert by_card["baseinfo"]["certno"] == p["certno"]
    assert by_card["insuinfo"][0]["balc"] == p["balc"]
    assert by_card["insuinfo"][0]["insuplc_admdvs"] == "440300"
    from backends.medical.registry import InsuredRegistry

    token = medical_db.run(lambda s: InsuredRegistry(s).issue_ecredential(p["certno"]))
    assert hospital.person("01", token) == by_card


def test_card_credential_needs_the_card_identification_code(hospital, person):
    p = person(0)
    missing = hospital.call(
        "1101", {"data": {"mdtrt_cert_type": "03", "mdtrt_cert_no": p["card_no"]}}
    )
    assert missing["infcode"] == -1 and "card_sn" in missing["err_msg"]
    wrong = hospital.call(
        "1101",
        {"data": {"mdtrt_cert_type": "03", "mdtrt_cert_no": p["card_no"], "card_sn": "WRONG"}},
    )
    assert wrong["infcode"] == -1 and "card_sn" in wrong["err_msg"]


def test_outpatient_settlement_splits_and_restores_on_cancel(hospital, person):
    p = person(0)  # Shenzhen employee, balance 1200.00
    psn_no = hospital.person("02", p["certno"])["baseinfo"]["psn_no"]
    mdtrt_id = hospital.register(psn_no, p["certno"], "440300")
    assert (
        hospital.ok(
            "2203",
            {
                "mdtrtinfo": {"mdtrt_id": mdtrt_id, "psn_no": psn_no, "med_type": "11"},
                "diseinfo": [],
            },
            "440300",
        )
        == {}
    )
    uploaded = hospital.fees(
        "2204", mdtrt_id, psn_no, "440300", [("X-L01XC02", "100.00"), ("Z-COSM001", "30.50")]
    )
    assert [r["chrgitm_lv"] for r in uploaded["result"]] == ["B", "C"]
    data = hospital.settle_data(psn_no, mdtrt_id, "130.50")
    pre = hospital.ok("2206", data, "440300")["setlinfo"]
    assert _balc(hospital, p) == Decimal("1200.00")  # pre-settlement changes nothing
    setl = hospital.ok("2207", data, "440300")["setlinfo"]
    for field in ("medfee_sumamt", "fund_pay_sumamt", "acct_pay", "psn_cash_pay", "balc"):
        assert pre[field] == setl[field]
    # Shenzhen 310 outpatient: B item 10% preselfpay, ratio 0.70, no deductible; C item own pay.
    assert setl["preselfpay_amt"] == "10.00"
    assert setl["fulamt_ownpay_amt"] == "30.50"
    assert setl["hifp_pay"] == "63.00"
    assert setl["acct_pay"] == "37.00"  # the in-scope personal part; own pay stays cash
    assert setl["psn_cash_pay"] == "30.50"
    assert setl["balc"] == "1163.00"
    assert _balc(hospital, p) == Decimal("1163.00")

    cancel = {"data": {"setl_id": setl["setl_id"], "mdtrt_id": mdtrt_id, "psn_no": psn_no}}
    undone = hospital.ok("2208", cancel, "440300")["setlinfo"]
    assert undone["acct_pay"] == "-37.00" and undone["fund_pay_sumamt"] == "-63.00"
    assert undone["balc"] == "1200.00"
    assert _balc(hospital, p) == Decimal("1200.00")
    again = hospital.call("2208", cancel, "440300")
    assert again["infcode"] == -1 and "already" in again["err_msg"]
    # After the cancel the fees are free again and can be settled anew.
    assert hospital.ok("2207", data, "440300")["setlinfo"]["balc"] == "1163.00"


def test_account_not_used_without_flag_and_balance_caps_it(hospital, person):
    p = person(0)
    psn_no = hospital.person("02", p["certno"])["baseinfo"]["psn_no"]
    mdtrt_id = hospital.register(psn_no, p["certno"], "440300")
    hospital.fees("2204", mdtrt_id, psn_no, "440300", [("S-250101001", "5000.00")])
    no_acct = hospital.ok(
        "2206", hospital.settle_data(psn_no, mdtrt_id, "5000.00", acct="0"), "440300"
    )
    assert no_acct["setlinfo"]["acct_pay"] == "0.00"
    assert no_acct["setlinfo"]["psn_cash_pay"] == "1500.00"
    setl = hospital.ok("2207", hospital.settle_data(psn_no, mdtrt_id, "5000.00"), "440300")
    assert setl["setlinfo"]["acct_pay"] == "1200.00"  # the whole balance, no more
    assert setl["setlinfo"]["psn_cash_pay"] == "300.00"
    assert setl["setlinfo"]["balc"] == "0.00"


def test_inpatient_interim_and_final_settlement_then_cancel(hospital, person):
    p = person(0)
    psn_no = hospital.person("02", p["certno"])["baseinfo"]["psn_no"]
    mdtrt_id = hospital.admit(psn_no, p["certno"], "440300")
    hospital.fees("2301", mdtrt_id, psn_no, "440300", [("S-330100001", "2000.00")])
    interim = hospital.settle_data(psn_no, mdtrt_id, "2000.00", mid_setl_flag="1")
    first = hospital.ok("2304", interim, "440300")["setlinfo"]
    # Inpatient deductible 1000 per admission, ratio 0.90.
    assert first["act_pay_dedc"] == "1000.00" and first["hifp_pay"] == "900.00"
    hospital.fees("2301", mdtrt_id, psn_no, "440300", [("X-J01CA04", "500.00")])
    final = hospital.settle_data(psn_no, mdtrt_id, "500.00", mid_setl_flag="0")
    pre = hospital.ok("2303", final, "440300")["setlinfo"]
    second = hospital.ok("2304", final, "440300")["setlinfo"]
    assert pre["hifp_pay"] == second["hifp_pay"] == "450.00"  # deductible already met
    assert second["act_pay_dedc"] == "0.00"
    # Discharged: no more fees on this admission.
    late = hospital.call(
        "2301",
        {
            "feedetail": [
                {
                    "feedetl_sn": "late",
                    "mdtrt_id": mdtrt_id,
                    "psn_no": psn_no,
                    "med_list_codg": "X-J01CA04",
                    "det_item_fee_sumamt": "1.00",
                }
            ]
        },
        "440300",
    )
    assert late["infcode"] == -1 and "discharged" in late["err_msg"]
    cancel = {"data": {"setl_id": second["setl_id"], "mdtrt_id": mdtrt_id, "psn_no": psn_no}}
    hospital.ok("2305", cancel, "440300")
    assert _balc(hospital, p) == Decimal("1200.00") - Decimal(first["acct_pay"])


def test_in_process_and_http_give_the_same_answers(medical_db, clock, person, tmp_path_factory):
    from fastapi.testclient import TestClient

    from backends.core.app import create_app
    from backends.core.settings import Settings

    def scenario(h: Hospital) -> list:
        p = person(2)  # Chongqing person: exercises the national route with a filing
        h.sign_in()
        answers = [h.person("03", p["card_no"], p["card_sn"])]
        psn_no = answers[0]["baseinfo"]["psn_no"]
        answers.append(
            h.ok(
                "2501",
                {"refmedin": {"psn_no": psn_no, "insutype": "310", "mdtrtarea_admdvs": "440300"}},
                "500000",
            )
        )
        mdtrt_id = h.register(psn_no, p["certno"], "500000", otp="SAME")
        answers.append(
            h.fees(
                "2204",
                mdtrt_id,
                psn_no,
                "500000",
                [("X-L01XC02", "321.45"), ("S-110200001", "20.00")],
            )
        )
        data = h.settle_data(psn_no, mdtrt_id, "341.45")
        answers.append(h.ok("2206", data, "500000"))
        answers.append(h.ok("2207", data, "500000"))
        answers.append(h.call("2207", {"data": {}}, "500000"))
        return strip_generated(answers)

    inprocess = scenario(Hospital(medical_db, SZ, "440300", clock))
    other = fresh_database("sqlite")
    app = create_app(Settings(seed_demo=False, create_tables=False), other, packages=["medical"])
    app.state.clock = clock
    with TestClient(app) as client:
        over_http = scenario(Hospital(other, SZ, "440300", clock, client))
    assert inprocess == over_http
    assert inprocess[4]["setlinfo"]["medfee_sumamt"] == "341.45"


def test_http_requires_the_institution_credential(medical_app_client):
    body = {"infno": "9001", "input": {}}
    assert (
        medical_app_client.post("/fsi/api/rsfComIfsService/callService", json=body).status_code
        == 401
    )
    wrong = medical_app_client.post(
        "/fsi/api/rsfComIfsService/callService", json=body, auth=(SZ, "not-the-secret")
    )
    assert wrong.status_code == 401
    right = medical_app_client.post(
        "/fsi/api/rsfComIfsService/callService", json=body, auth=(SZ, demo_secret(SZ))
    )
    assert right.status_code == 200 and right.json()["infcode"] == -1
