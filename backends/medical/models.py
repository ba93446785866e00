"""Tables of the medical-insurance platforms (all prefixed `medical_`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backends.core.db import Base
from backends.medical.money import ZERO, Money


class InsuredPerson(Base):
    """A person known to the medical-insurance system, keyed by the citizen ID number."""

    __tablename__ = "medical_insured_persons"

    psn_no: Mapped[str] = mapped_column(String(20), primary_key=True)
    certno: Mapped[str] = mapped_column(String(18), unique=True)
    psn_name: Mapped[str] = mapped_column(String(64))
    gend: Mapped[str] = mapped_column(String(1))
    naty: Mapped[str] = mapped_column(String(4), default="01")
    brdy: Mapped[dt.date] = mapped_column(Date)
    insuplc_admdvs: Mapped[str] = mapped_column(String(6))
    emp_name: Mapped[str] = mapped_column(String(128), default="")


class Insurance(Base):
    """One insurance type of a person, with its personal account (balc)."""

    __tablename__ = "medical_insurances"
    __table_args__ = (UniqueConstraint("psn_no", "insutype"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    psn_no: Mapped[str] = mapped_column(ForeignKey("medical_insured_persons.psn_no"))
    insutype: Mapped[str] = mapped_column(String(3))
    psn_type: Mapped[str] = mapped_column(String(6), default="11")
    psn_insu_stas: Mapped[str] = mapped_column(String(1), default="1")
    psn_insu_date: Mapped[dt.date] = mapped_column(Date)
    cvlserv_flag: Mapped[str] = mapped_column(String(1), default="0")
    balc: Mapped[Decimal] = mapped_column(Money, default=ZERO)


class AccountEntry(Base):
    """Every movement of a personal account; the balance is the sum of its entries."""

    __tablename__ = "medical_account_journal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    psn_no: Mapped[str] = mapped_column(String(20), index=True)
    insutype: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Money)
    balc_after: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(String(16))
    setl_id: Mapped[str | None] = mapped_column(String(30), default=None, index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)


class Card(Base):
    """A social security card accepted as credential type 03 (linked by the bureau)."""

    __tablename__ = "medical_cards"

    card_no: Mapped[str] = mapped_column(String(20), primary_key=True)
    certno: Mapped[str] = mapped_column(String(18), index=True)
    card_sn: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ECredential(Base):
    """A medical-insurance electronic credential token (credential type 01)."""

    __tablename__ = "medical_ecredentials"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    certno: Mapped[str] = mapped_column(String(18), index=True)


class SignIn(Base):
    __tablename__ = "medical_signins"

    sign_no: Mapped[str] = mapped_column(String(30), primary_key=True)
    fixmedins_code: Mapped[str] = mapped_column(String(30), index=True)
    opter_no: Mapped[str] = mapped_column(String(30))
    sign_time: Mapped[dt.datetime] = mapped_column(DateTime)


class Visit(Base):
    """An outpatient registration (2201) or an admission (2401): `mdtrt_id`."""

    __tablename__ = "medical_visits"
    __table_args__ = (UniqueConstraint("fixmedins_code", "kind", "ipt_otp_no"),)

    mdtrt_id: Mapped[str] = mapped_column(String(30), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    psn_no: Mapped[str] = mapped_column(String(20), index=True)
    insutype: Mapped[str] = mapped_column(String(3))
    fixmedins_code: Mapped[str] = mapped_column(String(30), index=True)
    mdtrtarea_admvs: Mapped[str] = mapped_column(String(6))
    insuplc_admdvs: Mapped[str] = mapped_column(String(6))
    ipt_otp_no: Mapped[str] = mapped_column(String(30))
    med_type: Mapped[str | None] = mapped_column(String(6), default=None)
    mdtrt_cert_type: Mapped[str] = mapped_column(String(2))
    begntime: Mapped[str] = mapped_column(String(19))
    dise_codg: Mapped[str | None] = mapped_column(String(30), default=None)
    dise_name: Mapped[str | None] = mapped_column(String(128), default=None)
    status: Mapped[str] = mapped_column(String(10), default="open")
    """open, discharged (inpatient final settlement) or cancelled."""
    msgid: Mapped[str] = mapped_column(String(30), index=True)


class Fee(Base):
    """One uploaded fee detail (2204 / 2301)."""

    __tablename__ = "medical_fees"
    __table_args__ = (UniqueConstraint("mdtrt_id", "feedetl_sn"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mdtrt_id: Mapped[str] = mapped_column(ForeignKey("medical_visits.mdtrt_id"), index=True)
    feedetl_sn: Mapped[str] = mapped_column(String(30))
    chrg_bchno: Mapped[str] = mapped_column(String(30), default="")
    med_list_codg: Mapped[str] = mapped_column(String(50))
    medins_list_codg: Mapped[str] = mapped_column(String(50), default="")
    amount: Mapped[Decimal] = mapped_column(Money)
    item_class: Mapped[str] = mapped_column(String(1))
    msgid: Mapped[str] = mapped_column(String(30), index=True)
    setl_id: Mapped[str | None] = mapped_column(String(30), default=None, index=True)


AMOUNT_FIELDS = (
    "medfee_sumamt",
    "fulamt_ownpay_amt",
    "preselfpay_amt",
    "inscp_scp_amt",
    "act_pay_dedc",
    "pool_prop_selfpay",
    "overlmt_selfpay",
    "hifp_pay",
    "fund_pay_sumamt",
    "psn_part_amt",
    "acct_pay",
    "psn_cash_pay",
    "balc",
)


class Settlement(Base):
    """A settlement (2207 / 2304) with the split of backend-flows §1.4."""

    __tablename__ = "medical_settlements"

    setl_id: Mapped[str] = mapped_column(String(30), primary_key=True)
    msgid: Mapped[str] = mapped_column(String(30), unique=True)
    mdtrt_id: Mapped[str] = mapped_column(ForeignKey("medical_visits.mdtrt_id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    psn_no: Mapped[str] = mapped_column(String(20), index=True)
    insutype: Mapped[str] = mapped_column(String(3))
    fixmedins_code: Mapped[str] = mapped_column(String(30), index=True)
    mdtrtarea_admvs: Mapped[str] = mapped_column(String(6))
    insuplc_admdvs: Mapped[str] = mapped_column(String(6))
    route: Mapped[str] = mapped_column(String(10))
    """local, province (same province, other region) or national (cross-province)."""
    med_type: Mapped[str] = mapped_column(String(6))
    setl_time: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    year: Mapped[int] = mapped_column(Integer)
    mid_setl_flag: Mapped[str] = mapped_column(String(1), default="0")
    clr_optins: Mapped[str] = mapped_column(String(6))
    clr_way: Mapped[str] = mapped_column(String(6))
    clr_type: Mapped[str] = mapped_column(String(6))
    status: Mapped[str] = mapped_column(String(10), default="settled")
    """settled, cancelled (2208 / 2305) or reversed (2601)."""
    undo_id: Mapped[str | None] = mapped_column(String(30), default=None)
    undo_msgid: Mapped[str | None] = mapped_column(String(30), default=None)
    medfee_sumamt: Mapped[Decimal] = mapped_column(Money)
    fulamt_ownpay_amt: Mapped[Decimal] = mapped_column(Money)
    preselfpay_amt: Mapped[Decimal] = mapped_column(Money)
    inscp_scp_amt: Mapped[Decimal] = mapped_column(Money)
    act_pay_dedc: Mapped[Decimal] = mapped_column(Money)
    pool_prop_selfpay: Mapped[Decimal] = mapped_column(Money)
    overlmt_selfpay: Mapped[Decimal] = mapped_column(Money)
    hifp_pay: Mapped[Decimal] = mapped_column(Money)
    fund_pay_sumamt: Mapped[Decimal] = mapped_column(Money)
    psn_part_amt: Mapped[Decimal] = mapped_column(Money)
    acct_pay: Mapped[Decimal] = mapped_column(Money)
    psn_cash_pay: Mapped[Decimal] = mapped_column(Money)
    balc: Mapped[Decimal] = mapped_column(Money)


class Filing(Base):
    """A cross-region filing (备案): referral by a hospital (2501) or by the insurance agency."""

    __tablename__ = "medical_filings"

    trt_dcla_detl_sn: Mapped[str] = mapped_column(String(30), primary_key=True)
    psn_no: Mapped[str] = mapped_column(String(20), index=True)
    insutype: Mapped[str] = mapped_column(String(3))
    dest_admdvs: Mapped[str] = mapped_column(String(6))
    kind: Mapped[str] = mapped_column(String(12))
    begndate: Mapped[dt.date] = mapped_column(Date)
    enddate: Mapped[dt.date] = mapped_column(Date)
    filed_by: Mapped[str] = mapped_column(String(30))
    msgid: Mapped[str | None] = mapped_column(String(30), default=None)
    status: Mapped[str] = mapped_column(String(10), default="active")


class ClearingRecord(Base):
    """Inter-province clearing (§2.2): the insurance province owes the treatment province."""

    __tablename__ = "medical_clearing"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    setl_id: Mapped[str] = mapped_column(String(30), index=True)
    payer_admdvs: Mapped[str] = mapped_column(String(6))
    payee_admdvs: Mapped[str] = mapped_column(String(6))
    fund_amount: Mapped[Decimal] = mapped_column(Money)
    acct_amount: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(String(10))
    at: Mapped[dt.datetime] = mapped_column(DateTime)


class Message(Base):
    """Every accepted message by msgid: the idempotency log and the 2601 reversal index."""

    __tablename__ = "medical_messages"

    msgid: Mapped[str] = mapped_column(String(30), primary_key=True)
    infno: Mapped[str] = mapped_column(String(5))
    fixmedins_code: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(10))
    """done, reversed (by 2601) or blocked (2601 arrived before the message itself)."""
    response: Mapped[str | None] = mapped_column(Text, default=None)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
