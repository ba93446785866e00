"""Keeps the medical platform's card credentials in step with the card life cycle.

A card whose social security function is active becomes credential type 03 of the insured
person (backend-flows §1.3); a card that is formally lost or cancelled stops being one. A person
the medical registry does not know (not insured in this emulator) is skipped.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from backends.core.errors import NotFound
from backends.medical.registry import InsuredRegistry


class MedicalLink:
    """The bureau's port to the insured-person registry, over the same session."""

    def __init__(self, session: Session) -> None:
        self.registry = InsuredRegistry(session)

    def card_usable(self, certno: str, card_no: str, card_sn: str) -> None:
        try:
            self.registry.link_card(certno, card_no, card_sn)
        except NotFound:
            return

    def card_unusable(self, card_no: str) -> None:
        try:
            self.registry.unlink_card(card_no)
        except NotFound:
            return
