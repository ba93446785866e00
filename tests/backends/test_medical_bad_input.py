"""Bad input gets the envelope's error form (infcode -1, a clear err_msg), never a 500 and
never a partial write."""

from __future__ import annotations

import pytest
from medical_calls import ENDPOINT, Hospital
from sqlalchemy import func, select

from backends.core.db import Base
from backends.medical.seed import demo_secret

SZ = "H44030000001"
AUTH = (SZ, demo_secret(SZ))


def counts(db) -> dict[str, int]:
    def work(session):
        return {
            name: session.scalar(select(func.count()).select_from(table))
            for name, table in Base.metadata.tables.items()
            if name.startswith("medical_") or name.startswith("core_")
        }

    return db.run(work)


# Cases that write before they fail: the rollback is checked on every engine.
ON_EVERY_ENGINE = {
    "second fee row bad (first must not be written)",
    "settle without fees",
    "NUL character in a stored text",
    "amount beyond the largest",
    "diagnosis name too long",
}


@pytest.fixture
def ready(request, medical_db, medical_app_client, clock, person):
    case = getattr(request.node, "callspec", None) and request.node.callspec.params.get("case")
    if medical_db.engine.dialect.name != "sqlite" and case and case not in ON_EVERY_ENGINE:
        pytest.skip("validation does not depend on the engine; see ON_EVERY_ENGINE")
    h = Hospital(medical_db, SZ, "440300", clock, medical_app_client)
    h.sign_in()
    p = person(0)
    psn_no = h.person("02", p["certno"])["baseinfo"]["psn_no"]
    mdtrt_id = h.register(psn_no, p["certno"], "440300")
    return h, psn_no, mdtrt_id


def _fee(mdtrt_id, psn_no, sn, amount="10.00", **over):
    return {
        "feedetl_sn": sn,
        "mdtrt_id": mdtrt_id,
        "psn_no": psn_no,
        "med_list_codg": "S-250101001",
        "det_item_fee_sumamt": amount,
        **over,
    }


