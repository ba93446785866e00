"""Service-bank tables: accounts, a double-entry ledger, payout batches, issuer-host ATCs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backends.core.db import Base


class BankAccount(Base):
    """A customer account (the card's financial account) or an internal account of the bank."""

    __tablename__ = "bank_accounts"

    account_no: Mapped[str] = mapped_column(String(24), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # customer / internal
    card_no: Mapped[str | None] = mapped_column(String(9), unique=True, nullable=True)
    certno: Mapped[str | None] = mapped_column(String(18), index=True, nullable=True)
    name: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(10))  # opened / active / closed
    loss: Mapped[str] = mapped_column(String(10), default="none")  # none/temporary/formal
    pin_salt: Mapped[str | None] = mapped_column(String(32), nullable=True)
    pin_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    replaces_account_no: Mapped[str | None] = mapped_column(String(24), nullable=True)
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime)
    activated_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)


class LedgerTransaction(Base):
    """One balanced ledger transaction; ``reference`` makes a retried request apply once."""

    __tablename__ = "bank_ledger_transactions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[dt.datetime] = mapped_column(DateTime)


class LedgerPosting(Base):
    """One leg: positive = credit to the account, negative = debit; a transaction sums to 0."""

    __tablename__ = "bank_ledger_postings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transaction_id: Mapped[int] = mapped_column(
        ForeignKey("bank_ledger_transactions.id"), index=True
    )
    account_no: Mapped[str] = mapped_column(ForeignKey("bank_accounts.account_no"), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)


class PayoutItem(Base):
    """One line of a pension payout or contribution withholding batch."""

    __tablename__ = "bank_payout_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # pension / contribution
    card_no: Mapped[str] = mapped_column(String(9), index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10))  # done / failed
    reason: Mapped[str | None] = mapped_column(String(120), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    transaction_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class IssuerCounter(Base):
    """Highest application transaction counter (ATC) seen per card application (replays)."""

    __tablename__ = "bank_issuer_counters"

    pan: Mapped[str] = mapped_column(String(19), primary_key=True)
    psn: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_atc: Mapped[int] = mapped_column(Integer)
