"""Bank HTTP API: a thin layer over BankService and IssuerHost, one transaction per request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from backends.bank import schemas as sc
from backends.bank.issuer_host import IssuerHost
from backends.bank.linked import linked_services
from backends.bank.models import BankAccount
from backends.bank.money import to_yuan
from backends.bank.service import BankService
from backends.core.auth import DatabaseDep, Principal, require_kind
from backends.core.clock import ClockDep

T = TypeVar("T")

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "content": {"application/json": {"schema": {
        "type": "object", "properties": {"detail": {}}, "required": ["detail"]}}}}
    for code, text in ((400, "bad input"), (401, "missing or wrong institution credential"),
                       (403, "not allowed for this caller or card"), (404, "not found"),
                       (409, "conflicts with the current state"))
}  # fmt: skip

router = APIRouter(prefix="/bank", tags=["bank"], responses=ERROR_RESPONSES)

BankCaller = Annotated[Principal, Depends(require_kind("bank"))]
# The bureau submits pension and contribution batches to its service bank.
BatchCaller = Annotated[Principal, Depends(require_kind("bank", "bureau"))]


def _run(db: DatabaseDep, clock: ClockDep, work: Callable[[BankService], T]) -> T:
    def unit(session: Session) -> T:
        return work(linked_services(session, clock)[1])

    return db.run(unit)


def _public(bank: BankService, account: BankAccount) -> sc.AccountPublic:
    public = sc.AccountPublic.model_validate(account)
    public.balance = bank.balance(account.account_no)
    return public


@router.post("/accounts", response_model=sc.AccountPublic, status_code=201)
def open_account(body: sc.AccountOpen, db: DatabaseDep, clock: ClockDep, _: BankCaller):
    return _run(
        db,
        clock,
        lambda b: _public(
            b,
            b.open_account(
                body.card_no,
                body.certno,
                body.name,
                account_no=body.account_no,
                replaces_card_no=body.replaces_card_no,
            ),
        ),
    )


@router.get("/cards/{card_no}", response_model=sc.AccountPublic)
def account(card_no: str, db: DatabaseDep, clock: ClockDep, _: BankCaller):
    return _run(db, clock, lambda b: _public(b, b.account(card_no)))


@router.post("/cards/{card_no}/activate", response_model=sc.AccountPublic)
def activate(card_no: str, body: sc.Activation, db: DatabaseDep, clock: ClockDep, _: BankCaller):
    """Financial activation in person; also enables the social function at the bureau."""
    return _run(
        db, clock, lambda b: _public(b, b.activate(card_no, body.identity_certno, body.pin))
    )


@router.post("/cards/{card_no}/deposit", response_model=sc.TransactionPublic)
def deposit(card_no: str, body: sc.Deposit, db: DatabaseDep, clock: ClockDep, _: BankCaller):
    return _run(
        db,
        clock,
        lambda b: sc.TransactionPublic.model_validate(
            b.deposit(card_no, body.amount, body.reference)
        ),
    )


@router.post("/cards/{card_no}/withdraw", response_model=sc.TransactionPublic)
def withdraw(card_no: str, body: sc.Withdrawal, db: DatabaseDep, clock: ClockDep, _: BankCaller):
    return _run(
        db,
        clock,
        lambda b: sc.TransactionPublic.model_validate(
            b.withdraw(card_no, body.amount, body.pin, body.reference)
        ),
    )


@router.post("/cards/{card_no}/transfer", response_model=sc.TransactionPublic)
def transfer(card_no: str, body: sc.Transfer, db: DatabaseDep, clock: ClockDep, _: BankCaller):
    return _run(
        db,
        clock,
        lambda b: sc.TransactionPublic.model_validate(
            b.transfer(card_no, body.to_card_no, body.amount, body.pin, body.reference)
        ),
    )


@router.get("/cards/{card_no}/statement", response_model=list[sc.StatementLine])
def statement(card_no: str, db: DatabaseDep, clock: ClockDep, _: BankCaller):
    return _run(
        db,
        clock,
        lambda b: [
            sc.StatementLine(
                transaction=sc.TransactionPublic.model_validate(txn),
                amount=to_yuan(cents),
            )
            for txn, cents in b.statement(card_no)
        ],
    )


@router.post("/cards/{card_no}/loss", response_model=sc.AccountPublic)
def report_loss(card_no: str, body: sc.LossReport, db: DatabaseDep, clock: ClockDep, _: BankCaller):
    """Loss reported at the bank; shared with the bureau."""
    return _run(
        db,
        clock,
        lambda b: _public(b, b.report_loss(card_no, body.identity_certno, body.kind)),
    )


@router.post("/batches", response_model=list[sc.BatchResult], status_code=201)
def pay_batch(body: sc.Batch, db: DatabaseDep, clock: ClockDep, _: BatchCaller):
    lines = [(line.card_no, line.amount) for line in body.lines]
    return _run(
        db,
        clock,
        lambda b: [
            sc.BatchResult(card_no=r.card_no, amount=r.amount, status=r.status, reason=r.reason)
            for r in b.pay_batch(body.batch_id, body.kind, lines)
        ],
    )


@router.get("/books", response_model=sc.Books)
def books(db: DatabaseDep, clock: ClockDep, _: BankCaller):
    """Trial balance: 0 and no unbalanced transaction when the ledger is sound."""
    return _run(
        db,
        clock,
        lambda b: sc.Books(
            trial_balance_cents=b.trial_balance(),
            unbalanced_transactions=b.unbalanced_transactions(),
        ),
    )


@router.post("/issuer/authorise", response_model=sc.AuthorisationResponse)
def authorise(body: sc.AuthorisationRequest, db: DatabaseDep, clock: ClockDep, _: BankCaller):
    """Issuer host: verify the ARQC, refuse replayed ATCs, answer with ARC and ARPC."""

    def work(bank: BankService) -> sc.AuthorisationResponse:
        result = IssuerHost(bank).authorise(
            pan=body.pan,
            pan_sequence=body.pan_sequence,
            atc=body.atc,
            arqc=bytes.fromhex(body.arqc),
            cdol1_data=bytes.fromhex(body.cdol1_data),
            aip=bytes.fromhex(body.aip),
            iad=bytes.fromhex(body.iad),
            amount=body.amount,
        )
        iad91 = result.issuer_authentication_data
        return sc.AuthorisationResponse(
            approved=result.approved,
            reason=result.reason,
            arc=result.arc.hex().upper(),
            arpc=None if result.arpc is None else result.arpc.hex().upper(),
            issuer_authentication_data=None if iad91 is None else iad91.hex().upper(),
        )

    return _run(db, clock, work)
