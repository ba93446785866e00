"""The bureau and its service bank wired to each other over one session (same database).

Activation and losses travel both ways (backend-flows §3.3, §3.4); each direction is a port,
so either service also runs alone.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from backends.bank.service import BankService, Clock
from backends.bureau.medical_link import MedicalLink
from backends.bureau.service import BureauService


def linked_services(session: Session, clock: Clock) -> tuple[BureauService, BankService]:
    """(bureau, bank) that tell each other about activations and losses; the bureau also
    keeps the medical platform's card credentials in step (when medical tables exist)."""
    bureau = BureauService(session, clock, medical=MedicalLink(session))
    bank = BankService(session, clock, bureau=bureau)
    bureau.bank = bank
    return bureau, bank