CASES = {
    "unknown infno": (lambda h, p, m: h.envelope("9999", {}), "unknown infno"),
    "missing infno": (
        lambda h, p, m: {k: v for k, v in h.envelope("1101", {}).items() if k != "infno"},
        "infno",
    ),
    "msgid of wrong type": (lambda h, p, m: h.envelope("9001", {}, msgid=12345), "msgid"),
    "msgid too short": (lambda h, p, m: h.envelope("9001", {}, msgid="H4403"), "msgid"),
    "input not an object": (lambda h, p, m: h.envelope("1101", ["x"]), "input"),
    "missing data node": (lambda h, p, m: h.envelope("1101", {}), "input.data is missing"),
    "bad ID check digit": (
        lambda h, p, m: h.envelope(
            "1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "440305198001010010"}}
        ),
        "GB 11643",
    ),
    "unknown credential type": (
        lambda h, p, m: h.envelope(
            "1101", {"data": {"mdtrt_cert_type": "09", "mdtrt_cert_no": "1"}}
        ),
        "mdtrt_cert_type",
    ),
    "negative fee": (
        lambda h, p, m: h.envelope("2204", {"feedetail": [_fee(m, p, "1", "-5.00")]}, "440300"),
        "negative",
    ),
    "fee with three decimals": (
        lambda h, p, m: h.envelope("2204", {"feedetail": [_fee(m, p, "1", "1.005")]}, "440300"),
        "two decimals",
    ),
    "fee amount not a number": (
        lambda h, p, m: h.envelope("2204", {"feedetail": [_fee(m, p, "1", "ten")]}, "440300"),
        "det_item_fee_sumamt",
    ),
    "fee amount boolean": (
        lambda h, p, m: h.envelope("2204", {"feedetail": [_fee(m, p, "1", True)]}, "440300"),
        "det_item_fee_sumamt",
    ),
    "second fee row bad (first must not be written)": (
        lambda h, p, m: h.envelope(
            "2204", {"feedetail": [_fee(m, p, "1"), _fee(m, p, "1")]}, "440300"
        ),
        "already uploaded",
    ),
    "cnt x pric mismatch": (
        lambda h, p, m: h.envelope(
            "2204", {"feedetail": [_fee(m, p, "1", "10.00", cnt=2, pric="6.00")]}, "440300"
        ),
        "cnt x pric",
    ),
    "negative settlement total": (
        lambda h, p, m: h.envelope(
            "2207",
            {"data": {"psn_no": p, "mdtrt_id": m, "insutype": "310", "medfee_sumamt": -1}},
            "440300",
        ),
        "negative",
    ),
    "settle without fees": (
        lambda h, p, m: h.envelope(
            "2207",
            {"data": {"psn_no": p, "mdtrt_id": m, "insutype": "310", "medfee_sumamt": 0}},
            "440300",
        ),
        "no unsettled fees",
    ),
    "unknown visit": (
        lambda h, p, m: h.envelope(
            "2207",
            {"data": {"psn_no": p, "mdtrt_id": "X" * 30, "insutype": "310", "medfee_sumamt": 1}},
            "440300",
        ),
        "not found",
    ),
    "NUL character in a stored text": (
        lambda h, p, m: h.envelope("2204", {"feedetail": [_fee(m, p, "A\x00B")]}, "440300"),
        "NUL",
    ),
    "amount beyond the largest": (
        lambda h, p, m: h.envelope("2204", {"feedetail": [_fee(m, p, "1", "1e20")]}, "440300"),
        "exceeds",
    ),
    "diagnosis name too long": (
        lambda h, p, m: h.envelope(
            "2203",
            {"mdtrtinfo": {"mdtrt_id": m, "psn_no": p, "med_type": "11", "dise_name": "x" * 200}},
            "440300",
        ),
        "dise_name",
    ),
    "missing sign_no": (lambda h, p, m: h.envelope("1101", {}, sign_no=""), "sign_no"),
    "acct flag not 0/1": (
        lambda h, p, m: h.envelope(
            "2206",
            {
                "data": {
                    "psn_no": p,
                    "mdtrt_id": m,
                    "insutype": "310",
                    "medfee_sumamt": 1,
                    "acct_used_flag": "yes",
                }
            },
            "440300",
        ),
        "acct_used_flag",
    ),
    "3201 count not an integer": (
        lambda h, p, m: h.envelope(
            "3201",
            {
                "data": {
                    "insutype": "310",
                    "clr_type": "11",
                    "setl_optins": "440300",
                    "stmt_begndate": "2026-03-01",
                    "stmt_enddate": "2026-03-02",
                    "medfee_sumamt": 0,
                    "fund_pay_sumamt": 0,
                    "acct_pay": 0,
                    "fixmedins_setl_cnt": "many",
                }
            },
        ),
        "fixmedins_setl_cnt",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_envelope_is_refused_cleanly_and_writes_nothing(ready, medical_db, case):
    h, psn_no, mdtrt_id = ready
    build, expected = CASES[case]
    before = counts(medical_db)
    response = h.client.post(ENDPOINT, json=build(h, psn_no, mdtrt_id), auth=AUTH)
    assert response.status_code == 200
    answer = response.json()
    assert answer["infcode"] == -1
    assert expected in answer["err_msg"]
    assert answer["output"] is None
    assert counts(medical_db) == before


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"[1, 2]", b'"text"', b"", b'{"infno": NaN}', b"null", b"[" * 5000],
)
def test_body_that_is_not_an_envelope(ready, medical_db, raw):
    h, _psn_no, _mdtrt_id = ready
    before = counts(medical_db)
    response = h.client.post(
        ENDPOINT, content=raw, headers={"content-type": "application/json"}, auth=AUTH
    )
    assert response.status_code == 200
    assert response.json()["infcode"] == -1 and response.json()["err_msg"]
    assert counts(medical_db) == before


def test_settlement_total_must_match_uploaded_fees(ready, medical_db):
    h, psn_no, mdtrt_id = ready
    h.fees("2204", mdtrt_id, psn_no, "440300", [("S-250101001", "10.00")])
    before = counts(medical_db)
    answer = h.call("2207", h.settle_data(psn_no, mdtrt_id, "10.01"), "440300")
    assert answer["infcode"] == -1 and "does not match" in answer["err_msg"]
    assert counts(medical_db) == before
