"""HIS against the platform: card and number credentials, cross-region, lost answers, HTTP."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from his_world import HOSPITAL, OTHER_HOSPITAL, ManualClock, credentials, his_for
from sqlalchemy import select

from backends.bank.linked import linked_services
from backends.bureau.service import BureauService
from backends.core.db import Database
from backends.core.errors import DomainError, Forbidden, NotFound
from backends.hospital.card_info import from_number, from_reader_output
from backends.hospital.models import HisSettlement
from backends.hospital.platform import HttpPlatform, PlatformUnavailable
from backends.hospital.service import ChargeItem, HisService, PlatformRefused
from backends.medical.agency import Agency
from backends.medical.registry import InsuredRegistry, derive_psn_no
from backends.medical.schemas import FilingRequest
from backends.medical.seed import demo_certno
from card_os.codecs import citizen_id_check_digit

WANG = demo_certno("50010319700303003")  # insured in 500000, balance 3000.00
ZHANG = demo_certno("44030519800101001")  # insured in 440300 (another province)
ITEMS = [
    ChargeItem("S-110200001", "诊查费", Decimal("1"), Decimal("20.00")),
    ChargeItem("X-J01CA04", "阿莫西林", Decimal("2"), Decimal("15.50")),
]


def bureau_card(database: Database, clock: ManualClock) -> str:
    """A bureau-issued card of a person insured in 500000, as iReadCardBas prints it."""
    body = "50010219880808123"
    cert = body + citizen_id_check_digit(body)

    def issue(session) -> str:  # type: ignore[no-untyped-def]
        bureau = BureauService(session, clock)
        bureau.register_person(cert, "孙八", "1", dt.date(1988, 8, 8), "500102")
        card = bureau.produce(bureau.apply(cert, "500102").id)
        bureau.collect(card.card_no, cert)
        bureau.activate_social(card.card_no)
        registry = InsuredRegistry(session)
        registry.enroll(cert, "孙八", "1", dt.date(1988, 8, 8), "500000", "310", Decimal("500"))
        registry.link_card(cert, card.card_no, card.card_sn)
        fields = [card.card_sn[:6], cert, card.card_no, card.card_sn, "孙八", "00" * 13]
        fields += ["3.00", "20260302", "20360302", "000000000000", ""]
        return "".join(f"{f}|" for f in fields)

    return database.run(issue)


def test_card_patient_is_registered_charged_settled_and_printed(database, clock, his):
    card_info = bureau_card(database, clock)
    visit = his.register(from_reader_output(card_info), "内科", "王医生")
    assert (visit.mdtrt_cert_type, visit.insuplc_admdvs) == ("03", "500000")
    his.charge(visit.ipt_otp_no, ITEMS)
    settled = his.settle(visit.ipt_otp_no)
    info = settled.setlinfo
    assert settled.status == "settled" and info["setl_id"] == settled.setl_id
    assert Decimal(info["medfee_sumamt"]) == Decimal("51.00")
    paid = Decimal(info["fund_pay_sumamt"]) + Decimal(info["acct_pay"])
    assert paid + Decimal(info["psn_cash_pay"]) == Decimal("51.00")
    assert Decimal(info["balc"]) == Decimal("500") - Decimal(info["acct_pay"])
    text = his.summary(settled.setl_id)
    assert "医保结算单" in text and settled.setl_id in text and "孙八" in text
    assert visit.certno not in text  # ID numbers are masked on paper too


def test_blacklisted_card_is_refused_before_any_platform_call(database, clock, his):
    card_info = bureau_card(database, clock)
    card_no = card_info.split("|")[2]
    database.run(lambda s: BureauService(s, clock).report_temporary_loss(card_no, "phone"))
    with pytest.raises(Forbidden, match="blacklist"):
        his.register(from_reader_output(card_info), "内科", "王医生")
    clock.advance(days=7)  # the temporary loss lapses: the card works again
    assert his.register(from_reader_output(card_info), "内科", "王医生").status == "open"


def test_patient_without_card_uses_the_id_number(his):
    visit = his.register(from_number("02", WANG), "外科", "李医生")
    his.charge(visit.ipt_otp_no, ITEMS[:1])
    settled = his.settle(visit.ipt_otp_no, use_account=False)
    assert Decimal(settled.setlinfo["acct_pay"]) == 0
    assert visit.psn_no == derive_psn_no(WANG)


def test_cross_province_patient_needs_a_filing(database, clock, his):
    visit = his.register(from_number("02", ZHANG), "内科", "王医生")
    assert visit.insuplc_admdvs == "440300"
    his.charge(visit.ipt_otp_no, ITEMS)
    with pytest.raises(PlatformRefused, match=r"filing|备案|filed"):
        his.settle(visit.ipt_otp_no)
    Agency(database, clock=clock).file(
        FilingRequest(psn_no=visit.psn_no, insutype="310", dest_admdvs="500000")
    )
    settled = his.settle(visit.ipt_otp_no)
    assert settled.status == "settled"
    clearing = Agency(database, clock=clock).clearing()
    assert any(p.payer_admdvs.startswith("44") for p in clearing)


class LosesSettlementAnswers:
    """The platform applies 2207 but the answer never reaches the HIS (a timeout)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def call(self, envelope: dict[str, Any]) -> dict[str, Any]:
        answer = self.inner.call(envelope)
        if envelope["infno"] == "2207":
            raise PlatformUnavailable("timed out")
        return answer


