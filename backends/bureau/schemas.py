"""Request and response bodies of the bureau API."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

CertNo = str  # 18-character citizen ID; the check digit is verified by the service
District = Field(pattern=r"^\d{6}$", description="6-digit region code")


class PersonCreate(BaseModel):
    certno: CertNo = Field(min_length=18, max_length=18)
    name: str = Field(min_length=1, max_length=50)
    gender: Literal["1", "2"]
    birth_date: dt.date
    hukou_district: str = District
    ethnic: int = Field(default=1, ge=1, le=99)
    birth_place: str | None = Field(default=None, pattern=r"^\d{6}$")
    residence_district: str | None = Field(default=None, pattern=r"^\d{6}$")
    employer_name: str | None = Field(default=None, max_length=60)
    employer_district: str | None = Field(default=None, pattern=r"^\d{6}$")
    phone: str | None = Field(default=None, max_length=16)


class PersonCorrection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=50)
    gender: Literal["1", "2"] | None = None
    birth_date: dt.date | None = None
    ethnic: int | None = Field(default=None, ge=1, le=99)
    birth_place: str | None = Field(default=None, pattern=r"^\d{6}$")
    hukou_district: str | None = Field(default=None, pattern=r"^\d{6}$")
    residence_district: str | None = Field(default=None, pattern=r"^\d{6}$")
    employer_name: str | None = Field(default=None, max_length=60)
    employer_district: str | None = Field(default=None, pattern=r"^\d{6}$")
    phone: str | None = Field(default=None, max_length=16)


class PersonPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    certno: str
    name: str
    gender: str
    birth_date: dt.date
    hukou_district: str
    residence_district: str | None
    employer_district: str | None


class ApplicationCreate(BaseModel):
    certno: CertNo = Field(min_length=18, max_length=18)
    district: str = District
    channel: Literal["hukou", "residence", "employer"] = "hukou"


class IdentityCheck(BaseModel):
    """An in-person act: the holder's ID number, checked against the card."""

    identity_certno: CertNo = Field(min_length=18, max_length=18)


class ReissueOrder(IdentityCheck):
    district: str = District


class ReplacementOrder(IdentityCheck):
    district: str = District
    warranty: bool = False


class ApplicationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    business_type: str
    district: str
    channel: str
    state: str
    stage: str
    fee_cents: int
    replaces_card_no: str | None
    card_no: str | None


class CardPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    card_no: str
    card_sn: str
    certno: str
    name: str
    region: str
    status: int = Field(description="AAZ502: 0 sealed, 1 normal, 2 formal loss, 3 locked, "
                        "4 temporary loss, 9 cancelled")  # fmt: skip
    status_name: str
    collected: bool
    issue_date: dt.date
    expiry_date: dt.date = Field(description="the last day the card is valid (as on the chip)")
    temp_loss_until: dt.datetime | None
    reissue_ordered: bool
    replaced_by: str | None
    blacklisted: bool
    expired: bool = Field(description="today is after expiry_date")


class TemporaryLossReport(BaseModel):
    channel: Literal["phone", "web", "kiosk"]


class LockReport(BaseModel):
    channel: str = Field(default="terminal", max_length=12)


class CardEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: dt.datetime
    operation: str
    channel: str
    from_status: int | None
    to_status: int | None


class BlacklistEntry(BaseModel):
    card_no: str
    status: int


class TemporaryCardCreate(BaseModel):
    certno: CertNo = Field(min_length=18, max_length=18)


class TemporaryCardExtend(BaseModel):
    days: int = Field(gt=0, le=366)


class TemporaryCardPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: str
    issued_at: dt.datetime
    expires_at: dt.datetime
    voided_at: dt.datetime | None
    void_reason: str | None


class TemporaryCardUse(BaseModel):
    use: Literal["identity", "medical", "financial"]


class QueryPassword(BaseModel):
    password: str = Field(min_length=1, max_length=12)


class QueryPasswordChange(BaseModel):
    old: str = Field(min_length=1, max_length=12)
    new: str = Field(pattern=r"^\d{6,12}$")


class RecordCreate(BaseModel):
    certno: CertNo = Field(min_length=18, max_length=18)
    kind: Literal["contribution", "benefit"]
    insurance: str = Field(min_length=1, max_length=20)
    period: str = Field(pattern=r"^\d{4}(0[1-9]|1[0-2])$")
    amount_cents: int = Field(gt=0, le=10**12)


class RecordQuery(QueryPassword):
    kind: Literal["contribution", "benefit"]


class RecordPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    insurance: str
    period: str
    amount_cents: int
    at: dt.datetime


class HrActCreate(BaseModel):
    kind: Literal[
        "employment_registration",
        "unemployment_registration",
        "insurance_registration",
        "work_injury_recognition",
        "vocational_training",
        "skill_appraisal",
    ]
    details: dict[str, str] = Field(
        description="date (YYYY-MM-DD) and the act's fields: certificate_no, insurance "
        "(pension/unemployment/work_injury), grade, programme, occupation"
    )


class HrActPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    card_no: str
    kind: str
    at: dt.datetime
    details: dict[str, str]
    card_verified: bool


class WriteStepPublic(BaseModel):
    purpose: str
    apdu: str | None = Field(description="hex; null: GET CHALLENGE, then ask /secured-command")


class SecuredCommandRequest(BaseModel):
    step: int = Field(ge=0, le=64)
    historical: str = Field(pattern=r"^[0-9A-Fa-f]{26}$", description="13 ATR historical bytes")
    challenge: str = Field(pattern=r"^[0-9A-Fa-f]{16}$", description="GET CHALLENGE answer")


class SecuredCommand(BaseModel):
    apdu: str


class ReadBack(BaseModel):
    answers: list[str] = Field(
        max_length=16, description="hex answers (data + SW) of the script's read steps"
    )
