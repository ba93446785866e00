"""The infno envelope (backend-flows §1.1, §1.2) and the inputs of each transaction (§1.4).

Inputs accept extra fields (real HIS clients send many more); the fields the emulator uses are
typed and checked. Amounts are JSON numbers or strings with at most two decimals; outputs carry
amounts as strings with exactly two decimals.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from backends.medical.money import parse_amount

Amount = Annotated[Decimal, BeforeValidator(lambda v: parse_amount(v, "amount"))]
Quantity = Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=4, allow_inf_nan=False)]
Region = Annotated[str, Field(pattern=r"^\d{6}$")]
Code = Annotated[str, Field(min_length=1, max_length=30)]
Flag = Annotated[str, Field(pattern=r"^[01]$")]


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)


class RequestEnvelope(_Open):
    """Request header plus `input` (§1.1)."""

    infno: str = Field(pattern=r"^\d{4}[A-Z]?$", description="transaction number")
    msgid: str = Field(
        min_length=30,
        max_length=30,
        description="fixmedins_code (12) + yyyyMMddHHmmss (14) + sequence (4)",
    )
    mdtrtarea_admvs: Region = Field(description="region of the place of treatment")
    insuplc_admdvs: str = Field(
        default="",
        pattern=r"^(\d{6})?$",
        description="region of the place of insurance; mandatory when input carries psn_no",
    )
    recer_sys_code: str = ""
    dev_no: str = ""
    dev_safe_info: str = ""
    cainfo: str = ""
    signtype: str = ""
    infver: str = "V1.0"
    opter_type: str = Field(default="1", pattern=r"^[123]$")
    opter: str = ""
    opter_name: str = ""
    inf_time: str = ""
    fixmedins_code: str = Field(min_length=12, max_length=12)
    fixmedins_name: str = ""
    sign_no: str = ""
    input: dict[str, Any] = Field(default_factory=dict)


class ResponseEnvelope(BaseModel):
    """Response (§1.2): infcode 0 = success, -1 = failure with err_msg."""

    infcode: int
    inf_refmsgid: str
    refmsg_time: str
    respond_time: str
    err_msg: str | None = None
    output: dict[str, Any] | None = None


# ---- inputs ---------------------------------------------------------------------------------


class SignInData(_Open):
    opter_no: Code
    mac: str = ""
    ip: str = ""


class PersonQuery(_Open):
    """1101 `input.data`."""

    mdtrt_cert_type: str = Field(pattern=r"^0[123]$")
    mdtrt_cert_no: str = Field(min_length=1, max_length=64)
    card_sn: str = Field(default="", max_length=32)
    begntime: str = ""
    psn_cert_type: str = ""
    certno: str = ""
    psn_name: str = ""


class Registration(_Open):
    """2201 `input.data`; also the `mdtrtinfo` of 2401."""

    psn_no: Code
    insutype: str = Field(pattern=r"^\d{3}$")
    begntime: str = Field(min_length=1, max_length=19)
    mdtrt_cert_type: str = Field(pattern=r"^0[123]$")
    mdtrt_cert_no: str = Field(min_length=1, max_length=64)
    ipt_otp_no: Code
    med_type: str = Field(default="", max_length=6)
    dise_codg: str = Field(default="", max_length=30)
    dise_name: str = Field(default="", max_length=128)


class Admission(Registration):
    ipt_no: str = ""
    adm_diag_dscr: str = ""


class VisitInfo(_Open):
    """2203 `input.mdtrtinfo`."""

    mdtrt_id: Code
    psn_no: Code
    med_type: str = Field(min_length=2, max_length=6)
    begntime: str = ""
    main_cond_dscr: str = ""
    dise_codg: str = Field(default="", max_length=30)
    dise_name: str = Field(default="", max_length=128)


class FeeDetail(_Open):
    """One row of 2204 / 2301 `input.feedetail`."""

    feedetl_sn: Code
    mdtrt_id: Code
    psn_no: Code
    chrg_bchno: str = Field(default="", max_length=30)
    med_list_codg: str = Field(min_length=1, max_length=50)
    medins_list_codg: str = Field(default="", max_length=50)
    det_item_fee_sumamt: Amount
    cnt: Quantity | None = None
    pric: Amount | None = None
    fee_ocur_time: str = ""


class FeeUpload(_Open):
    feedetail: list[FeeDetail] = Field(min_length=1, max_length=500)


class SettleData(_Open):
    """2206 / 2207 / 2303 / 2304 `input.data`."""

    psn_no: Code
    mdtrt_id: Code
    insutype: str = Field(pattern=r"^\d{3}$")
    medfee_sumamt: Amount
    mdtrt_cert_type: str = Field(default="", pattern=r"^(0[123])?$")
    mdtrt_cert_no: str = ""
    med_type: str = Field(default="", max_length=6)
    psn_setlway: str = "01"
    chrg_bchno: str = ""
    acct_used_flag: Flag = "0"
    mid_setl_flag: Flag = "0"
    invono: str = ""


class SettleCancel(_Open):
    """2208 / 2305 `input.data`."""

    setl_id: Code
    mdtrt_id: Code
    psn_no: Code


class Referral(_Open):
    """2501 `input.refmedin`."""

    psn_no: Code
    insutype: str = Field(pattern=r"^\d{3}$")
    mdtrtarea_admdvs: Region = Field(description="destination region of the referral")
    reflin_medins_no: str = ""
    reflin_medins_name: str = ""
    diag_code: str = ""
    diag_name: str = ""
    refl_type: str = ""
    refl_rea: str = ""
    begndate: str = Field(default="", pattern=r"^(\d{4}-\d{2}-\d{2})?$")
    enddate: str = Field(default="", pattern=r"^(\d{4}-\d{2}-\d{2})?$")


class ReferralCancel(_Open):
    """2502 `input.data`."""

    trt_dcla_detl_sn: Code
    psn_no: Code
    memo: str = ""


class Reversal(_Open):
    """2601 `input.data`."""

    psn_no: str = ""
    omsgid: str = Field(min_length=30, max_length=30)
    oinfno: str = Field(pattern=r"^\d{4}$")


class StatementTotals(_Open):
    """3201 `input.data`."""

    insutype: str = Field(pattern=r"^\d{3}$")
    clr_type: str = Field(min_length=1, max_length=6)
    setl_optins: Region
    stmt_begndate: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    stmt_enddate: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    medfee_sumamt: Amount
    fund_pay_sumamt: Amount
    acct_pay: Amount
    fixmedins_setl_cnt: int = Field(ge=0, strict=True)


class StatementRow(_Open):
    setl_id: Code
    medfee_sumamt: Amount
    fund_pay_sumamt: Amount
    acct_pay: Amount


class StatementDetail(_Open):
    """3202 `input.data`; `details` stands in for the 9101-uploaded file (emulator choice)."""

    setl_optins: Region
    stmt_begndate: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    stmt_enddate: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    medfee_sumamt: Amount
    fund_pay_sumamt: Amount
    cash_payamt: Amount
    fixmedins_setl_cnt: int = Field(ge=0, strict=True)
    file_qury_no: str = ""
    details: list[StatementRow] = Field(default_factory=list, max_length=10000)


# ---- agency API (insurance agency / bureau, not the infno envelope) --------------------------


class EnrollRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    certno: str = Field(min_length=18, max_length=18, description="citizen ID (GB 11643)")
    psn_name: str = Field(min_length=1, max_length=64)
    gend: str = Field(pattern=r"^[129]$")
    brdy: dt.date
    insuplc_admdvs: Region
    insutype: str = Field(default="310", pattern=r"^\d{3}$")
    balc: Amount = Decimal("0.00")
    psn_type: str = Field(default="11", max_length=6)
    emp_name: str = Field(default="", max_length=128)


class EnrollResponse(BaseModel):
    psn_no: str


class CardLink(BaseModel):
    model_config = ConfigDict(extra="forbid")

    certno: str = Field(min_length=18, max_length=18)
    card_no: str = Field(min_length=1, max_length=20)
    card_sn: str = Field(min_length=1, max_length=32)


class ECredentialRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    certno: str = Field(min_length=18, max_length=18)


class ECredentialResponse(BaseModel):
    token: str


class FilingRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    psn_no: str = Field(min_length=1, max_length=20)
    insutype: str = Field(default="310", pattern=r"^\d{3}$")
    dest_admdvs: Region
    kind: str = Field(default="temporary", pattern=r"^(residence|temporary|referral)$")
    begndate: dt.date | None = None
    enddate: dt.date | None = None


class FilingResponse(BaseModel):
    trt_dcla_detl_sn: str
    psn_no: str
    dest_admdvs: str
    kind: str
    begndate: dt.date
    enddate: dt.date
    status: str


class ClearingPosition(BaseModel):
    payer_admdvs: str
    payee_admdvs: str
    amount: str


class AuditResponse(BaseModel):
    problems: list[str]
