"""The settlement split (policy engine) over arbitrary fees: identities hold to the cent."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from backends.medical.calculation import calculate
from backends.medical.policy import load_policies

POLICIES = load_policies()
CODES = ["S-110200001", "X-L01XC02", "Z-COSM001", "C-HC0001", "UNLISTED-1"]
cents = st.integers(min_value=0, max_value=5_000_000).map(lambda c: Decimal(c) / 100)


@settings(max_examples=200, deadline=None)
@given(
    items=st.lists(st.tuples(st.sampled_from(CODES), cents), min_size=1, max_size=8),
    treat=st.sampled_from(sorted(POLICIES.regions)),
    insured=st.sampled_from(sorted(POLICIES.regions)),
    insutype=st.sampled_from(["310", "390"]),
    kind=st.sampled_from(["outpatient", "inpatient"]),
    dedc_used=cents,
    fund_paid=st.integers(min_value=0, max_value=80_000_000).map(lambda c: Decimal(c) / 100),
    use_account=st.booleans(),
    balance=cents,
)
def test_split_identities(
    items, treat, insured, insutype, kind, dedc_used, fund_paid, use_account, balance
):
    benefit = POLICIES.regions[insured].benefits[insutype]
    s = calculate(
        items,
        POLICIES.regions[treat].catalogue,
        benefit,
        kind,
        dedc_used,
        fund_paid,
        use_account,
        balance,
    )
    total = sum((amount for _code, amount in items), Decimal(0))
    assert s.medfee_sumamt == total
    assert s.medfee_sumamt == s.fulamt_ownpay_amt + s.preselfpay_amt + s.inscp_scp_amt
    assert s.inscp_scp_amt == s.act_pay_dedc + s.pool_prop_selfpay + s.overlmt_selfpay + s.hifp_pay
    assert s.medfee_sumamt == s.fund_pay_sumamt + s.acct_pay + s.psn_cash_pay
    assert s.balc == balance - s.acct_pay >= 0
    assert s.act_pay_dedc <= max(Decimal(0), benefit.kinds[kind].deductible - dedc_used)
    assert s.fund_pay_sumamt <= max(Decimal(0), benefit.annual_cap - fund_paid)
    assert use_account or s.acct_pay == 0
    for value in s.amounts().values():
        assert value == value.quantize(Decimal("0.01")) and value >= 0


def test_catalogue_comes_from_treatment_and_ratio_from_insurance():
    items = [("X-L01XC02", Decimal("100.00"))]
    chongqing_benefit = POLICIES.regions["500000"].benefits["310"]
    in_shenzhen = calculate(
        items,
        POLICIES.regions["440300"].catalogue,
        chongqing_benefit,
        "outpatient",
        Decimal(200),
        Decimal(0),
        False,
        Decimal(0),
    )
    in_chongqing = calculate(
        items,
        POLICIES.regions["500000"].catalogue,
        chongqing_benefit,
        "outpatient",
        Decimal(200),
        Decimal(0),
        False,
        Decimal(0),
    )
    assert (in_shenzhen.inscp_scp_amt, in_shenzhen.hifp_pay) == (Decimal("90.00"), Decimal("54.00"))
    assert (in_chongqing.fulamt_ownpay_amt, in_chongqing.hifp_pay) == (Decimal("100.00"), 0)
