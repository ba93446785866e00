"""Bureau (人社) domain service: people, applications, cards and their status machine.

Plain class over a SQLAlchemy session; the caller owns the transaction (backends.core.db), so a
refused operation raises before anything is flushed or is rolled back with the rest. Time comes
from an injected clock, never the wall clock, so the SimPy world can drive temporary-loss lapses.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backends.bureau.models import (
    Card,
    CardApplication,
    CardEvent,
    InsuranceRecord,
    Person,
    TemporaryCard,
)
from backends.bureau.settings import BureauSettings
from backends.bureau.status import BLACKLISTED, TRANSITIONS, CardStatus, refusal
from backends.core.errors import Conflict, DomainError, Forbidden, NotFound
from card_os import codecs
from card_os.ssse.personalise import card_expiry

Clock = Callable[[], dt.datetime]

# Application business types and the fee rule (backend-flows §3.1, §3.4).
NEW, REISSUE, REPLACEMENT, WARRANTY = "01", "05", "06", "07"
FEE_BEARING = frozenset({REISSUE, REPLACEMENT})
APPLIED, WITHDRAWN, SUCCESS = "00", "01", "02"
STAGE_INITIAL, STAGE_PRODUCTION, STAGE_READY, STAGE_COLLECTED = "00", "01", "02", "03"
OPEN_STAGES = (STAGE_INITIAL, STAGE_PRODUCTION, STAGE_READY)

# Where a person may apply: the hukou district, or for migrant workers the residence or employer
# district (issue 6). Maps channel -> Person attribute holding the district.
APPLICATION_CHANNELS: dict[str, str] = {
    "hukou": "hukou_district",
    "residence": "residence_district",
    "employer": "employer_district",
}
REQUIRED_FIELDS = frozenset(
    {"name", "gender", "ethnic", "birth_date", "birth_place", "hukou_district"}
)
TEMPORARY_LOSS_CHANNELS = frozenset({"phone", "web", "kiosk"})
IN_PERSON = "counter"
TEMPORARY_CARD_USES = frozenset({"identity", "medical"})  # no financial function (§3.5)
RECORD_KINDS = frozenset({"contribution", "benefit"})
CORRECTABLE_FIELDS = frozenset(
    {"name", "gender", "ethnic", "birth_date", "birth_place", "phone", "residence_district",
     "employer_name", "employer_district", "hukou_district"}
)  # fmt: skip


class BankPort(Protocol):
    """What the bureau tells the service bank: losses are shared (Wuxi, backend-flows §3.4)."""

    def on_bureau_loss(self, card_no: str, formal: bool) -> None: ...

    def on_bureau_loss_lifted(self, card_no: str) -> None: ...

    def on_card_produced(
        self, card_no: str, certno: str, name: str, replaces_card_no: str | None
    ) -> None: ...


class MedicalPort(Protocol):
    """What the bureau tells the medical platform: which cards are credentials (§1.3)."""

    def card_usable(self, certno: str, card_no: str, card_sn: str) -> None: ...

    def card_unusable(self, card_no: str) -> None: ...


@dataclass(frozen=True)
class CardView:
    """What the bureau tells about a card."""

    card_no: str
    card_sn: str
    certno: str
    name: str
    region: str
    status: int
    status_name: str
    collected: bool
    issue_date: dt.date
    expiry_date: dt.date
    temp_loss_until: dt.datetime | None
    reissue_ordered: bool
    replaced_by: str | None
    blacklisted: bool
    expired: bool  # today is after expiry_date (the last valid day)


def validate_certno(certno: str) -> str:
    """The citizen ID number if its GB 11643 check character is right, else a 400."""
    if not isinstance(certno, str) or not codecs.is_valid_citizen_id(certno.upper()):
        raise DomainError("certno is not a valid citizen ID number (18 characters, check digit)")
    return certno.upper()


def mask_certno(certno: str) -> str:
    """ID numbers in messages are masked (team rule): first 6 and last 4 stay."""
    return certno[:6] + "*" * 8 + certno[-4:]


def _hash_password(salt: str, password: str) -> str:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), 1000).hex()


class BureauService:
    """The card life cycle of one bureau, over one session."""

    def __init__(
        self,
        session: Session,
        clock: Clock,
        settings: BureauSettings | None = None,
        bank: BankPort | None = None,
        medical: MedicalPort | None = None,
    ) -> None:
        self.session = session
        self.clock = clock
        self.settings = settings or BureauSettings()
        self.bank = bank
        self.medical = medical

    # ---- people --------------------------------------------------------------------------

    def register_person(
        self,
        certno: str,
        name: str,
        gender: str,
        birth_date: dt.date,
        hukou_district: str,
        *,
        ethnic: int = 1,
        birth_place: str | None = None,
        residence_district: str | None = None,
        employer_name: str | None = None,
        employer_district: str | None = None,
        phone: str | None = None,
    ) -> Person:
        certno = validate_certno(certno)
        if self._person_or_none(certno) is not None:
            raise Conflict(f"person {mask_certno(certno)} is already registered")
        person = Person(
            certno=certno,
            name=name,
            gender=gender,
            ethnic=ethnic,
            birth_date=birth_date,
            birth_place=birth_place or certno[:6],
            hukou_district=hukou_district,
            residence_district=residence_district,
            employer_name=employer_name,
            employer_district=employer_district,
            phone=phone,
        )
        self._check_person(person)
        self.session.add(person)
        self.session.flush()
        return person

    def person(self, certno: str) -> Person:
        person = self._person_or_none(validate_certno(certno))
        if person is None:
            raise NotFound(f"no person {mask_certno(certno.upper())}")
        return person

    def correct_person(self, certno: str, changes: dict[str, object]) -> Person:
        """Correct personal data (card face or data wrong) while no card is in production."""
        person = self.person(certno)
        unknown = set(changes) - CORRECTABLE_FIELDS
        if unknown:
            raise DomainError(f"cannot correct field(s) {sorted(unknown)}")
        cleared = sorted(f for f in REQUIRED_FIELDS if f in changes and changes[f] is None)
        if cleared:
            raise DomainError(f"field(s) {cleared} cannot be emptied")
        if self._open_application(person, stages=(STAGE_PRODUCTION, STAGE_READY)) is not None:
            raise Conflict("a card is in production; correct the data before re-applying")
        for field, value in changes.items():
            setattr(person, field, value)
        self._check_person(person)
        self.session.flush()
        return person

    # ---- applications and production -----------------------------------------------------

    def apply(self, certno: str, district: str, channel: str = "hukou") -> CardApplication:
        """A first application (type 01) at a district the person may apply in."""
        person = self.person(certno)
        self._check_channel(person, district, channel)
        if self._open_application(person) is not None:
            raise Conflict("an application is already open for this person")
        if self._usable_card(person) is not None:
            raise Conflict("the person already holds a card; ask for a replacement or reissue")
        return self._new_application(person, NEW, district, channel, None)

    def order_reissue(self, card_no: str, identity_certno: str, district: str) -> CardApplication:
        """Reissue after loss (type 05), in person. A temporary loss becomes formal first."""
        card = self._card_for_holder(card_no, identity_certno)
        status = CardStatus(card.status)
        if status is CardStatus.TEMPORARY_LOSS:
            self._transition(card, "formal_loss", IN_PERSON)
        elif status is not CardStatus.FORMAL_LOSS:
            raise Conflict("a reissue needs the card to be reported lost first")
        if card.reissue_ordered:
            raise Conflict("a reissue is already ordered for this card")
        card.reissue_ordered = True
        person = self.session.get(Person, card.person_id)
        return self._new_application(person, REISSUE, district, "hukou", card.card_no)

    def order_replacement(
        self, card_no: str, identity_certno: str, district: str, warranty: bool = False
    ) -> CardApplication:
        """Replacement of a damaged or wrong card (06, or 07 under warranty, free)."""
        card = self._card_for_holder(card_no, identity_certno)
        if CardStatus(card.status) not in (
            CardStatus.SEALED,
            CardStatus.NORMAL,
            CardStatus.LOCKED,
        ):
            raise Conflict(refusal("replacement", CardStatus(card.status)))
        person = self.session.get(Person, card.person_id)
        if self._open_application(person) is not None:
            raise Conflict("an application is already open for this person")
        kind = WARRANTY if warranty else REPLACEMENT
        return self._new_application(person, kind, district, "hukou", card.card_no)

    def withdraw(self, application_id: int) -> CardApplication:
        app = self._application(application_id)
        if app.stage != STAGE_INITIAL or app.state != APPLIED:
            raise Conflict("only an application not yet in production can be withdrawn")
        app.state = WITHDRAWN
        if app.replaces_card_no and app.business_type == REISSUE:
            self._card(app.replaces_card_no).reissue_ordered = False
        self.session.flush()
        return app

    def produce(self, application_id: int) -> Card:
        """Produce the card of an application: a new number, sealed (status 0), ready to collect."""
        app = self._application(application_id)
        if app.state != APPLIED or app.stage != STAGE_INITIAL:
            raise Conflict(f"application {application_id} is not waiting for production")
        now = self.clock()
        card_no = self._next_card_number()
        salt = secrets.token_hex(16)
        card = Card(
            card_no=card_no,
            card_sn=self._card_sn(card_no),
            person_id=app.person_id,
            application_id=app.id,
            region=self.settings.region,
            status=int(CardStatus.SEALED),
            collected=False,
            issue_date=now.date(),
            # The chip's 卡有效期 by the same rule (the last valid day, card-spec §1.3).
            expiry_date=card_expiry(now.date(), self.settings.card_valid_years),
            query_pw_salt=salt,
            # Query password starts as the last 6 characters of the card number (§3.7).
            query_pw_hash=_hash_password(salt, card_no[-6:]),
        )
        self.session.add(card)
        app.stage = STAGE_READY
        app.card_no = card_no
        self._event(card_no, "produce", "centre", None, CardStatus.SEALED)
        self.session.flush()
        if self.bank is not None:
            # The bank opens the card's account with production (backend-flows §3.1, batch
            # states 20/21: account-opening file exported and returned).
            person = self.session.get(Person, app.person_id)
            self.bank.on_card_produced(card_no, person.certno, person.name, app.replaces_card_no)
        return card

    def collect(self, card_no: str, identity_certno: str) -> Card:
        """The holder collects the card: the replaced card and temporary cards become void."""
        card = self._card_for_holder(card_no, identity_certno)
        if card.collected:
            raise Conflict("the card is already collected")
        app = self._application(card.application_id)
        card.collected = True
        app.stage, app.state = STAGE_COLLECTED, SUCCESS
        self._event(card_no, "collect", IN_PERSON, card.status, card.status)
        if app.replaces_card_no:
            old = self._card(app.replaces_card_no)
            old.replaced_by = card_no
            if old.status != CardStatus.CANCELLED:
                self._transition(old, "cancel", "centre")
        now = self.clock()
        for temp in self._active_temporary_cards(card.person_id, now):
            temp.voided_at, temp.void_reason = now, "formal card collected"
        self.session.flush()
        return card

    # ---- status machine ------------------------------------------------------------------

    def activate_social(self, card_no: str, channel: str = IN_PERSON) -> Card:
        card = self._card(card_no)
        if not card.collected:
            raise Conflict("the card has not been collected yet")
        self._transition(card, "activate_social", channel)
        return card

    def report_temporary_loss(self, card_no: str, channel: str) -> Card:
        """Temporary loss by phone, web or kiosk; lapses after the configured days (§3.4)."""
        if channel not in TEMPORARY_LOSS_CHANNELS:
            raise DomainError(f"channel must be one of {sorted(TEMPORARY_LOSS_CHANNELS)}")
        card = self._card(card_no)
        previous = CardStatus(card.status)
        self._transition(card, "temporary_loss", channel)
        if previous is not CardStatus.TEMPORARY_LOSS:
            card.status_before_loss = int(previous)
        days = self.settings.temporary_loss_days
        card.temp_loss_until = self.clock() + dt.timedelta(days=days)
        self.session.flush()
        if self.bank is not None:
            self.bank.on_bureau_loss(card_no, formal=False)
        return card

    def report_formal_loss(self, card_no: str, identity_certno: str) -> Card:
        """Formal loss, in person after an identity check; cannot be revoked (§3.4)."""
        card = self._card_for_holder(card_no, identity_certno)
        self._transition(card, "formal_loss", IN_PERSON)
        card.temp_loss_until = None
        self.session.flush()
        if self.bank is not None:
            self.bank.on_bureau_loss(card_no, formal=True)
        return card

    def unreport(self, card_no: str, identity_certno: str) -> Card:
        """Lift a temporary loss; refused for a formal loss or once a reissue is ordered."""
        card = self._card_for_holder(card_no, identity_certno)
        if card.reissue_ordered:
            raise Conflict("a reissue has been ordered; the loss report cannot be lifted")
        self._transition(card, "unreport", IN_PERSON, self._status_before_loss(card))
        if self.bank is not None:
            self.bank.on_bureau_loss_lifted(card_no)
        return card

    def lock(self, card_no: str, channel: str = "terminal") -> Card:
        """PIN tries exhausted, as reported by a terminal (§3.6)."""
        card = self._card(card_no)
        self._transition(card, "lock", channel)
        return card

    def unlock(self, card_no: str, identity_certno: str) -> Card:
        """PIN unlock / reset at a service centre after an identity check (§3.6)."""
        card = self._card_for_holder(card_no, identity_certno)
        self._transition(card, "unlock", IN_PERSON)
        return card

    def cancel(self, card_no: str, identity_certno: str) -> Card:
        card = self._card_for_holder(card_no, identity_certno)
        self._transition(card, "cancel", IN_PERSON)
        return card

    def lapse_expired(self) -> list[str]:
        """Lift every temporary loss whose time is up; the simulation calls this on its clock."""
        now = self.clock()
        due = self.session.scalars(
            select(Card).where(
                Card.status == int(CardStatus.TEMPORARY_LOSS), Card.temp_loss_until <= now
            )
        ).all()
        for card in due:
            self._lapse(card)
        return [card.card_no for card in due]

    def card(self, card_no: str) -> CardView:
        return self._view(self._card(card_no))

    def cards_of(self, certno: str) -> list[CardView]:
        person = self.person(certno)
        rows = self.session.scalars(
            select(Card).where(Card.person_id == person.id).order_by(Card.issue_date, Card.card_no)
        ).all()
        for card in rows:
            self._refresh(card)
        return [self._view(card) for card in rows]

    def events(self, card_no: str) -> list[CardEvent]:
        self._card(card_no)
        return list(
            self.session.scalars(
                select(CardEvent).where(CardEvent.card_no == card_no).order_by(CardEvent.id)
            )
        )

    # ---- blacklist -----------------------------------------------------------------------

    def blacklist(self) -> list[tuple[str, int]]:
        """(card number, status) of every card a reader or hospital must refuse."""
        self.lapse_expired()
        rows = self.session.execute(
            select(Card.card_no, Card.status)
            .where(Card.status.in_([int(s) for s in BLACKLISTED]))
            .order_by(Card.card_no)
        ).all()
        return [(no, status) for no, status in rows]

    def check_card(self, card_no: str) -> CardView:
        """The card if a reader or hospital may accept it; 403 when it is on the blacklist or
        past its expiry date (the last valid day, as on the chip)."""
        view = self.card(card_no)
        if view.blacklisted:
            raise Forbidden(
                f"card {card_no} is on the bureau's blacklist (status {view.status} "
                f"{view.status_name})"
            )
        if view.expired:
            raise Forbidden(
                f"card {card_no} expired: valid until {view.expiry_date.isoformat()}; "
                "a replacement card is needed"
            )
        return view

    # ---- temporary cards -----------------------------------------------------------------

    def issue_temporary_card(self, certno: str) -> TemporaryCard:
        """For a holder waiting for a card: valid for the configured days (§3.5)."""
        person = self.person(certno)
        if self._open_application(person) is None:
            raise Conflict("a temporary card is only issued while a card application is open")
        now = self.clock()
        if self._active_temporary_cards(person.id, now):
            raise Conflict("the person already holds a valid temporary card")
        count = self.session.scalar(select(func.count()).select_from(TemporaryCard)) or 0
        temp = TemporaryCard(
            number=f"T{self.settings.region}{count + 1:05d}",
            person_id=person.id,
            issued_at=now,
            expires_at=now + dt.timedelta(days=self.settings.temporary_card_days),
        )
        self.session.add(temp)
        self.session.flush()
        return temp

    def extend_temporary_card(self, number: str, days: int) -> TemporaryCard:
        if days <= 0:
            raise DomainError("days must be positive")
        temp = self._valid_temporary(number)
        limit = temp.issued_at + dt.timedelta(days=self.settings.temporary_card_max_days)
        wanted = temp.expires_at + dt.timedelta(days=days)
        if wanted > limit:
            raise Conflict(
                f"a temporary card lives at most {self.settings.temporary_card_max_days} days "
                f"(until {limit.date().isoformat()})"
            )
        temp.expires_at = wanted
        self.session.flush()
        return temp

    def authorize_temporary_card(self, number: str, use: str) -> TemporaryCard:
        """Whether a temporary card may be used for ``use``; financial use is always refused."""
        if use not in TEMPORARY_CARD_USES:
            raise Forbidden(f"a temporary card has no {use!r} function (identity and medical only)")
        return self._valid_temporary(number)

    # ---- passwords and self-service queries ---------------------------------------------

    def verify_query_password(self, card_no: str, password: str) -> Card:
        card = self._card(card_no)
        if not hmac.compare_digest(
            card.query_pw_hash, _hash_password(card.query_pw_salt, password)
        ):
            raise Forbidden("wrong query password")
        return card

    def change_query_password(self, card_no: str, old: str, new: str) -> None:
        card = self.verify_query_password(card_no, old)
        _check_password(new)
        card.query_pw_salt = secrets.token_hex(16)
        card.query_pw_hash = _hash_password(card.query_pw_salt, new)
        self.session.flush()

    def reset_query_password(self, card_no: str, identity_certno: str) -> None:
        """Back to the initial value (last 6 characters of the card number), at a counter."""
        card = self._card_for_holder(card_no, identity_certno)
        card.query_pw_salt = secrets.token_hex(16)
        card.query_pw_hash = _hash_password(card.query_pw_salt, card.card_no[-6:])
        self._event(card_no, "reset_query_password", IN_PERSON, card.status, card.status)
        self.session.flush()

    def add_record(
        self, certno: str, kind: str, insurance: str, period: str, amount_cents: int
    ) -> InsuranceRecord:
        """Book a contribution or benefit record (what the self-service queries show)."""
        if kind not in RECORD_KINDS:
            raise DomainError(f"kind must be one of {sorted(RECORD_KINDS)}")
        if not (len(period) == 6 and period.isdigit() and 1 <= int(period[4:]) <= 12):
            raise DomainError("period must be YYYYMM")
        if amount_cents <= 0:
            raise DomainError("amount must be positive")
        person = self.person(certno)
        record = InsuranceRecord(
            person_id=person.id,
            kind=kind,
            insurance=insurance,
            period=period,
            amount_cents=amount_cents,
            at=self.clock(),
        )
        self.session.add(record)
        self.session.flush()
        return record

    def query_records(self, card_no: str, password: str, kind: str) -> list[InsuranceRecord]:
        """Self-service query (kiosk, web) of contribution or benefit records."""
        if kind not in RECORD_KINDS:
            raise DomainError(f"kind must be one of {sorted(RECORD_KINDS)}")
        card = self.verify_query_password(card_no, password)
        if CardStatus(card.status) in (CardStatus.CANCELLED, CardStatus.FORMAL_LOSS):
            raise Forbidden("the card cannot be used for queries in its status")
        return list(
            self.session.scalars(
                select(InsuranceRecord)
                .where(InsuranceRecord.person_id == card.person_id, InsuranceRecord.kind == kind)
                .order_by(InsuranceRecord.period, InsuranceRecord.id)
            )
        )

    # ---- bank synchronisation (backend-flows §3.3, §3.4) --------------------------------

    def on_financial_activation(self, card_no: str) -> Card:
        """The bank activated the financial function: enable the social one too (§3.3)."""
        card = self._card(card_no)
        if card.status == CardStatus.SEALED and card.collected:
            self._transition(card, "activate_social", "bank")
        return card

    def on_bank_loss(self, card_no: str, formal: bool) -> Card:
        """A loss registered at the bank is shared with the bureau (Wuxi, §3.4)."""
        card = self._card(card_no)
        status = CardStatus(card.status)
        if formal and status is not CardStatus.FORMAL_LOSS:
            self._transition(card, "formal_loss", "bank")
            card.temp_loss_until = None
        elif not formal and status not in (CardStatus.FORMAL_LOSS, CardStatus.TEMPORARY_LOSS):
            card.status_before_loss = int(status)
            self._transition(card, "temporary_loss", "bank")
            card.temp_loss_until = self.clock() + dt.timedelta(
                days=self.settings.temporary_loss_days
            )
        self.session.flush()
        return card

    # ---- internals -----------------------------------------------------------------------

    def _transition(
        self,
        card: Card,
        operation: str,
        channel: str,
        target: CardStatus | None = None,
    ) -> None:
        self._refresh(card)
        current = CardStatus(card.status)
        allowed = TRANSITIONS[operation]
        if current not in allowed:
            raise Conflict(refusal(operation, current))
        new = target if target is not None else allowed[current]
        card.status = int(new)
        if new is not CardStatus.TEMPORARY_LOSS:
            card.temp_loss_until = None
        self._event(card.card_no, operation, channel, current, new)
        self.session.flush()
        if self.medical is not None:
            self._tell_medical(card, new)

    def _tell_medical(self, card: Card, new: CardStatus) -> None:
        if new is CardStatus.NORMAL and card.collected:
            person = self.session.get(Person, card.person_id)
            self.medical.card_usable(person.certno, card.card_no, card.card_sn)
        elif new in (CardStatus.FORMAL_LOSS, CardStatus.CANCELLED):
            self.medical.card_unusable(card.card_no)

    def _refresh(self, card: Card) -> None:
        """Apply a lapsed temporary loss before anything reads or changes the card."""
        if (
            card.status == CardStatus.TEMPORARY_LOSS
            and card.temp_loss_until is not None
            and card.temp_loss_until <= self.clock()
        ):
            self._lapse(card)

    def _lapse(self, card: Card) -> None:
        previous = self._status_before_loss(card)
        self._event(card.card_no, "lapse", "clock", CardStatus.TEMPORARY_LOSS, previous)
        card.status, card.temp_loss_until = int(previous), None
        self.session.flush()
        if self.bank is not None:
            self.bank.on_bureau_loss_lifted(card.card_no)

    @staticmethod
    def _status_before_loss(card: Card) -> CardStatus:
        before = card.status_before_loss
        return CardStatus.NORMAL if before is None else CardStatus(before)

    def _event(
        self,
        card_no: str,
        operation: str,
        channel: str,
        from_status: int | None,
        to_status: int | None,
    ) -> None:
        self.session.add(
            CardEvent(
                card_no=card_no,
                at=self.clock(),
                operation=operation,
                channel=channel,
                from_status=None if from_status is None else int(from_status),
                to_status=None if to_status is None else int(to_status),
            )
        )

    def _view(self, card: Card) -> CardView:
        self._refresh(card)
        person = self.session.get(Person, card.person_id)
        status = CardStatus(card.status)
        return CardView(
            card_no=card.card_no,
            card_sn=card.card_sn,
            certno=person.certno,
            name=person.name,
            region=card.region,
            status=int(status),
            status_name=status.name.lower(),
            collected=card.collected,
            issue_date=card.issue_date,
            expiry_date=card.expiry_date,
            temp_loss_until=card.temp_loss_until,
            reissue_ordered=card.reissue_ordered,
            replaced_by=card.replaced_by,
            blacklisted=status in BLACKLISTED,
            expired=self.clock().date() > card.expiry_date,
        )

    def _person_or_none(self, certno: str) -> Person | None:
        return self.session.scalar(select(Person).where(Person.certno == certno))

    def _check_person(self, person: Person) -> None:
        if not person.name or len(person.name) > 50:
            raise DomainError("name must have 1 to 50 characters")
        if person.gender not in ("1", "2"):
            raise DomainError("gender must be '1' (male) or '2' (female)")
        for field in ("hukou_district", "residence_district", "employer_district", "birth_place"):
            value = getattr(person, field)
            if value is not None and not (len(value) == 6 and value.isdigit()):
                raise DomainError(f"{field} must be a 6-digit region code")

    def _check_channel(self, person: Person, district: str, channel: str) -> None:
        attribute = APPLICATION_CHANNELS.get(channel)
        if attribute is None:
            raise DomainError(f"channel must be one of {sorted(APPLICATION_CHANNELS)}")
        if getattr(person, attribute) != district:
            raise Forbidden(f"district {district} is not the person's {channel} district")

    def _open_application(
        self, person: Person, stages: tuple[str, ...] = OPEN_STAGES
    ) -> CardApplication | None:
        return self.session.scalar(
            select(CardApplication).where(
                CardApplication.person_id == person.id,
                CardApplication.state == APPLIED,
                CardApplication.stage.in_(stages),
            )
        )

    def _usable_card(self, person: Person) -> Card | None:
        return self.session.scalar(
            select(Card).where(
                Card.person_id == person.id, Card.status != int(CardStatus.CANCELLED)
            )
        )

    def _new_application(
        self, person: Person, kind: str, district: str, channel: str, replaces: str | None
    ) -> CardApplication:
        if not (isinstance(district, str) and len(district) == 6 and district.isdigit()):
            raise DomainError("district must be a 6-digit region code")
        app = CardApplication(
            person_id=person.id,
            business_type=kind,
            district=district,
            channel=channel,
            state=APPLIED,
            stage=STAGE_INITIAL,
            fee_cents=self.settings.reissue_fee_cents if kind in FEE_BEARING else 0,
            replaces_card_no=replaces,
            applied_at=self.clock(),
        )
        self.session.add(app)
        self.session.flush()
        return app

    def _application(self, application_id: int) -> CardApplication:
        app = self.session.get(CardApplication, application_id)
        if app is None:
            raise NotFound(f"no application {application_id}")
        return app

    def _card(self, card_no: str) -> Card:
        card = self.session.get(Card, card_no) if isinstance(card_no, str) else None
        if card is None:
            raise NotFound(f"no card {card_no}")
        return card

    def _card_for_holder(self, card_no: str, identity_certno: str) -> Card:
        """The card after the in-person identity check: the ID must be the holder's."""
        certno = validate_certno(identity_certno)
        card = self._card(card_no)
        person = self.session.get(Person, card.person_id)
        if person.certno != certno:
            raise Forbidden("identity check failed: the ID number is not the cardholder's")
        return card

    def _active_temporary_cards(self, person_id: int, now: dt.datetime) -> list[TemporaryCard]:
        return list(
            self.session.scalars(
                select(TemporaryCard).where(
                    TemporaryCard.person_id == person_id,
                    TemporaryCard.voided_at.is_(None),
                    TemporaryCard.expires_at > now,
                )
            )
        )

    def _valid_temporary(self, number: str) -> TemporaryCard:
        temp = self.session.get(TemporaryCard, number) if isinstance(number, str) else None
        if temp is None:
            raise NotFound(f"no temporary card {number}")
        if temp.voided_at is not None:
            raise Forbidden(f"temporary card {number} is void ({temp.void_reason})")
        if temp.expires_at <= self.clock():
            raise Forbidden(f"temporary card {number} expired on {temp.expires_at.date()}")
        return temp

    def _next_card_number(self) -> str:
        count = self.session.scalar(select(func.count()).select_from(Card)) or 0
        body = f"{self.settings.card_number_prefix}{count + 1:07d}"
        return codecs.make_card_number(body)

    def _card_sn(self, card_no: str) -> str:
        """卡识别码: area code ‖ D156000005 ‖ 8 card-specific bytes (card-spec §1.3)."""
        tail = hashlib.sha256(f"{self.settings.region}:{card_no}".encode()).hexdigest()[:16]
        return f"{self.settings.region}D156000005{tail}".upper()


def _check_password(password: str) -> None:
    if not (isinstance(password, str) and password.isdigit() and 6 <= len(password) <= 12):
        raise DomainError("a query password has 6 to 12 digits")