def test_a_settlement_whose_answer_was_lost_is_reversed(database, clock):
    his = his_for(database, clock)
    visit = his.register(from_number("02", WANG), "内科", "王医生")
    his.charge(visit.ipt_otp_no, ITEMS)
    lossy = HisService(database, his.hospital, LosesSettlementAnswers(his.platform), clock)
    with pytest.raises(PlatformUnavailable):
        lossy.settle(visit.ipt_otp_no)
    [pending] = database.run(lambda s: s.scalars(select(HisSettlement.msgid)).all())
    reversed_ = his.reverse(pending)
    assert reversed_.status == "reversed"
    # The account is whole again, and the visit can be settled for real.
    settled = his.settle(visit.ipt_otp_no)
    assert Decimal(settled.setlinfo["balc"]) == Decimal("3000.00") - Decimal(
        settled.setlinfo["acct_pay"]
    )


def test_cancel_restores_the_account_and_one_hospital_cannot_touch_anothers(database, clock, his):
    visit = his.register(from_number("02", WANG), "内科", "王医生")
    his.charge(visit.ipt_otp_no, ITEMS)
    settled = his.settle(visit.ipt_otp_no)
    other = his_for(database, clock, OTHER_HOSPITAL)
    with pytest.raises(NotFound):
        other.summary(settled.setl_id)
    with pytest.raises(NotFound):
        other.cancel(settled.setl_id)
    assert his.cancel(settled.setl_id).status == "cancelled"
    again = his.settle(visit.ipt_otp_no)
    assert Decimal(again.setlinfo["balc"]) == Decimal("3000.00") - Decimal(
        again.setlinfo["acct_pay"]
    )


@pytest.mark.parametrize(
    ("card_info", "message"),
    [
        ("500100|x|", "11 fields"),
        ("500100|111111198101011111|X00000019|" + "0" * 32 + "|a|b|c|d|e|f|g|", "check digit"),
        ("5001|" + "|" * 10, "6 digits"),
    ],
)
def test_bad_card_info_is_refused(card_info: str, message: str) -> None:
    with pytest.raises(DomainError, match=message):
        from_reader_output(card_info)


def test_negative_price_is_refused_before_upload(his):
    visit = his.register(from_number("02", WANG), "内科", "王医生")
    with pytest.raises(DomainError, match="price"):
        his.charge(visit.ipt_otp_no, [ChargeItem("S-110200001", "x", Decimal(1), Decimal(-1))])
    with pytest.raises(DomainError, match="no charges"):
        his.settle(visit.ipt_otp_no)


def _http_flow(client: TestClient) -> dict[str, Any]:
    auth = credentials(HOSPITAL)
    body = {"mdtrt_cert_type": "02", "mdtrt_cert_no": WANG, "dept_name": "内科", "dr_name": "王"}
    visit = client.post("/hospital/visits", json=body, auth=auth)
    assert visit.status_code == 201, visit.text
    number = visit.json()["ipt_otp_no"]
    items = [
        {"med_list_codg": i.med_list_codg, "name": i.name, "quantity": str(i.quantity),
         "price": str(i.price)} for i in ITEMS
    ]  # fmt: skip
    charged = client.post(f"/hospital/visits/{number}/charges", json={"items": items}, auth=auth)
    assert charged.status_code == 200, charged.text
    settled = client.post(f"/hospital/visits/{number}/settle", json={}, auth=auth)
    assert settled.status_code == 200, settled.text
    return settled.json()["setlinfo"]


AMOUNTS = ("medfee_sumamt", "fund_pay_sumamt", "acct_pay", "psn_cash_pay", "balc", "hifp_pay")


def test_http_gives_the_same_settlement_as_in_process(database, clock, client, his):
    over_http = _http_flow(client)
    visit = his.register(from_number("02", WANG), "内科", "王医生")
    his.charge(visit.ipt_otp_no, ITEMS)
    in_process = his.settle(visit.ipt_otp_no).setlinfo
    # Same policy outcome; the second settlement sees the balance the first one left.
    for key in AMOUNTS[:-2]:
        assert Decimal(over_http[key]) == Decimal(in_process[key]), key
    assert Decimal(in_process["balc"]) == Decimal(over_http["balc"]) - Decimal(
        in_process["acct_pay"]
    )
    auth = credentials(OTHER_HOSPITAL)
    path = f"/hospital/settlements/by-setl-id/{over_http['setl_id']}/summary"
    assert client.get(path, auth=auth).status_code == 404
    assert client.get(path, auth=credentials(HOSPITAL)).status_code == 200


