"""The infno transactions (backend-flows §1.4), one handler each, dispatched by a table."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from backends.core.errors import DomainError
from backends.medical import schemas as s
from backends.medical.calculation import Split, calculate, split_item
from backends.medical.models import (
    AMOUNT_FIELDS,
    AccountEntry,
    Card,
    ECredential,
    Fee,
    Filing,
    Insurance,
    InsuredPerson,
    Message,
    Settlement,
    SignIn,
    Visit,
)
from backends.medical.money import ZERO, cents, show
from backends.medical.national import Clearing, Filings, route
from backends.medical.policy import PolicyBook
from backends.medical.registry import check_certno, mask_certno

M = TypeVar("M", bound=BaseModel)

# clr_type / clr_way dictionaries were not retrieved (§"Not found"): emulator choices.
CLR_TYPE = {"outpatient": "11", "inpatient": "21"}
CLR_WAY = "1"
DEFAULT_MED_TYPE = {"outpatient": "11", "inpatient": "21"}
FUND_NAMES = {"310": "职工基本医疗保险统筹基金", "390": "城乡居民基本医疗保险基金"}


class EnvelopeError(Exception):
    """A refused call: answered with infcode -1 and this message."""


@dataclass
class Call:
    """One accepted envelope being handled."""

    session: Session
    envelope: s.RequestEnvelope
    policies: PolicyBook
    now: dt.datetime

    @property
    def code(self) -> str:
        return self.envelope.fixmedins_code

    def new_id(self) -> str:
        """30 characters: region (6) + time (14) + random serial (10)."""
        stamp = self.now.strftime("%Y%m%d%H%M%S")
        return f"{self.envelope.mdtrtarea_admvs}{stamp}{secrets.randbelow(10**10):010d}"


def validation_message(exc: ValidationError, where: str) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in (where, *err["loc"]) if p != "")
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)


def node(call: Call, name: str, model: type[M]) -> M:
    """`input.<name>` validated as `model`."""
    raw = call.envelope.input.get(name)
    if raw is None:
        raise EnvelopeError(f"input.{name} is missing")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise EnvelopeError(validation_message(exc, f"input.{name}")) from None


def person(call: Call, psn_no: str) -> InsuredPerson:
    found = call.session.get(InsuredPerson, psn_no)
    if found is None:
        raise EnvelopeError(f"person {psn_no} not found")
    return found


def insurance(call: Call, psn_no: str, insutype: str, lock: bool = False) -> Insurance:
    query = select(Insurance).where(Insurance.psn_no == psn_no, Insurance.insutype == insutype)
    row = call.session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise EnvelopeError(f"person {psn_no} has no insurance of type {insutype}")
    if row.psn_insu_stas != "1":
        raise EnvelopeError(f"insurance {insutype} of person {psn_no} is not in force")
    return row


def visit_of(call: Call, mdtrt_id: str, kind: str, psn_no: str) -> Visit:
    """The caller's own visit, locked; another institution's visit is simply not found."""
    found = call.session.scalar(select(Visit).where(Visit.mdtrt_id == mdtrt_id).with_for_update())
    if found is None or found.fixmedins_code != call.code or found.kind != kind:
        raise EnvelopeError(f"{kind} visit {mdtrt_id} not found for institution {call.code}")
    if found.psn_no != psn_no:
        raise EnvelopeError(f"visit {mdtrt_id} belongs to another person than {psn_no}")
    return found


def resolve_credential(
    call: Call, cert_type: str, cert_no: str, card_sn: str | None
) -> InsuredPerson:
    """The person a credential names (§1.3): 01 e-credential, 02 ID number, 03 card.

    `card_sn` None: the card identification code is not part of this transaction (2201, 2401).
    """
    if cert_type == "01":
        token = call.session.get(ECredential, cert_no)
        if token is None:
            raise EnvelopeError("electronic credential not recognised")
        certno = token.certno
    elif cert_type == "02":
        try:
            certno = check_certno(cert_no)
        except DomainError as exc:
            raise EnvelopeError(f"mdtrt_cert_no: {exc.message}") from None
    else:
        if card_sn == "":
            raise EnvelopeError("card_sn (card identification code) is required for type 03")
        card = call.session.get(Card, cert_no)
        if card is None or not card.active:
            raise EnvelopeError(f"social security card {cert_no} is not valid")
        if card_sn is not None and card.card_sn != card_sn:
            raise EnvelopeError("card_sn does not match the card")
        certno = card.certno
    found = call.session.scalar(select(InsuredPerson).where(InsuredPerson.certno == certno))
    if found is None:
        raise EnvelopeError(f"no insured person with certno {mask_certno(certno)}")
    return found


def age_on(brdy: dt.date, day: dt.date) -> int:
    return day.year - brdy.year - ((day.month, day.day) < (brdy.month, brdy.day))


# ---- 9001, 1101 -----------------------------------------------------------------------------


def sign_in(call: Call) -> dict[str, Any]:
    name = "signIn" if "signIn" in call.envelope.input else "data"
    data = node(call, name, s.SignInData)
    sign_no = call.new_id()
    call.session.add(
        SignIn(
            sign_no=sign_no, fixmedins_code=call.code, opter_no=data.opter_no, sign_time=call.now
        )
    )
    return {"signinoutb": {"sign_time": call.now.strftime("%Y-%m-%d %H:%M:%S"), "sign_no": sign_no}}


def person_info(call: Call) -> dict[str, Any]:
    data = node(call, "data", s.PersonQuery)
    found = resolve_credential(call, data.mdtrt_cert_type, data.mdtrt_cert_no, data.card_sn)
    rows = call.session.scalars(select(Insurance).where(Insurance.psn_no == found.psn_no))
    return {
        "baseinfo": {
            "psn_no": found.psn_no,
            "psn_cert_type": "01",
            "certno": found.certno,
            "psn_name": found.psn_name,
            "gend": found.gend,
            "naty": found.naty,
            "brdy": found.brdy.isoformat(),
            "age": age_on(found.brdy, call.now.date()),
        },
        "insuinfo": [
            {
                "balc": show(row.balc),
                "insutype": row.insutype,
                "psn_type": row.psn_type,
                "psn_insu_stas": row.psn_insu_stas,
                "psn_insu_date": row.psn_insu_date.isoformat(),
                "paus_insu_date": None,
                "cvlserv_flag": row.cvlserv_flag,
                "insuplc_admdvs": found.insuplc_admdvs,
                "emp_name": found.emp_name,
            }
            for row in rows
        ],
        "idetinfo": [],
    }


# ---- registration, admission, visit info, fees ----------------------------------------------


def _open_visit(call: Call, data: s.Registration, kind: str) -> dict[str, Any]:
    found = person(call, data.psn_no)
    insurance(call, data.psn_no, data.insutype)
    by_credential = resolve_credential(call, data.mdtrt_cert_type, data.mdtrt_cert_no, None)
    if by_credential.psn_no != found.psn_no:
        raise EnvelopeError("mdtrt_cert_no names another person than psn_no")
    duplicate = call.session.scalar(
        select(Visit.mdtrt_id).where(
            Visit.fixmedins_code == call.code,
            Visit.kind == kind,
            Visit.ipt_otp_no == data.ipt_otp_no,
        )
    )
    if duplicate is not None:
        raise EnvelopeError(f"ipt_otp_no {data.ipt_otp_no} is already registered as {duplicate}")
    mdtrt_id = call.new_id()
    call.session.add(
        Visit(
            mdtrt_id=mdtrt_id,
            kind=kind,
            psn_no=found.psn_no,
            insutype=data.insutype,
            fixmedins_code=call.code,
            mdtrtarea_admvs=call.envelope.mdtrtarea_admvs,
            insuplc_admdvs=found.insuplc_admdvs,
            ipt_otp_no=data.ipt_otp_no,
            med_type=data.med_type or None,
            mdtrt_cert_type=data.mdtrt_cert_type,
            begntime=data.begntime,
            dise_codg=data.dise_codg or None,
            dise_name=data.dise_name or None,
            status="open",
            msgid=call.envelope.msgid,
        )
    )
    return {"mdtrt_id": mdtrt_id, "psn_no": found.psn_no, "ipt_otp_no": data.ipt_otp_no}


def registration(call: Call) -> dict[str, Any]:
    return {"data": _open_visit(call, node(call, "data", s.Registration), "outpatient")}


def admission(call: Call) -> dict[str, Any]:
    return {"result": _open_visit(call, node(call, "mdtrtinfo", s.Admission), "inpatient")}


def visit_info(call: Call) -> dict[str, Any]:
    data = node(call, "mdtrtinfo", s.VisitInfo)
    found = visit_of(call, data.mdtrt_id, "outpatient", data.psn_no)
    if found.status != "open":
        raise EnvelopeError(f"visit {data.mdtrt_id} is {found.status}")
    found.med_type = data.med_type
    found.dise_codg = data.dise_codg or found.dise_codg
    found.dise_name = data.dise_name or found.dise_name
    return {}


def _upload_fees(call: Call, kind: str) -> dict[str, Any]:
    rows = _fee_rows(call)
    visits: dict[str, Visit] = {}
    seen: set[tuple[str, str]] = set()
    result = []
    for row in rows.feedetail:
        found = visits.get(row.mdtrt_id) or visit_of(call, row.mdtrt_id, kind, row.psn_no)
        visits[row.mdtrt_id] = found
        if found.psn_no != row.psn_no:
            raise EnvelopeError(f"fee {row.feedetl_sn}: psn_no does not match the visit")
        if found.status != "open":
            raise EnvelopeError(f"visit {row.mdtrt_id} is {found.status}")
        priced = None if row.cnt is None or row.pric is None else cents(row.cnt * row.pric)
        if priced is not None and priced != row.det_item_fee_sumamt:
            raise EnvelopeError(
                f"fee {row.feedetl_sn}: det_item_fee_sumamt {row.det_item_fee_sumamt} "
                f"!= cnt x pric {priced}"
            )
        key = (row.mdtrt_id, row.feedetl_sn)
        exists = call.session.scalar(
            select(Fee.id).where(Fee.mdtrt_id == row.mdtrt_id, Fee.feedetl_sn == row.feedetl_sn)
        )
        if key in seen or exists is not None:
            raise EnvelopeError(f"feedetl_sn {row.feedetl_sn} is already uploaded for the visit")
        seen.add(key)
        region = call.policies.regions[found.mdtrtarea_admvs]
        part = split_item(region.catalogue, row.med_list_codg, row.det_item_fee_sumamt)
        call.session.add(
            Fee(
                mdtrt_id=row.mdtrt_id,
                feedetl_sn=row.feedetl_sn,
                chrg_bchno=row.chrg_bchno,
                med_list_codg=row.med_list_codg,
                medins_list_codg=row.medins_list_codg,
                amount=row.det_item_fee_sumamt,
                item_class=part.item_class,
                msgid=call.envelope.msgid,
            )
        )
        result.append(
            {
                "feedetl_sn": row.feedetl_sn,
                "det_item_fee_sumamt": show(row.det_item_fee_sumamt),
                "chrgitm_lv": part.item_class,
                "fulamt_ownpay_amt": show(part.fulamt_ownpay_amt),
                "preselfpay_amt": show(part.preselfpay_amt),
                "inscp_scp_amt": show(part.inscp_scp_amt),
            }
        )
    return {"result": result}


def _fee_rows(call: Call) -> s.FeeUpload:
    try:
        return s.FeeUpload.model_validate({"feedetail": call.envelope.input.get("feedetail")})
    except ValidationError as exc:
        raise EnvelopeError(validation_message(exc, "input")) from None


def outpatient_fees(call: Call) -> dict[str, Any]:
    return _upload_fees(call, "outpatient")


def inpatient_fees(call: Call) -> dict[str, Any]:
    return _upload_fees(call, "inpatient")


# ---- settlement, cancel ---------------------------------------------------------------------


def _sum(call: Call, column: Any, *where: Any) -> Decimal:
    total = call.session.scalar(select(func.sum(column)).where(*where))
    return ZERO if total is None else Decimal(total)


def _setlinfo(call: Call, setl: Settlement, sign: int = 1, setl_id: str = "") -> dict[str, Any]:
    who = call.session.get(InsuredPerson, setl.psn_no)
    assert who is not None
    amounts = {
        name: show(getattr(setl, name) * (1 if name == "balc" else sign)) for name in AMOUNT_FIELDS
    }
    zero = show(ZERO)
    return {
        "mdtrt_id": setl.mdtrt_id,
        "setl_id": setl_id or setl.setl_id,
        "psn_no": setl.psn_no,
        "psn_name": who.psn_name,
        "psn_cert_type": "01",
        "certno": who.certno,
        "gend": who.gend,
        "naty": who.naty,
        "brdy": who.brdy.isoformat(),
        "age": age_on(who.brdy, setl.setl_time.date()),
        "insutype": setl.insutype,
        "med_type": setl.med_type,
        "setl_time": setl.setl_time.strftime("%Y-%m-%d %H:%M:%S"),
        **amounts,
        "cvlserv_pay": zero,
        "hifes_pay": zero,
        "hifmi_pay": zero,
        "hifob_pay": zero,
        "maf_pay": zero,
        "oth_pay": zero,
        "hosp_part_amt": zero,
        "acct_mulaid_pay": zero,
        "medins_setl_id": setl.msgid,
        "clr_optins": setl.clr_optins,
        "clr_way": setl.clr_way,
        "clr_type": setl.clr_type,
        "mid_setl_flag": setl.mid_setl_flag,
    }


def _setldetail(setl: Settlement, sign: int = 1) -> list[dict[str, Any]]:
    rows = []
    if setl.hifp_pay:
        rows.append(
            {
                "fund_pay_type": f"{setl.insutype}100",
                "fund_pay_type_name": FUND_NAMES.get(setl.insutype, "基本医疗保险统筹基金"),
                "fund_payamt": show(setl.hifp_pay * sign),
            }
        )
    if setl.acct_pay:
        rows.append(
            {
                "fund_pay_type": f"{setl.insutype}200",
                "fund_pay_type_name": "个人账户",
                "fund_payamt": show(setl.acct_pay * sign),
            }
        )
    return rows


def _settle(call: Call, kind: str, commit: bool) -> dict[str, Any]:
    data = node(call, "data", s.SettleData)
    found = visit_of(call, data.mdtrt_id, kind, data.psn_no)
    if found.status != "open":
        raise EnvelopeError(f"visit {data.mdtrt_id} is {found.status}")
    if data.insutype != found.insutype:
        raise EnvelopeError(f"insutype {data.insutype} differs from the visit's {found.insutype}")
    med_type = data.med_type or found.med_type or DEFAULT_MED_TYPE[kind]
    where = [Fee.mdtrt_id == found.mdtrt_id, Fee.setl_id.is_(None)]
    if kind == "outpatient" and data.chrg_bchno:
        where.append(Fee.chrg_bchno == data.chrg_bchno)
    fees = list(call.session.scalars(select(Fee).where(*where).order_by(Fee.id)))
    if not fees:
        raise EnvelopeError(f"visit {found.mdtrt_id} has no unsettled fees to settle")
    total = sum((fee.amount for fee in fees), ZERO)
    if total != data.medfee_sumamt:
        raise EnvelopeError(
            f"medfee_sumamt {data.medfee_sumamt} does not match the uploaded fees {total}"
        )
    today = call.now.date()
    Filings(call.session, call.policies).require(
        found.psn_no, found.insutype, found.mdtrtarea_admvs, found.insuplc_admdvs, med_type, today
    )
    account = insurance(call, found.psn_no, found.insutype, lock=True)
    treated = call.policies.regions[found.mdtrtarea_admvs]
    insured = call.policies.regions[found.insuplc_admdvs]
    benefit = insured.benefits.get(found.insutype)
    if benefit is None:
        raise EnvelopeError(f"no benefit policy for insutype {found.insutype} in {insured.admdvs}")
    settled = [Settlement.status == "settled", Settlement.insutype == found.insutype]
    if benefit.kinds[kind].deductible_basis == "visit":
        dedc_scope = [Settlement.mdtrt_id == found.mdtrt_id]
    else:
        dedc_scope = [
            Settlement.psn_no == found.psn_no,
            Settlement.kind == kind,
            Settlement.year == today.year,
        ]
    split: Split = calculate(
        ((fee.med_list_codg, fee.amount) for fee in fees),
        treated.catalogue,
        benefit,
        kind,
        deductible_used=_sum(call, Settlement.act_pay_dedc, *settled, *dedc_scope),
        fund_paid_this_year=_sum(
            call,
            Settlement.fund_pay_sumamt,
            *settled,
            Settlement.psn_no == found.psn_no,
            Settlement.year == today.year,
        ),
        use_account=data.acct_used_flag == "1",
        balance=account.balc,
    )
    setl = Settlement(
        setl_id=call.new_id() if commit else "",
        msgid=call.envelope.msgid,
        mdtrt_id=found.mdtrt_id,
        kind=kind,
        psn_no=found.psn_no,
        insutype=found.insutype,
        fixmedins_code=call.code,
        mdtrtarea_admvs=found.mdtrtarea_admvs,
        insuplc_admdvs=found.insuplc_admdvs,
        route=route(found.mdtrtarea_admvs, found.insuplc_admdvs),
        med_type=med_type,
        setl_time=call.now,
        year=today.year,
        mid_setl_flag=data.mid_setl_flag if kind == "inpatient" else "0",
        clr_optins=found.mdtrtarea_admvs,
        clr_way=CLR_WAY,
        clr_type=CLR_TYPE[kind],
        status="settled",
        **split.amounts(),
    )
    if commit:
        call.session.add(setl)
        call.session.flush()
        for fee in fees:
            fee.setl_id = setl.setl_id
        _move_account(call, account, -split.acct_pay, "settle", setl.setl_id)
        Clearing(call.session).record(setl, 1, "settle", call.now)
        if kind == "inpatient" and setl.mid_setl_flag == "0":
            found.status = "discharged"
    return {"setlinfo": _setlinfo(call, setl), "setldetail": _setldetail(setl)}


def _move_account(
    call: Call, account: Insurance, amount: Decimal, reason: str, setl_id: str
) -> None:
    if not amount:
        return
    account.balc = account.balc + amount
    call.session.add(
        AccountEntry(
            psn_no=account.psn_no,
            insutype=account.insutype,
            amount=amount,
            balc_after=account.balc,
            reason=reason,
            setl_id=setl_id,
            at=call.now,
        )
    )


def undo_settlement(call: Call, setl: Settlement, status: str) -> str:
    """Restore every balance a settlement touched; returns the undo id."""
    found = call.session.scalar(
        select(Visit).where(Visit.mdtrt_id == setl.mdtrt_id).with_for_update()
    )
    account = insurance(call, setl.psn_no, setl.insutype, lock=True)
    undo_id = call.new_id()
    _move_account(call, account, setl.acct_pay, status, setl.setl_id)
    call.session.execute(update(Fee).where(Fee.setl_id == setl.setl_id).values(setl_id=None))
    Clearing(call.session).record(setl, -1, status, call.now)
    if found is not None and found.status == "discharged":
        found.status = "open"
    setl.status, setl.undo_id, setl.undo_msgid = status, undo_id, call.envelope.msgid
    return undo_id


def _cancel(call: Call, kind: str) -> dict[str, Any]:
    data = node(call, "data", s.SettleCancel)
    setl = call.session.get(Settlement, data.setl_id)
    if setl is None or setl.fixmedins_code != call.code or setl.kind != kind:
        raise EnvelopeError(f"{kind} settlement {data.setl_id} not found for {call.code}")
    if setl.mdtrt_id != data.mdtrt_id or setl.psn_no != data.psn_no:
        raise EnvelopeError(f"settlement {data.setl_id} does not belong to this visit and person")
    if setl.status != "settled":
        raise EnvelopeError(f"settlement {data.setl_id} is already {setl.status}")
    undo_id = undo_settlement(call, setl, "cancelled")
    balance = insurance(call, setl.psn_no, setl.insutype).balc
    info = _setlinfo(call, setl, sign=-1, setl_id=undo_id)
    info.update(init_setl_id=setl.setl_id, balc=show(balance))
    return {"setlinfo": info, "setldetail": _setldetail(setl, sign=-1)}


def outpatient_presettle(call: Call) -> dict[str, Any]:
    return _settle(call, "outpatient", commit=False)


def outpatient_settle(call: Call) -> dict[str, Any]:
    return _settle(call, "outpatient", commit=True)


def outpatient_cancel(call: Call) -> dict[str, Any]:
    return _cancel(call, "outpatient")


def inpatient_presettle(call: Call) -> dict[str, Any]:
    return _settle(call, "inpatient", commit=False)


def inpatient_settle(call: Call) -> dict[str, Any]:
    return _settle(call, "inpatient", commit=True)


def inpatient_cancel(call: Call) -> dict[str, Any]:
    return _cancel(call, "inpatient")


# ---- filing, reversal -----------------------------------------------------------------------


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def referral(call: Call) -> dict[str, Any]:
    data = node(call, "refmedin", s.Referral)
    person(call, data.psn_no)
    try:
        filing = Filings(call.session, call.policies).file(
            data.psn_no,
            data.insutype,
            data.mdtrtarea_admdvs,
            "referral",
            call.code,
            call.now.date(),
            _date(data.begndate),
            _date(data.enddate),
            msgid=call.envelope.msgid,
        )
    except (DomainError, ValueError) as exc:
        raise EnvelopeError(str(exc)) from None
    return {"result": {"trt_dcla_detl_sn": filing.trt_dcla_detl_sn}}


def referral_cancel(call: Call) -> dict[str, Any]:
    data = node(call, "data", s.ReferralCancel)
    try:
        Filings(call.session, call.policies).cancel(data.trt_dcla_detl_sn, data.psn_no, call.code)
    except DomainError as exc:
        raise EnvelopeError(exc.message) from None
    return {}


def _reverse_visit(call: Call, omsgid: str) -> None:
    found = call.session.scalar(select(Visit).where(Visit.msgid == omsgid).with_for_update())
    if found is None:
        return
    live = call.session.scalar(
        select(func.count())
        .select_from(Settlement)
        .where(Settlement.mdtrt_id == found.mdtrt_id, Settlement.status == "settled")
    )
    if live:
        raise EnvelopeError(f"visit {found.mdtrt_id} has settlements: cancel them first")
    found.status = "cancelled"


def _reverse_fees(call: Call, omsgid: str) -> None:
    bound = call.session.scalar(
        select(func.count()).select_from(Fee).where(Fee.msgid == omsgid, Fee.setl_id.is_not(None))
    )
    if bound:
        raise EnvelopeError(f"fees of message {omsgid} are settled: cancel the settlement first")
    call.session.execute(delete(Fee).where(Fee.msgid == omsgid))


def _reverse_settlement(call: Call, omsgid: str) -> None:
    setl = call.session.scalar(
        select(Settlement).where(Settlement.msgid == omsgid).with_for_update()
    )
    if setl is not None and setl.status == "settled":
        undo_settlement(call, setl, "reversed")


def _reverse_filing(call: Call, omsgid: str) -> None:
    filing = call.session.scalar(select(Filing).where(Filing.msgid == omsgid))
    if filing is not None:
        filing.status = "cancelled"


REVERSERS: dict[str, Callable[[Call, str], None]] = {
    "2201": _reverse_visit,
    "2401": _reverse_visit,
    "2204": _reverse_fees,
    "2301": _reverse_fees,
    "2207": _reverse_settlement,
    "2304": _reverse_settlement,
    "2501": _reverse_filing,
}


def reversal(call: Call) -> dict[str, Any]:
    """2601: undo a message by its msgid; a message not (yet) seen is blocked for good (§2.4)."""
    data = node(call, "data", s.Reversal)
    reverser = REVERSERS.get(data.oinfno)
    if reverser is None or data.oinfno not in call.policies.national.reversible_infnos:
        raise EnvelopeError(f"transaction {data.oinfno} cannot be reversed by 2601")
    if not data.omsgid.startswith(call.code):
        raise EnvelopeError(f"message {data.omsgid} was not sent by {call.code}")
    original = call.session.scalar(
        select(Message).where(Message.msgid == data.omsgid).with_for_update()
    )
    if original is None:
        call.session.add(
            Message(
                msgid=data.omsgid,
                infno=data.oinfno,
                fixmedins_code=call.code,
                status="blocked",
                at=call.now,
            )
        )
        outcome = "blocked"
    elif original.infno != data.oinfno:
        raise EnvelopeError(f"message {data.omsgid} was a {original.infno}, not {data.oinfno}")
    elif original.status != "done":
        outcome = "already"
    else:
        reverser(call, data.omsgid)
        original.status = "reversed"
        outcome = "reversed"
    return {"data": {"omsgid": data.omsgid, "oinfno": data.oinfno, "rvs_rslt": outcome}}


# ---- reconciliation -------------------------------------------------------------------------


def _period(begin: str, end: str) -> tuple[dt.datetime, dt.datetime]:
    try:
        first, last = dt.date.fromisoformat(begin), dt.date.fromisoformat(end)
    except ValueError as exc:
        raise EnvelopeError(f"statement dates: {exc}") from None
    if last < first:
        raise EnvelopeError("stmt_enddate precedes stmt_begndate")
    start = dt.datetime.combine(first, dt.time())
    return start, dt.datetime.combine(last + dt.timedelta(days=1), dt.time())


def _live_settlements(call: Call, optins: str, begin: str, end: str, *where: Any) -> list:
    start, stop = _period(begin, end)
    return list(
        call.session.scalars(
            select(Settlement)
            .where(
                Settlement.fixmedins_code == call.code,
                Settlement.status == "settled",
                Settlement.clr_optins == optins,
                Settlement.setl_time >= start,
                Settlement.setl_time < stop,
                *where,
            )
            .order_by(Settlement.setl_time, Settlement.setl_id)
        )
    )


def _totals(rows: list[Settlement]) -> dict[str, Decimal]:
    return {
        "medfee_sumamt": sum((r.medfee_sumamt for r in rows), ZERO),
        "fund_pay_sumamt": sum((r.fund_pay_sumamt for r in rows), ZERO),
        "acct_pay": sum((r.acct_pay for r in rows), ZERO),
        "cash_payamt": sum((r.psn_cash_pay for r in rows), ZERO),
    }


def statement_totals(call: Call) -> dict[str, Any]:
    """3201: the caller's totals against the platform's (stmt_rslt 0 = balanced, 1 = not)."""
    data = node(call, "data", s.StatementTotals)
    rows = _live_settlements(
        call,
        data.setl_optins,
        data.stmt_begndate,
        data.stmt_enddate,
        Settlement.insutype == data.insutype,
        Settlement.clr_type == data.clr_type,
    )
    totals = _totals(rows)
    claimed = {
        "medfee_sumamt": data.medfee_sumamt,
        "fund_pay_sumamt": data.fund_pay_sumamt,
        "acct_pay": data.acct_pay,
    }
    diffs = [
        f"{k}: platform {totals[k]}, institution {v}" for k, v in claimed.items() if totals[k] != v
    ]
    if len(rows) != data.fixmedins_setl_cnt:
        diffs.append(
            f"fixmedins_setl_cnt: platform {len(rows)}, institution {data.fixmedins_setl_cnt}"
        )
    return {
        "stmtinfo": {
            "setl_optins": data.setl_optins,
            "stmt_rslt": "1" if diffs else "0",
            "stmt_rslt_dscr": "; ".join(diffs) if diffs else "balanced",
            "medfee_sumamt": show(totals["medfee_sumamt"]),
            "fund_pay_sumamt": show(totals["fund_pay_sumamt"]),
            "acct_pay": show(totals["acct_pay"]),
            "cash_payamt": show(totals["cash_payamt"]),
            "fixmedins_setl_cnt": len(rows),
        }
    }


def statement_detail(call: Call) -> dict[str, Any]:
    """3202: per-settlement comparison (stmt_rslt 0 match, 1 differs, 2 missing at the
    institution, 3 unknown to the platform); `details` replaces the 9101 file."""
    data = node(call, "data", s.StatementDetail)
    rows = _live_settlements(call, data.setl_optins, data.stmt_begndate, data.stmt_enddate)
    theirs = {row.setl_id: row for row in data.details}
    detail = []
    for setl in rows:
        mine = theirs.pop(setl.setl_id, None)
        same = mine is not None and (
            mine.medfee_sumamt,
            mine.fund_pay_sumamt,
            mine.acct_pay,
        ) == (setl.medfee_sumamt, setl.fund_pay_sumamt, setl.acct_pay)
        detail.append(
            {
                "setl_id": setl.setl_id,
                "mdtrt_id": setl.mdtrt_id,
                "psn_no": setl.psn_no,
                "medfee_sumamt": show(setl.medfee_sumamt),
                "fund_pay_sumamt": show(setl.fund_pay_sumamt),
                "acct_pay": show(setl.acct_pay),
                "msgid": setl.msgid,
                "refd_setl_flag": "0",
                "stmt_rslt": "0" if same else ("2" if mine is None else "1"),
            }
        )
    detail += [{"setl_id": sid, "stmt_rslt": "3"} for sid in theirs]
    totals = _totals(rows)
    balanced = (
        all(row["stmt_rslt"] == "0" for row in detail)
        and totals["medfee_sumamt"] == data.medfee_sumamt
        and totals["fund_pay_sumamt"] == data.fund_pay_sumamt
        and totals["cash_payamt"] == data.cash_payamt
        and len(rows) == data.fixmedins_setl_cnt
    )
    return {
        "fileinfo": {"file_qury_no": data.file_qury_no, "filename": "", "dld_endtime": ""},
        "stmtinfo": {
            "setl_optins": data.setl_optins,
            "stmt_rslt": "0" if balanced else "1",
            **{k: show(v) for k, v in totals.items()},
            "fixmedins_setl_cnt": len(rows),
        },
        "stmtdetail": detail,
    }


@dataclass(frozen=True)
class Transaction:
    name: str
    handler: Callable[[Call], dict[str, Any]]


TRANSACTIONS: dict[str, Transaction] = {
    "9001": Transaction("sign-in", sign_in),
    "1101": Transaction("person info", person_info),
    "2201": Transaction("outpatient registration", registration),
    "2203": Transaction("outpatient visit info upload", visit_info),
    "2204": Transaction("outpatient fee detail upload", outpatient_fees),
    "2206": Transaction("outpatient pre-settlement", outpatient_presettle),
    "2207": Transaction("outpatient settlement", outpatient_settle),
    "2208": Transaction("outpatient settlement cancel", outpatient_cancel),
    "2401": Transaction("admission", admission),
    "2301": Transaction("inpatient fee detail upload", inpatient_fees),
    "2303": Transaction("inpatient pre-settlement", inpatient_presettle),
    "2304": Transaction("inpatient settlement", inpatient_settle),
    "2305": Transaction("inpatient settlement cancel", inpatient_cancel),
    "2501": Transaction("referral filing", referral),
    "2502": Transaction("referral filing cancel", referral_cancel),
    "2601": Transaction("reversal", reversal),
    "3201": Transaction("reconciliation totals", statement_totals),
    "3202": Transaction("reconciliation detail", statement_detail),
}
