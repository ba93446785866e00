"""HTTP: the platform endpoint (infno envelope) and the agency API. Thin: services do the work."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from backends.core.auth import DatabaseDep, Principal, PrincipalDep, require_kind
from backends.core.clock import ClockDep
from backends.core.errors import ERROR_RESPONSES
from backends.medical import schemas
from backends.medical.agency import Agency
from backends.medical.service import error_envelope, handle

router = APIRouter()

ENDPOINT = "/fsi/api/rsfComIfsService/callService"


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


@router.post(
    ENDPOINT,
    tags=["medical insurance platform"],
    summary="Call an infno transaction (9001, 1101, 22xx, 23xx, 2401, 25xx, 2601, 32xx)",
    response_model=schemas.ResponseEnvelope,
    responses={401: ERROR_RESPONSES[401]},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": schemas.RequestEnvelope.model_json_schema()}
            },
        }
    },
)
async def call_service(
    request: Request, principal: PrincipalDep, database: DatabaseDep, clock: ClockDep
) -> Any:
    raw = await request.body()
    try:
        body = json.loads(raw, parse_float=Decimal, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return JSONResponse(error_envelope(None, "the request body is not valid JSON", clock))
    answer = await run_in_threadpool(handle, database, principal, body, None, clock)
    return JSONResponse(answer)


AgencyDep = Annotated[Principal, Depends(require_kind("platform", "bureau"))]


def _agency(database: DatabaseDep, clock: ClockDep) -> Agency:
    return Agency(database, clock=clock)


AgencyServiceDep = Annotated[Agency, Depends(_agency)]

agency = APIRouter(prefix="/medical", tags=["medical insurance agency"], responses=ERROR_RESPONSES)


@agency.post("/insured", response_model=schemas.EnrollResponse)
def enroll(body: schemas.EnrollRequest, _: AgencyDep, service: AgencyServiceDep) -> Any:
    """Enrol a person (keyed by citizen ID) in an insurance type, with an opening balance."""
    return service.enroll(body)


@agency.post("/cards", status_code=204)
def link_card(body: schemas.CardLink, _: AgencyDep, service: AgencyServiceDep) -> None:
    """Accept a social security card as credential 03."""
    service.link_card(body)


@agency.delete("/cards/{card_no}", status_code=204)
def unlink_card(card_no: str, _: AgencyDep, service: AgencyServiceDep) -> None:
    """Stop accepting a card (loss, cancellation, replacement)."""
    service.unlink_card(card_no)


@agency.post("/ecredentials", response_model=schemas.ECredentialResponse)
def issue_ecredential(
    body: schemas.ECredentialRequest, _: AgencyDep, service: AgencyServiceDep
) -> Any:
    """Issue a medical e-credential token (credential 01)."""
    return service.issue_ecredential(body)


@agency.post("/filings", response_model=schemas.FilingResponse)
def file_cross_region(body: schemas.FilingRequest, _: AgencyDep, service: AgencyServiceDep) -> Any:
    """Record a cross-region filing (备案) made through the agency's channels (§2.3)."""
    return service.file(body)


@agency.delete("/filings/{trt_dcla_detl_sn}", status_code=204)
def cancel_filing(
    trt_dcla_detl_sn: str, psn_no: str, _: AgencyDep, service: AgencyServiceDep
) -> None:
    service.cancel_filing(trt_dcla_detl_sn, psn_no)


@agency.get("/clearing", response_model=list[schemas.ClearingPosition])
def clearing(_: AgencyDep, service: AgencyServiceDep) -> Any:
    """Net inter-province clearing positions (insurance region owes treatment region)."""
    return service.clearing()


@agency.get("/audit", response_model=schemas.AuditResponse)
def audit(_: AgencyDep, service: AgencyServiceDep) -> Any:
    """Ledger and clearing consistency: an empty list when every balance is explained."""
    return service.audit()


router.include_router(agency)
