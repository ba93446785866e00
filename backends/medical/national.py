"""The national cross-region platform: routing, filings and inter-province clearing (§2)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from backends.core.errors import DomainError, NotFound
from backends.medical.models import ClearingRecord, Filing, Insurance, Settlement
from backends.medical.money import ZERO
from backends.medical.policy import PolicyBook

ROUTE_LOCAL = "local"
ROUTE_PROVINCE = "province"
ROUTE_NATIONAL = "national"


def route(mdtrtarea_admvs: str, insuplc_admdvs: str) -> str:
    """Who settles: the local platform, the provincial platform, or the national platform."""
    if mdtrtarea_admvs == insuplc_admdvs:
        return ROUTE_LOCAL
    if mdtrtarea_admvs[:2] == insuplc_admdvs[:2]:
        return ROUTE_PROVINCE
    return ROUTE_NATIONAL


class Filings:
    """Cross-region filings (备案, §2.3): by the insurance agency or by a referral (2501)."""

    def __init__(self, session: Session, policies: PolicyBook) -> None:
        self.session = session
        self.policies = policies

    def file(
        self,
        psn_no: str,
        insutype: str,
        dest_admdvs: str,
        kind: str,
        filed_by: str,
        today: dt.date,
        begndate: dt.date | None = None,
        enddate: dt.date | None = None,
        msgid: str | None = None,
    ) -> Filing:
        """Record a filing; temporary ones default to `default_filing_days` from `begndate`."""
        if kind not in ("referral", "residence", "temporary"):
            raise DomainError("filing kind must be referral, residence or temporary")
        if self.policies.region(dest_admdvs) is None:
            raise DomainError(f"destination region {dest_admdvs} is unknown")
        begin = begndate or today
        if enddate is None:
            days = 36500 if kind == "residence" else self.policies.national.default_filing_days
            enddate = begin + dt.timedelta(days=days)
        if enddate < begin:
            raise DomainError("enddate precedes begndate")
        insured = self.session.scalar(
            select(Insurance).where(Insurance.psn_no == psn_no, Insurance.insutype == insutype)
        )
        if insured is None:
            raise NotFound(f"person {psn_no} has no insurance {insutype}")
        filing = Filing(
            trt_dcla_detl_sn=today.strftime("%Y%m%d") + secrets.token_hex(8).upper(),
            psn_no=psn_no,
            insutype=insutype,
            dest_admdvs=dest_admdvs,
            kind=kind,
            begndate=begin,
            enddate=enddate,
            filed_by=filed_by,
            msgid=msgid,
            status="active",
        )
        self.session.add(filing)
        self.session.flush()
        return filing

    def cancel(self, trt_dcla_detl_sn: str, psn_no: str, by: str | None) -> Filing:
        """Cancel a filing; `by` (an institution code) may cancel only its own, None = agency."""
        filing = self.session.get(Filing, trt_dcla_detl_sn)
        if filing is None or filing.psn_no != psn_no or (by is not None and filing.filed_by != by):
            raise NotFound(f"filing {trt_dcla_detl_sn} not found for this person and institution")
        if filing.status != "active":
            raise DomainError(f"filing {trt_dcla_detl_sn} is already cancelled")
        filing.status = "cancelled"
        return filing

    def has_filing(self, psn_no: str, insutype: str, treat_admdvs: str, day: dt.date) -> bool:
        """An active filing for the province of `treat_admdvs` covering `day`."""
        rows = self.session.scalars(
            select(Filing).where(
                Filing.psn_no == psn_no,
                Filing.insutype == insutype,
                Filing.status == "active",
                Filing.begndate <= day,
                Filing.enddate >= day,
            )
        )
        return any(row.dest_admdvs[:2] == treat_admdvs[:2] for row in rows)

    def require(
        self, psn_no: str, insutype: str, treat: str, insured: str, med_type: str, day: dt.date
    ) -> None:
        """Refuse a cross-region settlement without filing (emergency counts as filed, §2.3)."""
        kind = route(treat, insured)
        needed = kind == ROUTE_NATIONAL or (
            kind == ROUTE_PROVINCE and self.policies.national.filing_required_in_province
        )
        if not needed or med_type in self.policies.national.emergency_med_types:
            return
        if not self.has_filing(psn_no, insutype, treat, day):
            raise DomainError(
                f"cross-region settlement needs a filing (备案) of the person for region {treat} "
                f"at the place of insurance {insured}"
            )


class Clearing:
    """Inter-province clearing records: what each insurance province owes treatment provinces."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def record(self, setl: Settlement, sign: int, reason: str, at: dt.datetime) -> None:
        if setl.route != ROUTE_NATIONAL:
            return
        self.session.add(
            ClearingRecord(
                setl_id=setl.setl_id,
                payer_admdvs=setl.insuplc_admdvs,
                payee_admdvs=setl.mdtrtarea_admvs,
                fund_amount=setl.fund_pay_sumamt * sign,
                acct_amount=setl.acct_pay * sign,
                reason=reason,
                at=at,
            )
        )

    def positions(self) -> dict[tuple[str, str], Decimal]:
        """Net amount owed per (payer province region, payee region)."""
        totals: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
        for row in self.session.scalars(select(ClearingRecord)):
            totals[(row.payer_admdvs, row.payee_admdvs)] += row.fund_amount + row.acct_amount
        return dict(totals)
