"""Service bank in-process: activation, ledger movements, batches, losses, carry-over."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from backends.bank.linked import linked_services
from backends.bank.service import BankService
from backends.bureau.service import BureauService
from backends.core.db import Database
from backends.core.errors import Conflict, DomainError, Forbidden
from card_os.codecs import citizen_id_check_digit


def certno(seq: int) -> str:
    body = f"50010119600101{seq:03d}"
    return body + citizen_id_check_digit(body)


ALICE, BOB = certno(1), certno(2)


def card_for(bureau: BureauService, bank: BankService, cert: str, name: str = "李四") -> str:
    """A collected card (sealed); production opened its bank account."""
    bureau.register_person(cert, name, "2", dt.date(1960, 1, 1), "500101")
    card_no = bureau.produce(bureau.apply(cert, "500101").id).card_no
    assert bank.account(card_no).status == "opened"
    bureau.collect(card_no, cert)
    return card_no


def test_pension_to_non_activated_account_fails_then_is_retried(database: Database, clock):
    with database.transaction() as s:
        bureau, bank = linked_services(s, clock)
        card_no = card_for(bureau, bank, ALICE)
        [result] = bank.pay_batch("PEN-202603", "pension", [(card_no, Decimal("3200.50"))])
        assert (result.status, result.reason) == ("failed", "financial function not activated")
        assert bank.card_balance(card_no) == 0
        with pytest.raises(Conflict, match="already submitted"):
            bank.pay_batch("PEN-202603", "pension", [(card_no, Decimal("1"))])
    with database.transaction() as s:
        bureau, bank = linked_services(s, clock)
        bank.activate(card_no, ALICE, "135790")
        assert bank.card_balance(card_no) == Decimal("3200.50")
        [item] = bank.batch("PEN-202603")
        assert (item.status, item.attempts) == ("done", 2)
        # Financial activation enabled the social function at the bureau (backend-flows §3.3).
        assert bureau.card(card_no).status == 1


def test_deposit_withdraw_transfer_and_idempotent_references(database: Database, clock):
    with database.transaction() as s:
        bureau, bank = linked_services(s, clock)
        alice, bob = card_for(bureau, bank, ALICE), card_for(bureau, bank, BOB, "王五")
        bank.activate(alice, ALICE, "111111")
        bank.activate(bob, BOB, "222222")
        first = bank.deposit(alice, Decimal("100.00"), "dep-1")
        assert bank.deposit(alice, Decimal("100.00"), "dep-1").id == first.id  # applied once
        bank.withdraw(alice, Decimal("30.25"), "111111", "wd-1")
        bank.transfer(alice, bob, Decimal("19.75"), "111111", "tr-1")
        assert (bank.card_balance(alice), bank.card_balance(bob)) == (
            Decimal("50.00"),
            Decimal("19.75"),
        )
        assert [cents for _, cents in bank.statement(alice)] == [10000, -3025, -1975]
        with pytest.raises(Forbidden, match="wrong bank PIN"):
            bank.withdraw(alice, Decimal("1"), "999999", "wd-2")
        with pytest.raises(Conflict, match="insufficient balance"):
            bank.transfer(alice, bob, Decimal("50.01"), "111111", "tr-2")
        with pytest.raises(Conflict, match="was used for a deposit"):
            bank.withdraw(alice, Decimal("1"), "111111", "dep-1")


@pytest.mark.parametrize(
    ("amount", "message"),
    [("-5", "positive"), ("0", "positive"), ("1.001", "2 decimals"), ("x", "not a number")],
)
def test_bad_amounts_are_refused_without_a_write(database: Database, clock, amount, message):
    with database.transaction() as s:
        bureau, bank = linked_services(s, clock)
        card_no = card_for(bureau, bank, ALICE)
        bank.activate(card_no, ALICE, "111111")
    with pytest.raises(DomainError, match=message), database.transaction() as s:
        linked_services(s, clock)[1].deposit(card_no, amount, "bad")
    with database.transaction() as s:
        assert linked_services(s, clock)[1].statement(card_no) == []


def test_a_failing_batch_line_writes_nothing(database: Database, clock):
    with database.transaction() as s:
        bureau, bank = linked_services(s, clock)
        card_no = card_for(bureau, bank, ALICE)
    with pytest.raises(DomainError), database.transaction() as s:
        lines = [(card_no, Decimal("10")), (card_no, Decimal("-1"))]
        linked_services(s, clock)[1].pay_batch("B1", "pension", lines)
    with database.transaction() as s, pytest.raises(Exception, match="no batch B1"):
        linked_services(s, clock)[1].batch("B1")


def test_contribution_withholding(database: Database, clock):
    with database.transaction() as s:
        bureau, bank = linked_services(s, clock)
        card_no = card_for(bureau, bank, ALICE)
        bank.activate(card_no, ALICE, "111111")
        bank.deposit(card_no, Decimal("500"), "dep")
        ok, short = bank.pay_batch(
            "CON-202603",
            "contribution",
            [(card_no, Decimal("456.00")), (card_no, Decimal("100.00"))],
        )
        assert (ok.status, short.status, short.reason) == ("done", "failed", "insufficient balance")
        assert bank.card_balance(card_no) == Decimal("44.00")
        assert bank.balance("INT-CONTRIB-FUND") == Decimal("456.00")


def test_losses_are_shared_between_bank_and_bureau(database: Database, clock):
    with database.transaction() as s:
        bureau, bank = linked_services(s, clock)
        alice, bob = card_for(bureau, bank, ALICE), card_for(bureau, bank, BOB, "王五")
        bank.activate(alice, ALICE, "111111")
        bank.activate(bob, BOB, "222222")
        bank.report_loss(alice, ALICE, "formal")
        assert bureau.card(alice).status == 2
        with pytest.raises(Forbidden, match="reported lost"):
            bank.deposit(alice, Decimal("1"), "d")
        bureau.report_temporary_loss(bob, "phone")
        assert bank.account(bob).loss == "temporary"
    clock.advance(days=7)
    with database.transaction() as s:
        bureau, bank = linked_services(s, clock)
        assert bureau.lapse_expired() == [bob]
        assert bank.account(bob).loss == "none"


def test_reissue_carries_the_balance_to_the_new_card(database: Database, clock):
    with database.transaction() as s:
        bureau, bank = linked_services(s, clock)
        old = card_for(bureau, bank, ALICE)
        bank.activate(old, ALICE, "111111")
        bank.deposit(old, Decimal("88.88"), "dep")
        bureau.report_formal_loss(old, ALICE)
        new = bureau.produce(bureau.order_reissue(old, ALICE, "500101").id).card_no
        bureau.collect(new, ALICE)
        bank.activate(new, ALICE, "246802")
        assert (bank.card_balance(new), bank.card_balance(old)) == (Decimal("88.88"), 0)
        assert bank.account(old).status == "closed"
        assert bureau.card(new).status == 1 and bureau.card(old).status == 9


def test_activation_needs_the_holder(database: Database, clock):
    with database.transaction() as s:
        bureau, bank = linked_services(s, clock)
        card_no = card_for(bureau, bank, ALICE)
        with pytest.raises(Forbidden, match="identity check"):
            bank.activate(card_no, BOB, "111111")
        with pytest.raises(DomainError, match="6 digits"):
            bank.activate(card_no, ALICE, "12ab")


def test_concurrent_withdrawals_never_overdraw(database: Database, clock):
    """Eight threads race for 10 × 15.00 from 100.00: six succeed, the books still balance."""
    from concurrent.futures import ThreadPoolExecutor

    with database.transaction() as s:
        bureau, bank = linked_services(s, clock)
        card_no = card_for(bureau, bank, ALICE)
        bank.activate(card_no, ALICE, "111111")
        bank.deposit(card_no, Decimal("100.00"), "dep")

    def withdraw(index: int) -> bool:
        try:
            database.run(
                lambda s: linked_services(s, clock)[1].withdraw(
                    card_no, Decimal("15.00"), "111111", f"wd-{index}"
                )
            )
        except Conflict:
            return False
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(withdraw, range(10)))
    assert outcomes.count(True) == 6
    with database.transaction() as s:
        assert linked_services(s, clock)[1].card_balance(card_no) == Decimal("10.00")
