"""Back-end suite: the medical-insurance platform interface (backend-flows §1-§2) as a
reference client: the infno envelope, an outpatient settlement, idempotency, reversal,
authorisation and bad input. Runs against any base URL (http:<URL>) or in-process."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from conformance.context import TestContext
from conformance.http import HttpSession
from conformance.http import register as register_opener
from conformance.model import Polarity, Requirement
from conformance.requirements import _MED, register, req
from conformance.suite import Interface, Suite

register_opener()
register(
    Requirement(
        "MED-ENV",
        _MED,
        "§1.1, §1.2",
        "Every answer is the response envelope: infcode 0/-1, inf_refmsgid (30), respond_time, err_msg, output",
    ),
    Requirement(
        "MED-1101",
        _MED,
        "§1.3, §1.4",
        "1101 with a social security card (type 03 + card_sn) returns baseinfo.psn_no and insuinfo with balc",
    ),
    Requirement(
        "MED-SETTLE",
        _MED,
        "§1.4, §1.5",
        "2201/2204/2207: medfee_sumamt = fund_pay_sumamt + acct_pay + psn_cash_pay and balc falls by acct_pay",
    ),
    Requirement(
        "MED-IDEM",
        _MED,
        "§1.1 msgid, §2.4",
        "A message repeated with the same msgid is answered as the first and applied once",
    ),
    Requirement(
        "MED-RVS",
        _MED,
        "§1.4 2601, §2.4",
        "2601 reversal of a settlement restores every balance it touched, the personal account included",
    ),
    Requirement(
        "MED-AUTH",
        _MED,
        "§1.1 fixmedins_code",
        "A wrong credential is refused; one institution cannot reverse another's settlement",
    ),
    Requirement(
        "MED-BAD",
        _MED,
        "§1.2, DESIGN bad input",
        "Bad input gets infcode -1 and an err_msg naming the field, never a crash",
    ),
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SUITE = Suite(
    name="backend",
    title="Medical-insurance platform interface (infno)",
    version="1.0.0",
    interface=Interface.HTTP,
    pixit_file=FIXTURES / "backend.pixit.yaml",
)
case = SUITE.case
READY = "Platform reachable; the hospital and the person of the PIXIT exist"


def session(ctx: TestContext) -> HttpSession:
    s = ctx.session
    ctx.require(
        bool(s.hospital.code and s.person.get("card_no")),
        "PIXIT extra.backend complete",
        "hospital and person",
        "missing",
    )
    return s


def ok(ctx: TestContext, answer: tuple[int, Any], what: str) -> dict[str, Any]:
    status, body = answer
    ctx.require(
        status == 200 and isinstance(body, dict) and body.get("infcode") == 0,
        what,
        "HTTP 200, infcode 0",
        f"{status} {str(body)[:200]}",
    )
    return body.get("output") or {}


def sign_in(ctx: TestContext, s: HttpSession) -> None:
    out = ok(
        ctx, s.call("9001", {"signIn": {"opter_no": "001", "mac": "", "ip": ""}}), "9001 sign-in"
    )
    s.sign_no = out["signinoutb"]["sign_no"]


def person_info(ctx: TestContext, s: HttpSession) -> tuple[str, Decimal]:
    data = {
        "mdtrt_cert_type": "03",
        "mdtrt_cert_no": s.person["card_no"],
        "card_sn": s.person["card_sn"],
    }
    out = ok(ctx, s.call("1101", {"data": data}), "1101 person info")
    row = next(r for r in out["insuinfo"] if r["insutype"] == s.person["insutype"])
    return out["baseinfo"]["psn_no"], Decimal(str(row["balc"]))


def visit_with_fee(ctx: TestContext, s: HttpSession, psn_no: str, amount: str) -> str:
    reg = {
        "psn_no": psn_no,
        "insutype": s.person["insutype"],
        "begntime": "2026-03-02 09:00:00",
        "mdtrt_cert_type": "03",
        "mdtrt_cert_no": s.person["card_no"],
        "ipt_otp_no": f"CONF{s.msgid()[-8:]}",
        "med_type": "11",
    }
    mdtrt_id = ok(ctx, s.call("2201", {"data": reg}), "2201 registration")["data"]["mdtrt_id"]
    item = s.person.get("item", "S-110200001")
    fee = {
        "feedetl_sn": "F1",
        "mdtrt_id": mdtrt_id,
        "psn_no": psn_no,
        "chrg_bchno": "B1",
        "med_list_codg": item,
        "medins_list_codg": item,
        "det_item_fee_sumamt": amount,
        "cnt": 1,
        "pric": amount,
        "fee_ocur_time": "2026-03-02 09:10:00",
    }
    ok(ctx, s.call("2204", {"feedetail": [fee]}), "2204 fee upload")
    return mdtrt_id


def settle_body(s: HttpSession, psn_no: str, mdtrt_id: str, amount: str) -> dict[str, Any]:
    data = {
        "psn_no": psn_no,
        "mdtrt_id": mdtrt_id,
        "insutype": s.person["insutype"],
        "medfee_sumamt": amount,
        "acct_used_flag": "1",
        "chrg_bchno": "B1",
        "med_type": "11",
    }
    return s.envelope("2207", {"data": data})


@case(
    "BE-ENV-001",
    "Envelope of a sign-in and a person query",
    req("MED-ENV", "MED-1101"),
    "Verify the response envelope fields and the 1101 answer for a card credential.",
    [READY],
    [
        (
            "9001 sign-in",
            "infcode 0, sign_no, inf_refmsgid of 30 characters, respond_time of 17 digits",
        ),
        (
            "1101 with mdtrt_cert_type 03, card number and card_sn",
            "infcode 0, baseinfo.psn_no, insuinfo with balc and insuplc_admdvs",
        ),
    ],
    ["Envelope fields as specified", "Person found by card"],
)
def envelope(ctx: TestContext) -> None:
    s = session(ctx)
    ctx.step("1")
    status, body = s.call("9001", {"signIn": {"opter_no": "001", "mac": "", "ip": ""}})
    ctx.check_equal(status, 200, "HTTP status")
    ctx.check_equal(body.get("infcode"), 0, "infcode", stop=True)
    ctx.check_equal(len(body.get("inf_refmsgid", "")), 30, "inf_refmsgid length")
    ctx.check(
        str(body.get("respond_time", "")).isdigit() and len(str(body["respond_time"])) == 17,
        "respond_time",
        "17 digits",
        body.get("respond_time"),
    )
    s.sign_no = body["output"]["signinoutb"]["sign_no"]
    ctx.step("2")
    data = {
        "mdtrt_cert_type": "03",
        "mdtrt_cert_no": s.person["card_no"],
        "card_sn": s.person["card_sn"],
    }
    status, body = s.call("1101", {"data": data})
    ctx.check_equal(body.get("infcode"), 0, "1101 infcode", stop=True)
    out = body["output"]
    ctx.check(
        bool(out.get("baseinfo", {}).get("psn_no")),
        "baseinfo.psn_no",
        "present",
        out.get("baseinfo"),
    )
    rows = out.get("insuinfo", [])
    ctx.check(
        any("balc" in r and r.get("insuplc_admdvs") == s.person["region"] for r in rows),
        "insuinfo balc and insuplc_admdvs",
        s.person["region"],
        rows,
    )


@case(
    "BE-SET-001",
    "Outpatient settlement balances",
    req("MED-SETTLE"),
    "Verify the settlement amounts add up and the personal account falls by acct_pay.",
    [READY, "Person has a personal-account balance"],
    [
        ("9001; 1101 (note balc); 2201; 2204 one fee of 130.50", "infcode 0 each"),
        (
            "2207 with medfee_sumamt 130.50, acct_used_flag 1",
            "setlinfo with fund_pay_sumamt, acct_pay, psn_cash_pay, balc",
        ),
        ("1101 again", "balc = before - acct_pay"),
    ],
    ["medfee_sumamt = fund_pay_sumamt + acct_pay + psn_cash_pay", "balc falls by exactly acct_pay"],
)
def settlement(ctx: TestContext) -> None:
    s = session(ctx)
    ctx.step("1")
    sign_in(ctx, s)
    psn_no, before = person_info(ctx, s)
    mdtrt_id = visit_with_fee(ctx, s, psn_no, "130.50")
    ctx.step("2")
    out = ok(ctx, s.send(settle_body(s, psn_no, mdtrt_id, "130.50")), "2207 settlement")
    info = out["setlinfo"]
    total = (
        Decimal(info["fund_pay_sumamt"]) + Decimal(info["acct_pay"]) + Decimal(info["psn_cash_pay"])
    )
    ctx.check_equal(total, Decimal(info["medfee_sumamt"]), "fund + account + cash = total")
    ctx.check_equal(Decimal(info["medfee_sumamt"]), Decimal("130.50"), "medfee_sumamt")
    ctx.step("3")
    _psn, after = person_info(ctx, s)
    ctx.check_equal(after, before - Decimal(info["acct_pay"]), "balance after settlement")
    ctx.check_equal(Decimal(info["balc"]), after, "setlinfo.balc")


@case(
    "BE-IDEM-001",
    "A retried settlement is applied once",
    req("MED-IDEM"),
    "Verify a 2207 sent twice with the same msgid gets the same answer and debits the account once.",
    [READY],
    [
        ("Prepare a visit with one fee; send 2207", "infcode 0, setl_id"),
        ("Send the identical 2207 (same msgid) again", "the same setl_id and amounts"),
        ("1101", "balc fell by acct_pay once"),
    ],
    ["Same answer", "Applied once"],
    polarity=Polarity.NEGATIVE,
)
def idempotency(ctx: TestContext) -> None:
    s = session(ctx)
    sign_in(ctx, s)
    psn_no, before = person_info(ctx, s)
    mdtrt_id = visit_with_fee(ctx, s, psn_no, "80.00")
    body = settle_body(s, psn_no, mdtrt_id, "80.00")
    ctx.step("1")
    first = ok(ctx, s.send(body), "first 2207")["setlinfo"]
    ctx.step("2")
    _status, again = s.send(body)
    ctx.check_equal(again.get("infcode"), 0, "infcode of the retry")
    second = (again.get("output") or {}).get("setlinfo", {})
    ctx.check_equal(second.get("setl_id"), first["setl_id"], "setl_id of the retry")
    ctx.step("3")
    _psn, after = person_info(ctx, s)
    ctx.check_equal(
        after, before - Decimal(first["acct_pay"]), "balance after a retried settlement"
    )


@case(
    "BE-RVS-001",
    "Reversal restores the personal account",
    req("MED-RVS"),
    "Verify 2601 of a settlement restores the balance and the settlement is no longer live.",
    [READY],
    [
        ("Settle a visit (2207) and note its msgid", "infcode 0; balc falls by acct_pay"),
        ("2601 with omsgid = that msgid, oinfno 2207", "infcode 0, rvs_rslt reversed"),
        ("1101", "balc back to the value before the settlement"),
    ],
    ["Balance restored to the cent"],
)
def reversal(ctx: TestContext) -> None:
    s = session(ctx)
    sign_in(ctx, s)
    psn_no, before = person_info(ctx, s)
    mdtrt_id = visit_with_fee(ctx, s, psn_no, "55.00")
    body = settle_body(s, psn_no, mdtrt_id, "55.00")
    ctx.step("1")
    info = ok(ctx, s.send(body), "2207")["setlinfo"]
    ctx.require(
        Decimal(info["acct_pay"]) > 0, "the settlement used the account", "> 0", info["acct_pay"]
    )
    ctx.step("2")
    out = ok(
        ctx,
        s.call("2601", {"data": {"omsgid": body["msgid"], "oinfno": "2207", "psn_no": psn_no}}),
        "2601",
    )
    ctx.check_equal(out.get("data", {}).get("rvs_rslt"), "reversed", "rvs_rslt")
    ctx.step("3")
    _psn, after = person_info(ctx, s)
    ctx.check_equal(after, before, "balance after reversal")


@case(
    "BE-AUTH-001",
    "Authorisation: credentials and another hospital's settlement",
    req("MED-AUTH"),
    "Verify a wrong secret is refused and another institution can neither cancel nor reverse a settlement.",
    [READY, "A second hospital in the same region (PIXIT other_hospital)"],
    [
        ("9001 with a wrong secret", "HTTP 401"),
        ("Hospital A settles; hospital B sends 2208 for it", "infcode -1"),
        ("1101 by hospital A", "balance still debited"),
    ],
    ["Refused", "Nothing changed"],
    polarity=Polarity.NEGATIVE,
)
def authorisation(ctx: TestContext) -> None:
    s = session(ctx)
    ctx.step("1")
    body = s.envelope("9001", {"signIn": {"opter_no": "001"}})
    status, _answer = s.post(
        "/fsi/api/rsfComIfsService/callService", body, (s.hospital.code, "wrong-secret")
    )
    ctx.check_equal(status, 401, "HTTP status with a wrong secret")
    ctx.step("2")
    sign_in(ctx, s)
    psn_no, before = person_info(ctx, s)
    mdtrt_id = visit_with_fee(ctx, s, psn_no, "40.00")
    info = ok(ctx, s.send(settle_body(s, psn_no, mdtrt_id, "40.00")), "2207 by hospital A")[
        "setlinfo"
    ]
    own_sign = s.sign_no
    signed = s.call("9001", {"signIn": {"opter_no": "002"}}, who=s.other)
    other_sign = (signed[1].get("output") or {}).get("signinoutb", {}).get("sign_no", "")
    cancel = {"data": {"setl_id": info["setl_id"], "mdtrt_id": mdtrt_id, "psn_no": psn_no}}
    status, answer = s.call("2208", cancel, who=s.other, sign_no=other_sign)
    ctx.check_equal(answer.get("infcode"), -1, "2208 by another hospital")
    ctx.step("3")
    s.sign_no = own_sign
    _psn, after = person_info(ctx, s)
    ctx.check_equal(after, before - Decimal(info["acct_pay"]), "balance after the refused cancel")


@case(
    "BE-BAD-001",
    "Bad input is refused in the envelope",
    req("MED-BAD", "MED-ENV"),
    "Verify malformed requests get HTTP 200, infcode -1 and an err_msg naming the problem.",
    [READY],
    [
        ("Unknown infno 9999", "infcode -1, err_msg names infno"),
        (
            "Open a visit; 2204 with a negative amount",
            "infcode -1, err_msg names det_item_fee_sumamt",
        ),
        ("msgid of the wrong length", "infcode -1, err_msg names msgid"),
        ("A body that is not JSON", "infcode -1"),
    ],
    ["Every bad request refused in the envelope, naming the field"],
    polarity=Polarity.NEGATIVE,
)
def bad_input(ctx: TestContext) -> None:
    s = session(ctx)
    sign_in(ctx, s)
    ctx.step("1")
    _st, answer = s.call("9999", {"data": {}})
    ctx.check(
        answer.get("infcode") == -1 and "infno" in str(answer.get("err_msg")),
        "unknown infno",
        "infcode -1 naming infno",
        answer.get("err_msg"),
    )
    ctx.step("2")
    psn_no, _balc = person_info(ctx, s)
    mdtrt_id = visit_with_fee(ctx, s, psn_no, "10.00")
    fee = {
        "feedetl_sn": "F2",
        "mdtrt_id": mdtrt_id,
        "psn_no": psn_no,
        "chrg_bchno": "B1",
        "med_list_codg": "S-110200001",
        "det_item_fee_sumamt": "-5.00",
        "cnt": 1,
        "pric": "-5.00",
        "fee_ocur_time": "2026-03-02 09:10:00",
    }
    _st, answer = s.call("2204", {"feedetail": [fee]})
    ctx.check(
        answer.get("infcode") == -1 and "det_item_fee_sumamt" in str(answer.get("err_msg")),
        "negative amount",
        "infcode -1 naming det_item_fee_sumamt",
        answer.get("err_msg"),
    )
    ctx.step("3")
    _st, answer = s.call("9001", {"signIn": {"opter_no": "001"}}, msgid="SHORT")
    ctx.check(
        answer.get("infcode") == -1 and "msgid" in str(answer.get("err_msg")),
        "bad msgid",
        "infcode -1 naming msgid",
        answer.get("err_msg"),
    )
    ctx.step("4")
    response = s.client.post(
        "/fsi/api/rsfComIfsService/callService",
        content=b"{not json",
        auth=(s.hospital.code, s.hospital.secret),
        headers={"content-type": "application/json"},
    )
    s.trace.http(
        "POST",
        "/fsi/api/rsfComIfsService/callService",
        "{not json",
        response.status_code,
        response.text[:200],
    )
    ctx.check(
        response.status_code == 200 and '"infcode":-1' in response.text.replace(" ", ""),
        "non-JSON body",
        "HTTP 200 and infcode -1",
        f"{response.status_code} {response.text[:120]}",
    )