def test_his_over_the_platforms_http_endpoint(database, clock, client):
    """The HIS with an HTTP platform client gets what the in-process client gets."""
    hospital = his_for(database, clock).hospital
    over_http = HisService(
        database,
        hospital,
        HttpPlatform("http://testserver", credentials(HOSPITAL), client=client),
        clock,
    )
    visit = over_http.register(from_number("02", WANG), "内科", "王医生")
    over_http.charge(visit.ipt_otp_no, ITEMS)
    info = over_http.settle(visit.ipt_otp_no).setlinfo
    assert Decimal(info["medfee_sumamt"]) == Decimal("51.00")
    assert Decimal(info["balc"]) == Decimal("3000.00") - Decimal(info["acct_pay"])


@pytest.mark.parametrize(
    "body",
    [
        {"dept_name": "x", "dr_name": "y"},
        {"card_info": "bad", "dept_name": "x", "dr_name": "y"},
        {"mdtrt_cert_type": "02", "mdtrt_cert_no": "123", "dept_name": "x", "dr_name": "y"},
        {"mdtrt_cert_type": "09", "mdtrt_cert_no": WANG, "dept_name": "x", "dr_name": "y"},
    ],
)
def test_http_bad_registration_gets_a_4xx(client: TestClient, body: dict) -> None:
    response = client.post("/hospital/visits", json=body, auth=credentials(HOSPITAL))
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["detail"]


def test_activation_makes_the_card_a_medical_credential_and_loss_revokes_it(database, clock, his):
    """The bureau keeps the platform's credentials in step (no manual link)."""
    body = "50010219920202456"
    cert = body + citizen_id_check_digit(body)

    def issue(session) -> tuple[str, str]:  # type: ignore[no-untyped-def]
        InsuredRegistry(session).enroll(cert, "周九", "2", dt.date(1992, 2, 2), "500000")
        bureau, _ = linked_services(session, clock)
        bureau.register_person(cert, "周九", "2", dt.date(1992, 2, 2), "500102")
        card = bureau.produce(bureau.apply(cert, "500102").id)
        bureau.collect(card.card_no, cert)
        bureau.activate_social(card.card_no)
        return card.card_no, card.card_sn

    card_no, card_sn = database.run(issue)
    visit = his.register(from_number("03", card_no, card_sn), "内科", "王医生")
    assert visit.certno == cert
    database.run(lambda s: linked_services(s, clock)[0].report_formal_loss(card_no, cert))
    with pytest.raises(Forbidden, match="blacklist"):
        his.register(from_number("03", card_no, card_sn), "内科", "王医生")
    # Even a caller that skips the blacklist is refused by the platform now.
    unchecked = HisService(database, his.hospital, his.platform, clock)
    with pytest.raises(PlatformRefused):
        unchecked.register(from_number("03", card_no, card_sn), "内科", "王医生")


def test_unreachable_platform_is_a_504_not_a_500(client: TestClient, monkeypatch) -> None:
    """With SSCARD_HOSPITAL_PLATFORM_URL the HIS calls the platform over HTTP (loopback)."""
    monkeypatch.setenv("SSCARD_HOSPITAL_PLATFORM_URL", "http://127.0.0.1:9")  # discard port
    body = {"mdtrt_cert_type": "02", "mdtrt_cert_no": WANG, "dept_name": "内科", "dr_name": "王"}
    answer = client.post("/hospital/visits", json=body, auth=credentials(HOSPITAL))
    assert answer.status_code == 504
    assert "platform did not answer" in answer.json()["detail"]


def test_emergency_cross_province_visit_settles_without_a_filing(his):
    """med_type 13 counts as filed (backend-flows §2.3) and reaches 2206/2207."""
    visit = his.register(from_number("02", ZHANG), "急诊科", "王医生", med_type="13")
    assert (visit.med_type, visit.insuplc_admdvs) == ("13", "440300")
    his.charge(visit.ipt_otp_no, ITEMS)
    settled = his.settle(visit.ipt_otp_no)
    assert settled.status == "settled" and settled.setlinfo["med_type"] == "13"


