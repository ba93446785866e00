"""Request and response bodies of the bank API. Amounts are decimal yuan (strings in JSON)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Amount = Field(gt=0, max_digits=15, decimal_places=2, description="yuan, at most 2 decimals")
Pin = Field(pattern=r"^\d{6}$", description="6-digit bank PIN; never logged")
Reference = Field(min_length=1, max_length=64, description="idempotency key: applied once")
CardNo = Field(pattern=r"^[0-9A-Z]{8}[0-9X]$", description="9-character card number")
Hex = r"^([0-9A-Fa-f]{2})*$"


class AccountOpen(BaseModel):
    card_no: str = CardNo
    certno: str = Field(min_length=18, max_length=18)
    name: str = Field(min_length=1, max_length=60)
    account_no: str | None = Field(default=None, pattern=r"^\d{16,19}$")
    replaces_card_no: str | None = Field(default=None, pattern=r"^[0-9A-Z]{8}[0-9X]$")


class Activation(BaseModel):
    identity_certno: str = Field(min_length=18, max_length=18)
    pin: str = Pin


class AccountPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    account_no: str
    card_no: str | None
    name: str
    status: str
    loss: str
    activated_at: dt.datetime | None
    balance: Decimal = Decimal("0.00")


class Deposit(BaseModel):
    amount: Decimal = Amount
    reference: str = Reference


class Withdrawal(Deposit):
    pin: str = Pin


class Transfer(Withdrawal):
    to_card_no: str = CardNo


class TransactionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    reference: str
    kind: str
    at: dt.datetime


class StatementLine(BaseModel):
    transaction: TransactionPublic
    amount: Decimal


class BatchLine(BaseModel):
    card_no: str = CardNo
    amount: Decimal = Amount


class Batch(BaseModel):
    batch_id: str = Field(min_length=1, max_length=40)
    kind: Literal["pension", "contribution"]
    lines: list[BatchLine] = Field(min_length=1, max_length=10000)


class BatchResult(BaseModel):
    card_no: str
    amount: Decimal
    status: str
    reason: str | None


class LossReport(BaseModel):
    identity_certno: str = Field(min_length=18, max_length=18)
    kind: Literal["temporary", "formal"]


class AuthorisationRequest(BaseModel):
    pan: str = Field(pattern=r"^\d{16,19}$")
    pan_sequence: int = Field(ge=0, le=99)
    atc: int = Field(ge=0, le=0xFFFF)
    arqc: str = Field(pattern=Hex, min_length=16, max_length=16)
    cdol1_data: str = Field(pattern=Hex, max_length=512)
    aip: str = Field(pattern=Hex, min_length=4, max_length=4)
    iad: str = Field(pattern=Hex, max_length=64, description="9F10 of the GENERATE AC answer")
    amount: Decimal | None = Field(default=None, gt=0, max_digits=15, decimal_places=2)


class AuthorisationResponse(BaseModel):
    approved: bool
    reason: str
    arc: str = Field(description="authorisation response code, hex of 2 ASCII bytes")
    arpc: str | None
    issuer_authentication_data: str | None = Field(description="tag 91: ARPC ‖ ARC, hex")


class Books(BaseModel):
    trial_balance_cents: int
    unbalanced_transactions: list[int]
