"""Each institution authenticates with its own credential and sees only its own business."""

from __future__ import annotations

import pytest
from medical_calls import ENDPOINT, Hospital

from backends.core.auth import InstitutionService
from backends.medical.seed import DEMO_AGENCY, demo_secret

A, B = "H44030000001", "H44030000002"


@pytest.fixture
def two(medical_db, medical_app_client, clock, person):
    a = Hospital(medical_db, A, "440300", clock, medical_app_client)
    b = Hospital(medical_db, B, "440300", clock, medical_app_client)
    a.sign_in()
    b.sign_in()
    p = person(0)
    psn_no = a.person("02", p["certno"])["baseinfo"]["psn_no"]
    mdtrt_id = a.register(psn_no, p["certno"], "440300")
    a.fees("2204", mdtrt_id, psn_no, "440300", [("S-250101001", "50.00")])
    setl = a.ok("2207", a.settle_data(psn_no, mdtrt_id, "50.00"), "440300")["setlinfo"]
    return a, b, psn_no, mdtrt_id, setl


def test_other_hospital_cannot_cancel_reverse_or_extend(two):
    a, b, psn_no, mdtrt_id, setl = two
    cancel = {"data": {"setl_id": setl["setl_id"], "mdtrt_id": mdtrt_id, "psn_no": psn_no}}
    assert "not found" in b.call("2208", cancel, "440300")["err_msg"]
    reverse = {"data": {"psn_no": psn_no, "omsgid": setl["medins_setl_id"], "oinfno": "2207"}}
    assert "not sent by" in b.call("2601", reverse, "440300")["err_msg"]
    fee = b.call(
        "2204",
        {
            "feedetail": [
                {
                    "feedetl_sn": "x",
                    "mdtrt_id": mdtrt_id,
                    "psn_no": psn_no,
                    "med_list_codg": "S-250101001",
                    "det_item_fee_sumamt": "1.00",
                }
            ]
        },
        "440300",
    )
    assert "not found" in fee["err_msg"]
    # A's settlement is still there and A can cancel it.
    assert a.ok("2208", cancel, "440300")["setlinfo"]["init_setl_id"] == setl["setl_id"]


def test_other_hospital_does_not_see_the_settlement_in_reconciliation(two):
    a, b, _psn_no, _mdtrt_id, setl = two
    query = {
        "data": {
            "setl_optins": "440300",
            "stmt_begndate": "2026-03-01",
            "stmt_enddate": "2026-03-31",
            "medfee_sumamt": 0,
            "fund_pay_sumamt": 0,
            "cash_payamt": 0,
            "fixmedins_setl_cnt": 0,
        }
    }
    assert b.ok("3202", query)["stmtdetail"] == []
    rows = a.ok("3202", query)["stmtdetail"]
    assert [r["setl_id"] for r in rows] == [setl["setl_id"]]


def test_envelope_institution_must_match_the_credential(two, medical_app_client):
    a, b, *_ = two
    forged = b.envelope(
        "9001", {"signIn": {"opter_no": "1"}}, fixmedins_code=A, msgid=A + "20260302090000" + "9999"
    )
    answer = medical_app_client.post(ENDPOINT, json=forged, auth=(B, demo_secret(B))).json()
    assert answer["infcode"] == -1 and "does not match the credential" in answer["err_msg"]
    other_region = a.call("9001", {"signIn": {"opter_no": "1"}}, mdtrtarea_admvs="500000")
    assert "region" in other_region["err_msg"]
    borrowed = b.call("1101", {"data": {}}, sign_no=a.sign_no)
    assert "sign_no" in borrowed["err_msg"]


def test_non_hospital_credentials(two, medical_app_client, medical_db):
    a, *_ = two
    medical_db.run(
        lambda s: InstitutionService(s).register("BANK00000001", "bank", "bank", "pw", "440300")
    )
    body = a.envelope("9001", {"signIn": {"opter_no": "1"}})
    answer = medical_app_client.post(ENDPOINT, json=body, auth=("BANK00000001", "pw")).json()
    assert answer["infcode"] == -1 and "may not call" in answer["err_msg"]
    # The agency API is for the insurance agency and the bureau only.
    assert medical_app_client.get("/medical/clearing").status_code == 401
    assert medical_app_client.get("/medical/clearing", auth=(A, demo_secret(A))).status_code == 403
    agency = (DEMO_AGENCY[0], demo_secret(DEMO_AGENCY[0]))
    assert medical_app_client.get("/medical/audit", auth=agency).json() == {"problems": []}