def test_med_type_outside_the_outpatient_types_is_refused(his, client):
    with pytest.raises(DomainError, match="med_type '21'"):
        his.register(from_number("02", WANG), "内科", "王医生", med_type="21")
    body = {"mdtrt_cert_type": "02", "mdtrt_cert_no": WANG, "dept_name": "内科", "dr_name": "王"}
    refused = client.post("/hospital/visits", json={**body, "med_type": "21"},
                          auth=credentials(HOSPITAL))  # fmt: skip
    assert refused.status_code in (400, 422) and "med_type" in refused.text
    emergency = client.post("/hospital/visits", json={**body, "med_type": "13"},
                            auth=credentials(HOSPITAL))  # fmt: skip
    assert emergency.status_code == 201 and emergency.json()["med_type"] == "13"


def test_schema_offers_exactly_the_services_med_types() -> None:
    from typing import get_args

    from backends.hospital.schemas import VisitCreate
    from backends.hospital.service import OUTPATIENT_MED_TYPES

    offered = get_args(VisitCreate.model_fields["med_type"].annotation)
    assert set(offered) == set(OUTPATIENT_MED_TYPES)


def test_a_lost_settlement_answer_gives_its_msgid_over_http_and_is_reversed(
    database, clock, client
):
    from backends.hospital.router import his as his_dependency

    lossy = HisService(
        database, his_for(database, clock).hospital,
        LosesSettlementAnswers(his_for(database, clock).platform), clock,
    )  # fmt: skip
    auth = credentials(HOSPITAL)
    body = {"mdtrt_cert_type": "02", "mdtrt_cert_no": WANG, "dept_name": "内科", "dr_name": "王"}
    visit = client.post("/hospital/visits", json=body, auth=auth).json()["ipt_otp_no"]
    charges = {"items": [{"med_list_codg": "S-110200001", "name": "诊查费", "quantity": "1",
                          "price": "20.00"}]}  # fmt: skip
    assert client.post(f"/hospital/visits/{visit}/charges", json=charges, auth=auth).is_success
    client.app.dependency_overrides[his_dependency] = lambda: lossy
    lost = client.post(f"/hospital/visits/{visit}/settle", json={}, auth=auth)
    del client.app.dependency_overrides[his_dependency]
    assert lost.status_code == 504, lost.text
    msgid = lost.json()["msgid"]
    assert lost.json()["status"] == "pending" and msgid in lost.json()["detail"]
    listed = client.get(f"/hospital/visits/{visit}/settlements", auth=auth).json()
    assert [(s["msgid"], s["status"]) for s in listed] == [(msgid, "pending")]
    # Another hospital sees no such visit.
    other = client.get(f"/hospital/visits/{visit}/settlements", auth=credentials(OTHER_HOSPITAL))
    assert other.status_code == 404
    reversed_ = client.post(f"/hospital/settlements/{msgid}/reverse", auth=auth)
    assert reversed_.status_code == 200 and reversed_.json()["status"] == "reversed"
    again = client.post(f"/hospital/visits/{visit}/settle", json={}, auth=auth)
    assert again.status_code == 200 and again.json()["status"] == "settled"
    statuses = [s["status"] for s in client.get(f"/hospital/visits/{visit}/settlements",
                                                 auth=auth).json()]  # fmt: skip
    assert statuses == ["reversed", "settled"]


def test_card_past_its_expiry_is_refused_by_the_bureaus_check(database, clock, his):
    card_info = bureau_card(database, clock)  # issued 2 March 2026: valid until 1 March 2036
    card_no, card_sn = card_info.split("|")[2:4]
    clock.now = dt.datetime(2036, 3, 1, 23, 0)  # the last valid day
    assert his.register(from_number("03", card_no, card_sn), "内科", "王医生").status == "open"
    clock.now = dt.datetime(2036, 3, 2, 8, 0)
    with pytest.raises(Forbidden, match="expired: valid until 2036-03-01"):
        his.register(from_number("03", card_no, card_sn), "内科", "王医生")


def test_card_whose_chip_says_it_expired_is_refused_before_any_platform_call(his, client):
    """The chip's 卡有效期 (field 9) counts even for a card the bureau does not know."""
    body = "50010219880808123"
    cert = body + citizen_id_check_digit(body)
    fields = ["500100", cert, "A00000019", "500100" + "0" * 26, "孙八", "00" * 13, "3.00",
              "20160301", "20260228", "000000000000", ""]  # fmt: skip
    card_info = "".join(f"{f}|" for f in fields)
    with pytest.raises(Forbidden, match="expired: the chip says valid until 2026-02-28"):
        his.register(from_reader_output(card_info), "内科", "王医生")
    answer = client.post(
        "/hospital/visits",
        json={"card_info": card_info, "dept_name": "内科", "dr_name": "王"},
        auth=credentials(HOSPITAL),
    )
    assert answer.status_code == 403 and "expired" in answer.json()["detail"]
    bad_date = card_info.replace("20260228", "20261399")
    with pytest.raises(DomainError, match=r"field 9 \(卡有效期\)"):
        from_reader_output(bad_date)
