"""HIS HTTP API for a hospital's own front-end (the hospital's credential, its data only)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials

from backends.core.auth import DatabaseDep, Principal, require_kind
from backends.core.clock import ClockDep
from backends.hospital import schemas as sc
from backends.hospital.card_info import from_number, from_reader_output
from backends.hospital.platform import HttpPlatform, InProcessPlatform, PlatformClient
from backends.hospital.service import (
    ChargeItem,
    HisService,
    SettlementUnanswered,
    bureau_card_check,
)
from backends.hospital.settings import HospitalSettings

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "content": {"application/json": {"schema": {
        "type": "object", "properties": {"detail": {}}, "required": ["detail"]}}}}
    for code, text in ((400, "bad input"), (401, "missing or wrong institution credential"),
                       (403, "not allowed for this caller or card"), (404, "not found"),
                       (409, "conflicts with the current state"),
                       (504, "the platform did not answer"))
}  # fmt: skip

router = APIRouter(prefix="/hospital", tags=["hospital"], responses=ERROR_RESPONSES)

HospitalCaller = Annotated[Principal, Depends(require_kind("hospital"))]
_basic = HTTPBasic(auto_error=False)


def his(
    hospital: HospitalCaller,
    database: DatabaseDep,
    clock: ClockDep,
    credentials: Annotated[HTTPBasicCredentials | None, Depends(_basic)],
) -> Iterator[HisService]:
    """The HIS of the calling hospital; over HTTP it forwards the hospital's credential."""
    settings = HospitalSettings()
    platform: PlatformClient
    if settings.platform_url and credentials is not None:
        auth = (credentials.username, credentials.password)
        platform = HttpPlatform(settings.platform_url, auth, timeout=settings.platform_timeout)
    else:
        platform = InProcessPlatform(database, hospital, clock)
    try:
        yield HisService(database, hospital, platform, clock, bureau_card_check(database, clock))
    finally:
        if isinstance(platform, HttpPlatform):
            platform.close()


HisDep = Annotated[HisService, Depends(his)]


@router.post("/visits", response_model=sc.VisitPublic, status_code=201)
def register(body: sc.VisitCreate, service: HisDep):
    """Registration (1101 + 2201) for a patient presenting a card or a credential number."""
    if body.card_info is not None:
        credential = from_reader_output(body.card_info)
    else:
        credential = from_number(body.mdtrt_cert_type, body.mdtrt_cert_no, body.card_sn)
    visit = service.register(
        credential, body.dept_name, body.dr_name, body.insutype, med_type=body.med_type
    )
    return sc.VisitPublic.model_validate(visit)


@router.get("/visits/{ipt_otp_no}", response_model=sc.VisitPublic)
def visit(ipt_otp_no: str, service: HisDep):
    return sc.VisitPublic.model_validate(service.visit(ipt_otp_no))


@router.post("/visits/{ipt_otp_no}/charges", response_model=list[sc.ChargePublic])
def charge(ipt_otp_no: str, body: sc.Charges, service: HisDep):
    """Fee upload (2204)."""
    items = [ChargeItem(i.med_list_codg, i.name, i.quantity, i.price) for i in body.items]
    return [sc.ChargePublic.model_validate(row) for row in service.charge(ipt_otp_no, items)]


@router.post(
    "/visits/{ipt_otp_no}/settle",
    response_model=sc.SettlementPublic,
    responses={504: {"model": sc.SettlementUnansweredBody, "description": "no answer to "
                     "2206 (no msgid) or to 2207 (msgid pending: reverse it)"}},
)  # fmt: skip
def settle(ipt_otp_no: str, body: sc.SettleRequest, service: HisDep):
    """Pre-settlement (2206) and settlement (2207); a lost 2207 answer gives its msgid."""
    try:
        settled = service.settle(ipt_otp_no, body.use_account)
    except SettlementUnanswered as lost:
        answer = sc.SettlementUnansweredBody(detail=lost.message, msgid=lost.msgid)
        return JSONResponse(status_code=lost.status, content=answer.model_dump())
    return sc.SettlementPublic.model_validate(settled)


@router.get("/visits/{ipt_otp_no}/settlements", response_model=list[sc.SettlementPublic])
def settlements(ipt_otp_no: str, service: HisDep):
    """The visit's settlements, oldest first; a ``pending`` one is reversed with 2601."""
    return [sc.SettlementPublic.model_validate(row) for row in service.settlements(ipt_otp_no)]


@router.post("/settlements/{msgid}/reverse", response_model=sc.SettlementPublic)
def reverse(msgid: str, service: HisDep):
    """2601 for a settlement whose answer was lost."""
    return sc.SettlementPublic.model_validate(service.reverse(msgid))


@router.post("/settlements/by-setl-id/{setl_id}/cancel", response_model=sc.SettlementPublic)
def cancel(setl_id: str, service: HisDep):
    """2208 settlement cancel."""
    return sc.SettlementPublic.model_validate(service.cancel(setl_id))


@router.get("/settlements/by-setl-id/{setl_id}/summary", response_model=sc.Summary)
def summary(setl_id: str, service: HisDep):
    """The printed settlement summary."""
    return sc.Summary(setl_id=setl_id, text=service.summary(setl_id))
