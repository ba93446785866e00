"""The agency API (enrolment, card credentials, e-credentials, filings, clearing), over HTTP and
in-process with the same results, and its refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from medical_calls import Hospital

from backends.medical.agency import Agency
from backends.medical.registry import derive_psn_no
from backends.medical.schemas import CardLink, EnrollRequest, FilingRequest
from backends.medical.seed import DEMO_AGENCY, demo_certno, demo_secret

AGENCY = (DEMO_AGENCY[0], demo_secret(DEMO_AGENCY[0]))
NEW_CERTNO = demo_certno("50010419950707007")
ENROL = {
    "certno": NEW_CERTNO,
    "psn_name": "周八",
    "gend": "1",
    "brdy": "1995-07-07",
    "insuplc_admdvs": "500000",
    "insutype": "310",
    "balc": "88.80",
}


@pytest.fixture(params=["inprocess", "http"])
def agency(request, medical_db, medical_app_client, clock):
    """The same operations through `Agency` or through /medical/... over HTTP."""
    if request.param == "inprocess":
        service = Agency(medical_db, clock=clock)
        return {
            "enroll": lambda body: service.enroll(EnrollRequest.model_validate(body)).model_dump(),
            "link": lambda body: service.link_card(CardLink.model_validate(body)),
            "unlink": service.unlink_card,
            "file": lambda body: service.file(FilingRequest.model_validate(body)).model_dump(
                mode="json"
            ),
            "clearing": lambda: [p.model_dump() for p in service.clearing()],
        }
    c = medical_app_client

    def ok(response):
        assert response.status_code in (200, 204), response.text
        return response.json() if response.status_code == 200 else None

    return {
        "enroll": lambda body: ok(c.post("/medical/insured", json=body, auth=AGENCY)),
        "link": lambda body: ok(c.post("/medical/cards", json=body, auth=AGENCY)),
        "unlink": lambda card_no: ok(c.delete(f"/medical/cards/{card_no}", auth=AGENCY)),
        "file": lambda body: ok(c.post("/medical/filings", json=body, auth=AGENCY)),
        "clearing": lambda: ok(c.get("/medical/clearing", auth=AGENCY)),
    }


def test_enrol_link_file_and_settle_across_provinces(agency, medical_db, clock):
    assert agency["enroll"](ENROL) == {"psn_no": derive_psn_no(NEW_CERTNO)}
    assert agency["enroll"](ENROL) == {"psn_no": derive_psn_no(NEW_CERTNO)}  # idempotent
    agency["link"]({"certno": NEW_CERTNO, "card_no": "A50000077", "card_sn": "SN0077"})
    h = Hospital(medical_db, "H44030000001", "440300", clock)
    h.sign_in()
    info = h.person("03", "A50000077", "SN0077")
    assert info["insuinfo"][0]["balc"] == "88.80"
    psn_no = info["baseinfo"]["psn_no"]
    filing = agency["file"]({"psn_no": psn_no, "dest_admdvs": "440300", "kind": "temporary"})
    assert filing["enddate"] == (clock().date() + dt.timedelta(days=183)).isoformat()
    mdtrt_id = h.register(psn_no, NEW_CERTNO, "500000")
    h.fees("2204", mdtrt_id, psn_no, "500000", [("S-250101001", "300.00")])
    setl = h.ok("2207", h.settle_data(psn_no, mdtrt_id, "300.00"), "500000")["setlinfo"]
    # Chongqing: deductible 200, ratio 0.60 -> fund 60.00; the account pays what it holds.
    assert (setl["hifp_pay"], setl["acct_pay"], setl["balc"]) == ("60.00", "88.80", "0.00")
    assert agency["clearing"]() == [
        {"payer_admdvs": "500000", "payee_admdvs": "440300", "amount": "148.80"}
    ]
    agency["unlink"]("A50000077")
    refused = h.call(
        "1101",
        {"data": {"mdtrt_cert_type": "03", "mdtrt_cert_no": "A50000077", "card_sn": "SN0077"}},
    )
    assert refused["infcode"] == -1 and "not valid" in refused["err_msg"]


BAD = [
    ("/medical/insured", {**ENROL, "certno": NEW_CERTNO[:-1] + "0"}, 400, "GB 11643"),
    ("/medical/insured", {**ENROL, "balc": "-1"}, 422, "negative"),
    ("/medical/insured", {**ENROL, "insuplc_admdvs": "999999"}, 400, "region"),
    ("/medical/insured", {**ENROL, "brdy": "yesterday"}, 422, "brdy"),
    ("/medical/cards", {"certno": NEW_CERTNO, "card_no": "X1", "card_sn": "S"}, 404, "no insured"),
    ("/medical/filings", {"psn_no": "NOBODY", "dest_admdvs": "440300"}, 404, "no insurance"),
    ("/medical/filings", {"psn_no": "X", "dest_admdvs": "440300", "kind": "forever"}, 422, "kind"),
]


@pytest.mark.parametrize(("path", "body", "status", "words"), BAD)
def test_bad_agency_requests_are_4xx_with_a_reason(medical_app_client, path, body, status, words):
    response = medical_app_client.post(path, json=body, auth=AGENCY)
    assert response.status_code == status, response.text
    assert words in response.text
