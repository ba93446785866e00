"""The insured-person registry: people keyed by citizen ID, their insurance and credentials.

The bureau (backends/bureau) and the tests create people here; see docs/http-api.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from backends.core.clock import utc_now
from backends.core.errors import DomainError, NotFound
from backends.medical.models import AccountEntry, Card, ECredential, Insurance, InsuredPerson
from backends.medical.money import ZERO, parse_amount
from backends.medical.policy import PolicyBook, load_policies
from card_os.codecs import is_valid_citizen_id


def derive_psn_no(certno: str) -> str:
    """The person number for a citizen ID: an emulator choice (the reference does not say)."""
    return hashlib.sha256(certno.encode("ascii")).hexdigest()[:20].upper()


def check_certno(certno: str) -> str:
    """`certno` if it is a valid GB 11643 citizen ID number, else a DomainError naming the fault."""
    if not isinstance(certno, str) or not is_valid_citizen_id(certno):
        raise DomainError(f"certno {mask_certno(str(certno))} is not a valid citizen ID (GB 11643)")
    return certno


def mask_certno(certno: str) -> str:
    """An ID number for messages and logs: the first 6 and last 2 characters only."""
    if len(certno) < 10:
        return "*" * len(certno)
    return certno[:6] + "*" * (len(certno) - 8) + certno[-2:]


class InsuredRegistry:
    """Creates people, their insurance rows and the credentials the platform accepts."""

    def __init__(self, session: Session, policies: PolicyBook | None = None) -> None:
        self.session = session
        self.policies = policies or load_policies()

    def enroll(
        self,
        certno: str,
        name: str,
        gend: str,
        brdy: dt.date,
        insuplc_admdvs: str,
        insutype: str = "310",
        balc: Decimal = ZERO,
        psn_type: str = "11",
        emp_name: str = "",
        naty: str = "01",
        insu_date: dt.date | None = None,
    ) -> str:
        """Create the person (if new) and the insurance row for `insutype`; returns psn_no."""
        check_certno(certno)
        if self.policies.region(insuplc_admdvs) is None:
            raise DomainError(f"insuplc_admdvs {insuplc_admdvs} is not a region of the policy book")
        if insutype not in self.policies.regions[insuplc_admdvs].benefits:
            raise DomainError(f"insutype {insutype} has no policy in region {insuplc_admdvs}")
        if gend not in ("1", "2", "9"):
            raise DomainError("gend must be 1 (male), 2 (female) or 9 (unknown)")
        opening = parse_amount(balc, "balc")
        psn_no = derive_psn_no(certno)
        person = self.session.get(InsuredPerson, psn_no)
        if person is None:
            person = InsuredPerson(
                psn_no=psn_no,
                certno=certno,
                psn_name=name,
                gend=gend,
                naty=naty,
                brdy=brdy,
                insuplc_admdvs=insuplc_admdvs,
                emp_name=emp_name,
            )
            self.session.add(person)
            self.session.flush()
        elif person.insuplc_admdvs != insuplc_admdvs:
            raise DomainError("the person is insured in another region already")
        existing = self.session.scalar(
            select(Insurance).where(Insurance.psn_no == psn_no, Insurance.insutype == insutype)
        )
        if existing is None:
            self.session.add(
                Insurance(
                    psn_no=psn_no,
                    insutype=insutype,
                    psn_type=psn_type,
                    psn_insu_date=insu_date or dt.date(2020, 1, 1),
                    balc=ZERO,
                )
            )
            self.session.flush()
            if opening > 0:
                self.credit(psn_no, insutype, opening, "deposit")
        return psn_no

    def credit(self, psn_no: str, insutype: str, amount: Decimal, reason: str) -> Decimal:
        """Pay `amount` into the personal account (monthly allocation); returns the balance."""
        amount = parse_amount(amount, "amount")
        row = self.session.scalar(
            select(Insurance)
            .where(Insurance.psn_no == psn_no, Insurance.insutype == insutype)
            .with_for_update()
        )
        if row is None:
            raise NotFound(f"no insurance {insutype} for person {psn_no}")
        row.balc = row.balc + amount
        self.session.add(
            AccountEntry(
                psn_no=psn_no,
                insutype=insutype,
                amount=amount,
                balc_after=row.balc,
                reason=reason,
                at=utc_now(),
            )
        )
        return row.balc

    def person(self, certno: str) -> InsuredPerson:
        person = self.session.scalar(select(InsuredPerson).where(InsuredPerson.certno == certno))
        if person is None:
            raise NotFound(f"no insured person with certno {mask_certno(certno)}")
        return person

    def link_card(self, certno: str, card_no: str, card_sn: str) -> None:
        """Accept a social security card as credential 03 for the person."""
        self.person(certno)
        if not card_no or not card_sn or len(card_no) > 20 or len(card_sn) > 32:
            raise DomainError("card_no (max 20) and card_sn (max 32) are required")
        card = self.session.get(Card, card_no)
        if card is None:
            self.session.add(Card(card_no=card_no, certno=certno, card_sn=card_sn, active=True))
        else:
            if card.certno != certno:
                raise DomainError(f"card {card_no} belongs to another person")
            card.card_sn, card.active = card_sn, True
        self.session.flush()

    def unlink_card(self, card_no: str) -> None:
        """The card stops being a credential (loss, cancellation, replacement)."""
        card = self.session.get(Card, card_no)
        if card is None:
            raise NotFound(f"card {card_no} is not linked")
        card.active = False

    def issue_ecredential(self, certno: str) -> str:
        """A new medical e-credential token (credential 01) for the person."""
        self.person(certno)
        token = secrets.token_hex(16).upper()
        self.session.add(ECredential(token=token, certno=certno))
        self.session.flush()
        return token
