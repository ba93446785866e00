"""HIS tables: visits, charges and settlements of each hospital (partitioned by its code)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backends.core.db import Base


class HisVisit(Base):
    """An outpatient visit as the hospital knows it, with the platform's mdtrt_id."""

    __tablename__ = "hospital_visits"
    __table_args__ = (UniqueConstraint("hospital_code", "ipt_otp_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hospital_code: Mapped[str] = mapped_column(String(32), index=True)
    ipt_otp_no: Mapped[str] = mapped_column(String(30))
    certno: Mapped[str] = mapped_column(String(18))
    psn_name: Mapped[str] = mapped_column(String(64))
    psn_no: Mapped[str] = mapped_column(String(30))
    insutype: Mapped[str] = mapped_column(String(3))
    insuplc_admdvs: Mapped[str] = mapped_column(String(6))
    mdtrt_cert_type: Mapped[str] = mapped_column(String(2))
    mdtrt_cert_no: Mapped[str] = mapped_column(String(64))
    card_no: Mapped[str | None] = mapped_column(String(9), nullable=True)
    mdtrt_id: Mapped[str] = mapped_column(String(30))
    # Sent with 2201 and again with 2206/2207 (13 emergency counts as filed, §2.3).
    med_type: Mapped[str] = mapped_column(String(6), default="11")
    dept_name: Mapped[str] = mapped_column(String(50))
    dr_name: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(10))  # open / settled / cancelled
    at: Mapped[dt.datetime] = mapped_column(DateTime)


class HisCharge(Base):
    """One fee line of a visit, uploaded with 2204."""

    __tablename__ = "hospital_charges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("hospital_visits.id"), index=True)
    feedetl_sn: Mapped[str] = mapped_column(String(30))
    med_list_codg: Mapped[str] = mapped_column(String(50))
    item_name: Mapped[str] = mapped_column(String(60))
    quantity: Mapped[str] = mapped_column(String(20))
    price: Mapped[str] = mapped_column(String(20))
    amount: Mapped[str] = mapped_column(String(20))


class HisSettlement(Base):
    """A 2207 settlement the hospital asked for: pending until the platform's answer is known.

    The row is written with its msgid *before* the call, so a settlement whose answer was lost
    can be reversed with 2601 by that msgid (backend-flows §2.4).
    """

    __tablename__ = "hospital_settlements"

    msgid: Mapped[str] = mapped_column(String(30), primary_key=True)
    hospital_code: Mapped[str] = mapped_column(String(32), index=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("hospital_visits.id"), index=True)
    status: Mapped[str] = mapped_column(String(10))  # pending / settled / failed / reversed
    setl_id: Mapped[str | None] = mapped_column(String(30), nullable=True, index=True)
    setlinfo: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)


class HisSignIn(Base):
    """The hospital's current 9001 sign-in number."""

    __tablename__ = "hospital_sign_ins"

    hospital_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    sign_no: Mapped[str] = mapped_column(String(30))
    at: Mapped[dt.datetime] = mapped_column(DateTime)


class HisSequence(Base):
    """Per-hospital counter for msgid sequences and visit numbers."""

    __tablename__ = "hospital_sequences"

    hospital_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
