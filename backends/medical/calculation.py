"""The settlement calculation: fee items + catalogue + benefit -> the split of backend-flows §1.4.

Pure arithmetic on `Decimal` cents. The split always satisfies
medfee_sumamt = fulamt_ownpay_amt + preselfpay_amt + inscp_scp_amt,
inscp_scp_amt = act_pay_dedc + pool_prop_selfpay + overlmt_selfpay + hifp_pay,
medfee_sumamt = fund_pay_sumamt + acct_pay + psn_cash_pay.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from decimal import Decimal

from backends.medical.money import ZERO, cents
from backends.medical.policy import Benefit, Catalogue, ItemClass


@dataclass(frozen=True)
class ItemSplit:
    item_class: ItemClass
    fulamt_ownpay_amt: Decimal
    preselfpay_amt: Decimal
    inscp_scp_amt: Decimal


@dataclass(frozen=True)
class Split:
    medfee_sumamt: Decimal
    fulamt_ownpay_amt: Decimal
    preselfpay_amt: Decimal
    inscp_scp_amt: Decimal
    act_pay_dedc: Decimal
    pool_prop_selfpay: Decimal
    overlmt_selfpay: Decimal
    hifp_pay: Decimal
    fund_pay_sumamt: Decimal
    psn_part_amt: Decimal
    acct_pay: Decimal
    psn_cash_pay: Decimal
    balc: Decimal
    """Personal-account balance after the settlement."""

    def amounts(self) -> dict[str, Decimal]:
        return asdict(self)


def split_item(catalogue: Catalogue, med_list_codg: str, amount: Decimal) -> ItemSplit:
    """How one fee item divides under the catalogue of the place of treatment."""
    item_class = catalogue.item_class(med_list_codg)
    prop = catalogue.selfpay_prop[item_class]
    if prop >= 1:
        return ItemSplit(item_class, amount, ZERO, ZERO)
    pre = cents(amount * prop)
    return ItemSplit(item_class, ZERO, pre, amount - pre)


def calculate(
    items: Iterable[tuple[str, Decimal]],
    catalogue: Catalogue,
    benefit: Benefit,
    kind: str,
    deductible_used: Decimal,
    fund_paid_this_year: Decimal,
    use_account: bool,
    balance: Decimal,
) -> Split:
    """The split of one settlement.

    `deductible_used`: deductible already paid on the same basis (this year or this visit);
    `fund_paid_this_year`: pooled-fund payments this year, counted against the annual cap.
    """
    rules = benefit.kinds[kind]
    medfee = fulamt = pre = inscp = ZERO
    for med_list_codg, amount in items:
        part = split_item(catalogue, med_list_codg, amount)
        medfee += amount
        fulamt += part.fulamt_ownpay_amt
        pre += part.preselfpay_amt
        inscp += part.inscp_scp_amt
    dedc = min(inscp, max(ZERO, rules.deductible - deductible_used))
    eligible = inscp - dedc
    fund_due = cents(eligible * rules.ratio)
    fund = min(fund_due, max(ZERO, benefit.annual_cap - fund_paid_this_year))
    psn_part = medfee - fund
    account_payable = psn_part if benefit.acct_covers_ownpay else psn_part - fulamt
    acct_pay = min(account_payable, balance) if use_account else ZERO
    return Split(
        medfee_sumamt=medfee,
        fulamt_ownpay_amt=fulamt,
        preselfpay_amt=pre,
        inscp_scp_amt=inscp,
        act_pay_dedc=dedc,
        pool_prop_selfpay=eligible - fund_due,
        overlmt_selfpay=fund_due - fund,
        hifp_pay=fund,
        fund_pay_sumamt=fund,
        psn_part_amt=psn_part,
        acct_pay=acct_pay,
        psn_cash_pay=psn_part - acct_pay,
        balc=balance - acct_pay,
    )
