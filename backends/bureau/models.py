"""Bureau (人社) tables: people, card applications, cards, temporary cards, HR acts, records."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backends.core.db import Base


class Person(Base):
    """A cardholder known to the bureau, keyed by citizen ID (社会保障号码 = ID number)."""

    __tablename__ = "bureau_person"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certno: Mapped[str] = mapped_column(String(18), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(50))
    gender: Mapped[str] = mapped_column(String(1))  # '1' male, '2' female (card-spec §1.4)
    ethnic: Mapped[int] = mapped_column(Integer, default=1)
    birth_date: Mapped[dt.date] = mapped_column(Date)
    birth_place: Mapped[str] = mapped_column(String(6))
    hukou_district: Mapped[str] = mapped_column(String(6))
    residence_district: Mapped[str | None] = mapped_column(String(6), nullable=True)
    employer_name: Mapped[str | None] = mapped_column(String(60), nullable=True)
    employer_district: Mapped[str | None] = mapped_column(String(6), nullable=True)
    phone: Mapped[str | None] = mapped_column(String(16), nullable=True)


class CardApplication(Base):
    """An application for a card; business types and states follow backend-flows §3.1."""

    __tablename__ = "bureau_application"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("bureau_person.id"), index=True)
    business_type: Mapped[str] = mapped_column(String(2))  # 01 new, 05 reissue, 06/07 replace
    district: Mapped[str] = mapped_column(String(6))
    channel: Mapped[str] = mapped_column(String(10))  # hukou / residence / employer
    state: Mapped[str] = mapped_column(String(2))  # 00 applied, 01 withdrawn, 02 success
    stage: Mapped[str] = mapped_column(String(2))  # 00 initial, 01 production, 02 ready, 03 done
    fee_cents: Mapped[int] = mapped_column(Integer, default=0)
    replaces_card_no: Mapped[str | None] = mapped_column(String(9), nullable=True)
    card_no: Mapped[str | None] = mapped_column(String(9), nullable=True)
    applied_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Card(Base):
    """A formal card and its application status AAZ502 (backend-flows §3.1)."""

    __tablename__ = "bureau_card"

    card_no: Mapped[str] = mapped_column(String(9), primary_key=True)
    card_sn: Mapped[str] = mapped_column(String(32), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("bureau_person.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("bureau_application.id"))
    region: Mapped[str] = mapped_column(String(6))
    status: Mapped[int] = mapped_column(Integer)
    collected: Mapped[bool] = mapped_column(Boolean, default=False)
    issue_date: Mapped[dt.date] = mapped_column(Date)
    expiry_date: Mapped[dt.date] = mapped_column(Date)
    status_before_loss: Mapped[int | None] = mapped_column(Integer, nullable=True)
    temp_loss_until: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    reissue_ordered: Mapped[bool] = mapped_column(Boolean, default=False)
    replaced_by: Mapped[str | None] = mapped_column(String(9), nullable=True)
    query_pw_salt: Mapped[str] = mapped_column(String(32))
    query_pw_hash: Mapped[str] = mapped_column(String(64))


class CardEvent(Base):
    """One life-cycle act on a card: the audit trail of the status machine."""

    __tablename__ = "bureau_card_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    card_no: Mapped[str] = mapped_column(String(9), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    operation: Mapped[str] = mapped_column(String(30))
    channel: Mapped[str] = mapped_column(String(12))
    from_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    to_status: Mapped[int | None] = mapped_column(Integer, nullable=True)


class TemporaryCard(Base):
    """A temporary card: identity and medical use only (backend-flows §3.5)."""

    __tablename__ = "bureau_temp_card"

    number: Mapped[str] = mapped_column(String(20), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("bureau_person.id"), index=True)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    voided_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    void_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)


class HrAct(Base):
    """An HR service act done with the card as credential, and its card write state."""

    __tablename__ = "bureau_hr_act"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("bureau_person.id"), index=True)
    card_no: Mapped[str] = mapped_column(String(9), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    details: Mapped[dict] = mapped_column(JSON)
    card_verified: Mapped[bool] = mapped_column(Boolean, default=False)


class InsuranceRecord(Base):
    """A contribution or benefit record, shown by the self-service queries."""

    __tablename__ = "bureau_insurance_record"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("bureau_person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # contribution / benefit
    insurance: Mapped[str] = mapped_column(String(20))
    period: Mapped[str] = mapped_column(String(6))  # YYYYMM
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
