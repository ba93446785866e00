"""Request and response bodies of the HIS API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class VisitCreate(BaseModel):
    """The patient's card as read by the reader (``card_info``), or a credential number."""

    card_info: str | None = Field(
        default=None, max_length=400, description="iReadCardBas output (card-spec §3.2)"
    )
    mdtrt_cert_type: Literal["01", "02", "03"] | None = None
    mdtrt_cert_no: str | None = Field(default=None, min_length=1, max_length=64)
    card_sn: str = Field(default="", max_length=32)
    insutype: str | None = Field(default=None, pattern=r"^\d{3}$")
    med_type: Literal["11", "13", "14"] = Field(
        default="11",
        description="11 general outpatient, 13 emergency (counts as filed across provinces, "
        "backend-flows §2.3), 14 outpatient chronic or special disease",
    )
    dept_name: str = Field(min_length=1, max_length=50)
    dr_name: str = Field(min_length=1, max_length=50)

    @model_validator(mode="after")
    def _one_credential(self) -> VisitCreate:
        typed = self.mdtrt_cert_type is not None and self.mdtrt_cert_no is not None
        if (self.card_info is None) == (not typed):
            raise ValueError("give card_info, or mdtrt_cert_type with mdtrt_cert_no (not both)")
        return self


class VisitPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    ipt_otp_no: str
    mdtrt_id: str
    psn_no: str
    psn_name: str
    insutype: str
    insuplc_admdvs: str
    mdtrt_cert_type: str
    card_no: str | None
    med_type: str
    dept_name: str
    status: str
    at: dt.datetime


class ChargeLine(BaseModel):
    med_list_codg: str = Field(min_length=1, max_length=50)
    name: str = Field(min_length=1, max_length=60)
    quantity: Decimal = Field(gt=0, max_digits=12, decimal_places=4)
    price: Decimal = Field(ge=0, max_digits=12, decimal_places=2)


class Charges(BaseModel):
    items: list[ChargeLine] = Field(min_length=1, max_length=200)


class ChargePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    feedetl_sn: str
    med_list_codg: str
    item_name: str
    quantity: str
    price: str
    amount: str


class SettleRequest(BaseModel):
    use_account: bool = True


class SettlementPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    msgid: str
    status: str
    setl_id: str | None
    setlinfo: dict[str, Any] | None
    error: str | None
    at: dt.datetime


class SettlementUnansweredBody(BaseModel):
    """The 504 of a settlement whose answer was lost: ``msgid`` is what 2601 reverses."""

    detail: str
    msgid: str
    status: Literal["pending"] = "pending"


class Summary(BaseModel):
    setl_id: str
    text: str
