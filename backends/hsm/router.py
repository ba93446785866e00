"""HSM HTTP API (the reader's HSM mode talks to it; docs/http-api.md "HSM")."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from backends.core.auth import Principal, require_kind
from backends.hsm import schemas as sc
from backends.hsm.service import HsmService

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "content": {"application/json": {"schema": {
        "type": "object", "properties": {"detail": {}}, "required": ["detail"]}}}}
    for code, text in ((400, "bad input"), (401, "missing or wrong institution credential"),
                       (403, "not allowed for this caller or card"), (404, "not found"),
                       (409, "conflicts with the current state"))
}  # fmt: skip

router = APIRouter(prefix="/hsm", tags=["hsm"], responses=ERROR_RESPONSES)

# Terminals reach the HSM through their institution's back-end (card-spec §2.4, "1903/1904").
HsmCaller = Annotated[
    Principal, Depends(require_kind("hospital", "pharmacy", "bank", "bureau", "hsm"))
]


@router.post("/read-card-bas/step2", response_model=sc.Step2Response)
def read_card_bas_step2(body: sc.Step1Request, _: HsmCaller) -> sc.Step2Response:
    """Step1 string -> pKey for iReadCardBas_HSM_Step2."""
    return sc.Step2Response(pkey=HsmService().read_card_bas_step2(body.step1))


@router.post("/pin-reload/auth", response_model=sc.PinReloadAuthResponse)
def pin_reload_auth(body: sc.PinReloadAuthRequest, _: HsmCaller) -> sc.PinReloadAuthResponse:
    """iReloadPIN_HSM step 1: EXTERNAL AUTHENTICATE data for the PIN-reload key."""
    data = HsmService().pin_reload_auth(
        body.algorithm,
        body.region,
        bytes.fromhex(body.historical),
        bytes.fromhex(body.factor),
        bytes.fromhex(body.challenge),
    )
    return sc.PinReloadAuthResponse(data=data.hex().upper())


@router.post("/pin-reload", response_model=sc.PinReloadResponse)
def pin_reload(body: sc.PinReloadRequest, _: HsmCaller) -> sc.PinReloadResponse:
    """The PIN-reload command for the card's challenge (iReloadPIN_HSM steps)."""
    apdu = HsmService().pin_reload(
        body.algorithm,
        body.region,
        bytes.fromhex(body.historical),
        bytes.fromhex(body.challenge),
        body.new_pin,
    )
    return sc.PinReloadResponse(apdu=apdu.hex().upper())
