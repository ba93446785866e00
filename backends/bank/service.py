"""Service-bank domain service: card accounts over a double-entry ledger.

Every money movement is one LedgerTransaction whose postings sum to zero; customer accounts
never go below zero, internal accounts (cash, pension fund, contribution fund) may. A request
carries a reference; the same reference applies once. Bureau synchronisation (financial
activation enables the social function, losses are shared) goes through an optional port so
the bank also runs alone. Time is injected; the services never read the wall clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backends.bank.models import BankAccount, LedgerPosting, LedgerTransaction, PayoutItem
from backends.bank.money import to_cents, to_yuan
from backends.core.errors import Conflict, DomainError, Forbidden, NotFound
from card_os import codecs
from card_os.pboc.pan import generate_pan

Clock = Callable[[], dt.datetime]

# Internal accounts of the bank, created on first use.
CASH = "INT-CASH"
PENSION_FUND = "INT-PENSION-FUND"  # the bureau's pension payments pass through it
CONTRIBUTION_FUND = "INT-CONTRIB-FUND"  # withheld contributions land here
CARD_SETTLEMENT = "INT-CARD-SETTLE"  # card purchases authorised by the issuer host
INTERNAL_ACCOUNTS = {
    CASH: "cash vault",
    PENSION_FUND: "pension payment fund",
    CONTRIBUTION_FUND: "contribution receipts",
    CARD_SETTLEMENT: "card purchase settlement",
}
PAYOUT_KINDS = {"pension": PENSION_FUND, "contribution": CONTRIBUTION_FUND}
LOSS_KINDS = frozenset({"temporary", "formal"})


class BureauPort(Protocol):
    """What the bank tells the bureau (backend-flows §3.3, §3.4)."""

    def on_financial_activation(self, card_no: str) -> object: ...

    def on_bank_loss(self, card_no: str, formal: bool) -> object: ...


@dataclass(frozen=True)
class PayoutResult:
    card_no: str
    amount: Decimal
    status: str
    reason: str | None


def _hash_pin(salt: str, pin: str) -> str:
    return hashlib.pbkdf2_hmac("sha256", pin.encode(), bytes.fromhex(salt), 1000).hex()


class BankService:
    """The service bank of the card: accounts, ledger, payouts, losses."""

    def __init__(self, session: Session, clock: Clock, bureau: BureauPort | None = None) -> None:
        self.session = session
        self.clock = clock
        self.bureau = bureau

    # ---- accounts ------------------------------------------------------------------------

    def open_account(
        self,
        card_no: str,
        certno: str,
        name: str,
        *,
        account_no: str | None = None,
        replaces_card_no: str | None = None,
    ) -> BankAccount:
        """Open the card's account at production (not activated: payouts to it fail)."""
        if not codecs.is_valid_card_number(card_no):
            raise DomainError("card_no is not a valid card number (check character)")
        if not codecs.is_valid_citizen_id(certno):
            raise DomainError("certno is not a valid citizen ID number")
        if self._account_of_card_or_none(card_no) is not None:
            raise Conflict(f"card {card_no} already has an account")
        replaces = None
        if replaces_card_no is not None:
            old = self._account_of_card(replaces_card_no)
            if old.certno != certno:
                raise Forbidden("the replaced card belongs to someone else")
            replaces = old.account_no
        if account_no is None:
            count = self.session.scalar(select(func.count()).select_from(BankAccount)) or 0
            account_no = generate_pan(count + 1)
        account = BankAccount(
            account_no=account_no,
            kind="customer",
            card_no=card_no,
            certno=certno,
            name=name,
            status="opened",
            loss="none",
            replaces_account_no=replaces,
            opened_at=self.clock(),
        )
        self.session.add(account)
        self.session.flush()
        return account

    def on_card_produced(
        self, card_no: str, certno: str, name: str, replaces_card_no: str | None
    ) -> None:
        """The bureau produced a card: open its account (once), linked to the replaced one."""
        if self._account_of_card_or_none(card_no) is not None:
            return
        if replaces_card_no is not None and self._account_of_card_or_none(replaces_card_no) is None:
            replaces_card_no = None
        self.open_account(card_no, certno, name, replaces_card_no=replaces_card_no)

    def activate(self, card_no: str, identity_certno: str, pin: str) -> BankAccount:
        """Financial activation in person: identity check, bank PIN, then the follow-ups.

        The balance of a replaced card's account moves over (转接, backend-flows §3.4), failed
        payouts are retried, and the bureau is told so it enables the social function (§3.3).
        """
        account = self._account_of_card(card_no, lock=True)
        if account.certno != identity_certno:
            raise Forbidden("identity check failed: the ID number is not the account holder's")
        if account.status != "opened":
            raise Conflict(f"the account is {account.status}, not waiting for activation")
        _check_pin(pin)
        account.pin_salt = secrets.token_hex(16)
        account.pin_hash = _hash_pin(account.pin_salt, pin)
        account.status, account.activated_at = "active", self.clock()
        if account.replaces_account_no:
            self._carry_over(account)
        self.session.flush()
        self._retry_failed(account)
        if self.bureau is not None:
            self.bureau.on_financial_activation(card_no)
        return account

    def account(self, card_no: str) -> BankAccount:
        return self._account_of_card(card_no)

    def balance(self, account_no: str) -> Decimal:
        return to_yuan(self.balance_cents(account_no))

    def card_balance(self, card_no: str) -> Decimal:
        return self.balance(self._account_of_card(card_no).account_no)

    def statement(self, card_no: str) -> list[tuple[LedgerTransaction, int]]:
        """(transaction, signed cents) of every posting on the card's account, oldest first."""
        account = self._account_of_card(card_no)
        rows = self.session.execute(
            select(LedgerTransaction, LedgerPosting.amount_cents)
            .join(LedgerPosting, LedgerPosting.transaction_id == LedgerTransaction.id)
            .where(LedgerPosting.account_no == account.account_no)
            .order_by(LedgerTransaction.id)
        ).all()
        return [(txn, cents) for txn, cents in rows]

    # ---- money movements ----------------------------------------------------------------

    def deposit(self, card_no: str, amount: Decimal, reference: str) -> LedgerTransaction:
        cents = to_cents(amount)
        account = self._usable(card_no)
        return self.book(reference, "deposit", [(CASH, -cents), (account.account_no, cents)])

    def withdraw(
        self, card_no: str, amount: Decimal, pin: str, reference: str
    ) -> LedgerTransaction:
        cents = to_cents(amount)
        account = self._usable(card_no, pin=pin)
        return self.book(reference, "withdrawal", [(account.account_no, -cents), (CASH, cents)])

    def transfer(
        self, from_card: str, to_card: str, amount: Decimal, pin: str, reference: str
    ) -> LedgerTransaction:
        cents = to_cents(amount)
        if from_card == to_card:
            raise DomainError("a transfer needs two different cards")
        source = self._usable(from_card, pin=pin)
        target = self._usable(to_card)
        return self.book(
            reference, "transfer", [(source.account_no, -cents), (target.account_no, cents)]
        )

    def pay_batch(
        self, batch_id: str, kind: str, items: Iterable[tuple[str, Decimal]]
    ) -> list[PayoutResult]:
        """A pension payout or contribution withholding batch (backend-flows §4).

        Each line is booked or fails visibly (not activated, lost, insufficient balance); a
        failed pension line is retried when the account is activated. A batch id applies once.
        """
        fund = PAYOUT_KINDS.get(kind)
        if fund is None:
            raise DomainError(f"kind must be one of {sorted(PAYOUT_KINDS)}")
        if not batch_id or len(batch_id) > 40:
            raise DomainError("batch_id must have 1 to 40 characters")
        if self.session.scalar(select(PayoutItem.id).where(PayoutItem.batch_id == batch_id)):
            raise Conflict(f"batch {batch_id} was already submitted")
        lines = [(card_no, to_cents(amount, f"amount of {card_no}")) for card_no, amount in items]
        if not lines:
            raise DomainError("a batch needs at least one line")
        for card_no, _ in lines:
            self._account_of_card(card_no)
        results = []
        for index, (card_no, cents) in enumerate(lines):
            item = PayoutItem(
                batch_id=batch_id,
                kind=kind,
                card_no=card_no,
                amount_cents=cents,
                status="new",
                attempts=0,
            )
            self._attempt(item, f"{batch_id}#{index}")
            self.session.add(item)
            results.append(PayoutResult(card_no, to_yuan(cents), item.status, item.reason))
        self.session.flush()
        return results

    def batch(self, batch_id: str) -> list[PayoutItem]:
        items = list(
            self.session.scalars(
                select(PayoutItem).where(PayoutItem.batch_id == batch_id).order_by(PayoutItem.id)
            )
        )
        if not items:
            raise NotFound(f"no batch {batch_id}")
        return items

    # ---- losses --------------------------------------------------------------------------

    def report_loss(self, card_no: str, identity_certno: str, kind: str) -> BankAccount:
        """Loss reported at the bank; shared with the bureau (Wuxi, backend-flows §3.4)."""
        if kind not in LOSS_KINDS:
            raise DomainError(f"kind must be one of {sorted(LOSS_KINDS)}")
        account = self._account_of_card(card_no, lock=True)
        if account.certno != identity_certno:
            raise Forbidden("identity check failed: the ID number is not the account holder's")
        self._set_loss(account, kind)
        if self.bureau is not None:
            self.bureau.on_bank_loss(card_no, kind == "formal")
        return account

    def on_bureau_loss(self, card_no: str, formal: bool) -> None:
        """A loss registered at the bureau; does not report back (no echo)."""
        account = self._account_of_card_or_none(card_no)
        if account is not None:
            self._set_loss(account, "formal" if formal else "temporary")

    def on_bureau_loss_lifted(self, card_no: str) -> None:
        """The bureau lifted a temporary loss (un-report or lapse); a formal loss stays."""
        account = self._account_of_card_or_none(card_no, lock=True)
        if account is not None and account.loss == "temporary":
            account.loss = "none"
            self.session.flush()

    # ---- books ---------------------------------------------------------------------------

    def trial_balance(self) -> int:
        """Sum of every posting in cents: 0 when the books balance."""
        return int(self.session.scalar(select(func.sum(LedgerPosting.amount_cents))) or 0)

    def unbalanced_transactions(self) -> list[int]:
        """Ids of transactions whose postings do not sum to zero (should be none)."""
        rows = self.session.execute(
            select(LedgerPosting.transaction_id)
            .group_by(LedgerPosting.transaction_id)
            .having(func.sum(LedgerPosting.amount_cents) != 0)
        ).all()
        return [row[0] for row in rows]

    # ---- internals -----------------------------------------------------------------------

    def book(self, reference: str, kind: str, legs: list[tuple[str, int]]) -> LedgerTransaction:
        """Book a balanced transaction once per reference; customers never go negative."""
        if not reference or len(reference) > 64:
            raise DomainError("reference must have 1 to 64 characters")
        existing = self.session.scalar(
            select(LedgerTransaction).where(LedgerTransaction.reference == reference)
        )
        if existing is not None:
            if existing.kind != kind:
                raise Conflict(f"reference {reference} was used for a {existing.kind}")
            return existing
        if sum(cents for _, cents in legs) != 0:
            raise AssertionError("unbalanced ledger transaction")  # a bug, never bad input
        for account_no, cents in legs:
            account = self._account(account_no, lock=True)
            if (
                cents < 0
                and account.kind == "customer"
                and self.balance_cents(account_no) + cents < 0
            ):
                raise Conflict("insufficient balance")
        txn = LedgerTransaction(reference=reference, kind=kind, at=self.clock())
        self.session.add(txn)
        self.session.flush()
        for account_no, cents in legs:
            self.session.add(
                LedgerPosting(transaction_id=txn.id, account_no=account_no, amount_cents=cents)
            )
        self.session.flush()
        return txn

    def _attempt(self, item: PayoutItem, reference: str) -> None:
        account = self._account_of_card(item.card_no)
        item.attempts += 1
        fund = PAYOUT_KINDS[item.kind]
        refusal = self._payout_refusal(account, item)
        if refusal is not None:
            item.status, item.reason = "failed", refusal
            return
        legs = [(fund, -item.amount_cents), (account.account_no, item.amount_cents)]
        if item.kind == "contribution":
            legs = [(account.account_no, -item.amount_cents), (fund, item.amount_cents)]
        txn = self.book(reference, item.kind, legs)
        item.status, item.reason, item.transaction_id = "done", None, txn.id

    def _payout_refusal(self, account: BankAccount, item: PayoutItem) -> str | None:
        if account.status != "active":
            return "financial function not activated"
        if item.kind == "contribution":
            if account.loss != "none":
                return f"card reported lost ({account.loss})"
            if self.balance_cents(account.account_no) < item.amount_cents:
                return "insufficient balance"
        return None

    def _retry_failed(self, account: BankAccount) -> None:
        failed = self.session.scalars(
            select(PayoutItem).where(
                PayoutItem.card_no == account.card_no,
                PayoutItem.status == "failed",
                PayoutItem.kind == "pension",
            )
        ).all()
        for item in failed:
            self._attempt(item, f"{item.batch_id}#retry{item.id}")
        self.session.flush()

    def _carry_over(self, account: BankAccount) -> None:
        old = self._account(account.replaces_account_no, lock=True)
        cents = self.balance_cents(old.account_no)
        if cents > 0:
            self.book(
                f"carry-over:{old.account_no}",
                "carry_over",
                [(old.account_no, -cents), (account.account_no, cents)],
            )
        old.status = "closed"

    def _set_loss(self, account: BankAccount, kind: str) -> None:
        if account.loss == "formal" and kind == "temporary":
            raise Conflict("the card is already reported lost formally")
        account.loss = kind
        self.session.flush()

    def _usable(self, card_no: str, pin: str | None = None) -> BankAccount:
        account = self._account_of_card(card_no)
        if account.status != "active":
            raise Conflict(f"the financial function of card {card_no} is not activated")
        if account.loss != "none":
            raise Forbidden(f"card {card_no} is reported lost ({account.loss})")
        if pin is not None and not hmac.compare_digest(
            account.pin_hash or "", _hash_pin(account.pin_salt or "", pin)
        ):
            raise Forbidden("wrong bank PIN")
        return account

    def _account(self, account_no: str, lock: bool = False) -> BankAccount:
        if account_no in INTERNAL_ACCOUNTS:
            self._ensure_internal(account_no)
        query = select(BankAccount).where(BankAccount.account_no == account_no)
        account = self.session.scalar(query.with_for_update() if lock else query)
        if account is None:
            raise NotFound(f"no account {account_no}")
        return account

    def _ensure_internal(self, account_no: str) -> None:
        if self.session.get(BankAccount, account_no) is None:
            self.session.add(
                BankAccount(
                    account_no=account_no,
                    kind="internal",
                    name=INTERNAL_ACCOUNTS[account_no],
                    status="active",
                    loss="none",
                    opened_at=self.clock(),
                )
            )
            self.session.flush()

    def _account_of_card_or_none(self, card_no: str, lock: bool = False) -> BankAccount | None:
        query = select(BankAccount).where(BankAccount.card_no == card_no)
        return self.session.scalar(query.with_for_update() if lock else query)

    def _account_of_card(self, card_no: str, lock: bool = False) -> BankAccount:
        account = self._account_of_card_or_none(card_no, lock)
        if account is None:
            raise NotFound(f"no account for card {card_no}")
        return account

    def balance_cents(self, account_no: str) -> int:
        total = self.session.scalar(
            select(func.sum(LedgerPosting.amount_cents)).where(
                LedgerPosting.account_no == account_no
            )
        )
        return int(total or 0)


def _check_pin(pin: str) -> None:
    if not (isinstance(pin, str) and pin.isascii() and pin.isdigit() and len(pin) == 6):
        raise DomainError("a bank PIN has 6 digits")
