"""Ledger and clearing checks: every balance is explained by its entries, to the cent."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from backends.medical.models import AccountEntry, ClearingRecord, Fee, Insurance, Settlement
from backends.medical.money import ZERO
from backends.medical.national import ROUTE_NATIONAL


def audit(session: Session) -> list[str]:
    """Every inconsistency between accounts, journal, settlements, fees and clearing."""
    problems: list[str] = []
    journal: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    by_setl: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for entry in session.scalars(select(AccountEntry)):
        journal[(entry.psn_no, entry.insutype)] += entry.amount
        if entry.setl_id:
            by_setl[entry.setl_id] += entry.amount
    for ins in session.scalars(select(Insurance)):
        if ins.balc < 0:
            problems.append(f"account {ins.psn_no}/{ins.insutype} is negative: {ins.balc}")
        if journal[(ins.psn_no, ins.insutype)] != ins.balc:
            problems.append(
                f"account {ins.psn_no}/{ins.insutype}: balance {ins.balc} but journal "
                f"{journal[(ins.psn_no, ins.insutype)]}"
            )
    clearing: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in session.scalars(select(ClearingRecord)):
        clearing[row.setl_id] += row.fund_amount + row.acct_amount
    fees: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for fee in session.scalars(select(Fee).where(Fee.setl_id.is_not(None))):
        fees[fee.setl_id] += fee.amount  # type: ignore[index]
    for s in session.scalars(select(Settlement)):
        problems += _split_problems(s)
        live = s.status == "settled"
        expect_acct = -s.acct_pay if live else ZERO
        if by_setl[s.setl_id] != expect_acct:
            problems.append(f"{s.setl_id}: journal {by_setl[s.setl_id]} != {expect_acct}")
        cross = s.route == ROUTE_NATIONAL and live
        expect_clr = s.fund_pay_sumamt + s.acct_pay if cross else ZERO
        if clearing[s.setl_id] != expect_clr:
            problems.append(f"{s.setl_id}: clearing {clearing[s.setl_id]} != {expect_clr}")
        expect_fees = s.medfee_sumamt if live else ZERO
        if fees[s.setl_id] != expect_fees:
            problems.append(f"{s.setl_id}: bound fees {fees[s.setl_id]} != {expect_fees}")
    return problems


def _split_problems(s: Settlement) -> list[str]:
    checks = {
        "medfee = fulamt + preselfpay + inscp": s.medfee_sumamt
        == s.fulamt_ownpay_amt + s.preselfpay_amt + s.inscp_scp_amt,
        "inscp = dedc + pool_prop + overlmt + hifp": s.inscp_scp_amt
        == s.act_pay_dedc + s.pool_prop_selfpay + s.overlmt_selfpay + s.hifp_pay,
        "medfee = fund + acct + cash": s.medfee_sumamt
        == s.fund_pay_sumamt + s.acct_pay + s.psn_cash_pay,
        "psn_part = medfee - fund": s.psn_part_amt == s.medfee_sumamt - s.fund_pay_sumamt,
        "no negative amount": min(
            s.acct_pay, s.psn_cash_pay, s.fund_pay_sumamt, s.pool_prop_selfpay, s.balc
        )
        >= 0,
    }
    return [f"{s.setl_id}: {name}" for name, ok in checks.items() if not ok]
