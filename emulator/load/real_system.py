"""The real system a `full`-fidelity visit goes through, in this process, with timed calls.

Personalised cards (card OS behind `InProcessTransport`), the reference reader (PSAM or HSM
mode) and the medical-insurance platform (`backends.medical.service.handle` over SQLite).
Every call is timed with `perf_counter`; those wall-clock durations become the simulated
service times of the `full` fidelity and the samples of `sscard load calibrate`.

The patients are a pool reused across visits: insured persons with personal accounts, each
holding a card linked as credential 03; a visit reads the card and sends 1101 with the card
number and identification code it read, so the reader's output really drives the platform.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from backends.core.auth import InstitutionService, Principal
from backends.core.db import Database
from backends.medical.models import (
    AccountEntry,
    ClearingRecord,
    Insurance,
    Message,
    Settlement,
)
from backends.medical.national import Filings
from backends.medical.policy import PolicyBook, load_policies
from backends.medical.registry import InsuredRegistry
from backends.medical.service import handle
from emulator.population import make_cardholder
from emulator.reader.basic_info import BasicInfo
from emulator.reader.hsm import InProcessHsm
from emulator.reader.psam import PsamClient
from emulator.reader.reader import ReferenceReader
from emulator.reader.terminal import read_card_bas
from emulator.world.cards import ChipSpec, in_process_card, personalise, psam_transport

READER_MODES = ("psam", "hsm")
INSUTYPE = "310"
OPENING_BALANCE = Decimal("5000.00")
#: Fee items of a visit: (catalogue code, amount). Items of the shipped policy book.
VISIT_FEES = (("S-110200001", "25.00"), ("S-250101001", "18.50"), ("X-J01CA04", "32.80"))
OUTPATIENT_CLR_TYPE = "11"  # backends/medical/transactions.py CLR_TYPE["outpatient"]

Clock = Callable[[], dt.datetime]


class SetupError(ValueError):
    """The profile cannot be mapped onto the in-process platform (names what is missing)."""


@dataclass(frozen=True)
class Patient:
    """An insured person with a card in a reader."""

    index: int
    certno: str
    psn_no: str
    insuplc: str
    reader: ReferenceReader


@dataclass
class Ledger:
    """What the hospital believes it settled (its own books, for 3201)."""

    count: int = 0
    medfee: Decimal = Decimal("0.00")
    fund: Decimal = Decimal("0.00")
    acct: Decimal = Decimal("0.00")

    def add(self, setlinfo: dict[str, Any], sign: int) -> None:
        self.count += sign
        self.medfee += sign * Decimal(str(setlinfo["medfee_sumamt"]))
        self.fund += sign * Decimal(str(setlinfo["fund_pay_sumamt"]))
        self.acct += sign * Decimal(str(setlinfo["acct_pay"]))


@dataclass
class Hospital:
    """One institution of the in-process platform, its sign-in and its books."""

    principal: Principal
    sign_no: str = ""
    seq: int = 0
    ledger: Ledger = field(default_factory=Ledger)

    @property
    def code(self) -> str:
        return self.principal.code

    def msgid(self) -> str:
        self.seq += 1
        return f"{self.code}{self.seq:0{30 - len(self.code)}d}"


class CallFailed(RuntimeError):
    """A real call answered infcode -1 where the visit needed it to succeed."""


def region_for(policies: PolicyBook, code: str) -> str:
    """The policy-book region standing for profile province `code`: the same code, else the
    first of the same province, else the book's first region."""
    if policies.region(code) is not None:
        return code
    same = sorted(r for r in policies.regions if r[:2] == code[:2])
    if same:
        return same[0]
    # The shipped policy book's regions are examples, not every region of the country: a
    # province without one is treated under the book's first region (a documented choice).
    if not policies.regions:
        raise SetupError("the medical policy book has no region")
    return sorted(policies.regions)[0]


class RealSystem:
    """The in-process platform, hospitals, patients with cards, and the timed calls."""

    def __init__(
        self,
        *,
        region: str,
        hospitals: int,
        patients: int,
        cross_patients: int,
        seed: int,
        clock: Clock,
        reader_mode: str = "psam",
        db_url: str = "sqlite://",
    ) -> None:
        if reader_mode not in READER_MODES:
            raise SetupError(f"reader mode must be one of {', '.join(READER_MODES)}")
        self.policies = load_policies()
        self.region = region_for(self.policies, region)
        others = sorted(r for r in self.policies.regions if r[:2] != self.region[:2])
        if cross_patients and not others:
            raise SetupError("no region of another province in the policy book for cross patients")
        self.clock = clock
        self.database = Database(db_url)
        self.database.create_all(["medical"])
        self.reader_mode = reader_mode
        self.hsm = InProcessHsm() if reader_mode == "hsm" else None
        self.psam = PsamClient(psam_transport(seed)) if reader_mode == "psam" else None
        self.hospitals = self.database.run(lambda s: self._institutions(s, hospitals))
        self.local: list[Patient] = []
        self.cross: list[Patient] = []
        for i in range(patients + cross_patients):
            home = self.region if i < patients else others[i % len(others)]
            patient = self._patient(i, home, seed)
            (self.local if i < patients else self.cross).append(patient)
        for hospital in self.hospitals:
            answer = self.call(hospital, "9001", {"signIn": {"opter_no": "load"}})[1]
            hospital.sign_no = answer["signinoutb"]["sign_no"]

    # ---- setup (not timed) ----------------------------------------------------------------

    def _institutions(self, session: Any, count: int) -> list[Hospital]:
        service = InstitutionService(session)
        return [
            Hospital(
                service.ensure(
                    f"HL{self.region}{i:04d}", "hospital", f"负载医院{i}", "load-only", self.region
                )
            )
            for i in range(count)
        ]

    def _patient(self, index: int, home: str, seed: int) -> Patient:
        holder = make_cardholder(seed * 7919 + index, home)
        card_sn = bytes.fromhex(home) + random.Random(f"{seed}:{index}").randbytes(13)
        spec = ChipSpec(holder.card_number, card_sn.hex().upper(), dt.date(2025, 1, 1))
        spec = ChipSpec(spec.card_no, spec.card_sn, spec.issued, region=home)
        card = in_process_card(personalise(holder, spec, seed + index), seed + index)
        reader = ReferenceReader(card, psam=self.psam)

        def register(session: Any) -> str:
            registry = InsuredRegistry(session, self.policies)
            psn_no = registry.enroll(
                holder.citizen_id,
                holder.name,
                holder.sex,
                holder.birth_date,
                home,
                INSUTYPE,
                OPENING_BALANCE,
            )
            registry.link_card(holder.citizen_id, spec.card_no, spec.card_sn)
            if home[:2] != self.region[:2]:
                # A cross-province settlement needs a filing (备案, backend-flows §2.3).
                Filings(session, self.policies).file(
                    psn_no, INSUTYPE, self.region, "residence", "agency", self.clock().date()
                )
            return psn_no

        psn_no = self.database.run(register)
        return Patient(index, holder.citizen_id, psn_no, home, reader)

    # ---- timed calls ----------------------------------------------------------------------

    def read_card(self, patient: Patient) -> tuple[float, BasicInfo]:
        """iReadCardBas (with the HSM fallback in HSM mode); seconds and the fields read."""
        started = time.perf_counter()
        result, _mode = read_card_bas(patient.reader, 1, self.hsm)
        took = time.perf_counter() - started
        if not result.ok:
            raise CallFailed(f"iReadCardBas: {result.code} {result.text}")
        return took, BasicInfo.from_out_string(result.text)

    def envelope(self, hospital: Hospital, infno: str, payload: dict, insuplc: str = "") -> dict:
        return {
            "infno": infno,
            "msgid": hospital.msgid(),
            "mdtrtarea_admvs": self.region,
            "insuplc_admdvs": insuplc,
            "fixmedins_code": hospital.code,
            "sign_no": hospital.sign_no,
            "input": payload,
        }

    def send(self, hospital: Hospital, body: dict) -> tuple[float, dict]:
        """One platform call; seconds and the answer (failures are answers, not raised)."""
        started = time.perf_counter()
        answer = handle(self.database, hospital.principal, body, self.policies, self.clock)
        return time.perf_counter() - started, answer

    def call(
        self, hospital: Hospital, infno: str, payload: dict, insuplc: str = ""
    ) -> tuple[float, dict]:
        """A call that must succeed; seconds and its output."""
        took, answer = self.send(hospital, self.envelope(hospital, infno, payload, insuplc))
        if answer["infcode"] != 0:
            raise CallFailed(f"{infno}: {answer['err_msg']}")
        return took, answer["output"]

    # ---- the platform's records -----------------------------------------------------------

    def settlement_status(self, msgids: list[str]) -> dict[str, str]:
        """msgid -> settled / cancelled / reversed, or the message status when none exists."""

        def read(session: Any) -> dict[str, str]:
            found: dict[str, str] = {}
            for msgid in msgids:
                setl = session.query(Settlement).filter_by(msgid=msgid).one_or_none()
                if setl is not None:
                    found[msgid] = setl.status
                    continue
                message = session.get(Message, msgid)
                found[msgid] = "unsent" if message is None else message.status
            return found

        return self.database.run(read)

    def account_check(self) -> tuple[int, list[str]]:
        """Accounts checked, and those whose balance is not the sum of their journal."""

        def read(session: Any) -> tuple[int, list[str]]:
            wrong = []
            rows = list(session.query(Insurance))
            for row in rows:
                total = sum(
                    (
                        e.amount
                        for e in session.query(AccountEntry).filter_by(
                            psn_no=row.psn_no, insutype=row.insutype
                        )
                    ),
                    Decimal("0.00"),
                )
                if total != row.balc:
                    wrong.append(
                        f"{row.psn_no}/{row.insutype}: balance {row.balc}, journal {total}"
                    )
            return len(rows), wrong

        return self.database.run(read)

    def clearing_check(self) -> tuple[int, list[str]]:
        """Cross-province settlements checked, and those whose clearing records do not net out.

        A settled one must leave its fund and account amounts owed by the insurance province;
        a reversed or cancelled one must net to zero.
        """

        def read(session: Any) -> tuple[int, list[str]]:
            wrong = []
            rows = list(session.query(Settlement).filter_by(route="national"))
            for setl in rows:
                net = sum(
                    (
                        r.fund_amount + r.acct_amount
                        for r in session.query(ClearingRecord).filter_by(setl_id=setl.setl_id)
                    ),
                    Decimal("0.00"),
                )
                owed = setl.fund_pay_sumamt + setl.acct_pay if setl.status == "settled" else 0
                if net != owed:
                    wrong.append(f"{setl.setl_id} ({setl.status}): clearing {net}, owed {owed}")
            return len(rows), wrong

        return self.database.run(read)

    def reconcile(self, hospital: Hospital, begin: dt.date, end: dt.date) -> dict[str, Any]:
        """3201 with the hospital's own books; the platform's stmtinfo."""
        ledger = hospital.ledger
        payload = {
            "data": {
                "insutype": INSUTYPE,
                "clr_type": OUTPATIENT_CLR_TYPE,
                "setl_optins": self.region,
                "stmt_begndate": begin.isoformat(),
                "stmt_enddate": end.isoformat(),
                "medfee_sumamt": str(ledger.medfee),
                "fund_pay_sumamt": str(ledger.fund),
                "acct_pay": str(ledger.acct),
                "fixmedins_setl_cnt": ledger.count,
            }
        }
        return self.call(hospital, "3201", payload)[1]["stmtinfo"]

    def close(self) -> None:
        self.database.dispose()


@dataclass
class RealVisit:
    """One patient's visit at one hospital, as the HIS tracks it."""

    hospital: Hospital
    patient: Patient
    number: int
    psn_no: str = ""
    insuplc: str = ""
    mdtrt_id: str = ""
    settle_msgid: str = ""
    setlinfo: dict[str, Any] | None = None
    info: BasicInfo | None = None


def visit_steps(
    system: RealSystem, visit: RealVisit, optional: set[str]
) -> list[tuple[str, float]]:
    """The transactions before the settlement, timed: 1101 from the card read, 2201, 2204
    always (a settlement needs them), 2203 and 2206 when in `optional`."""
    h, times = visit.hospital, []
    info = visit.info
    assert info is not None, "read the card first"
    took, out = system.call(
        h,
        "1101",
        {
            "data": {
                "mdtrt_cert_type": "03",
                "mdtrt_cert_no": info.card_number,
                "card_sn": info.card_id,
            }
        },
    )
    times.append(("1101", took))
    visit.psn_no = out["baseinfo"]["psn_no"]
    visit.insuplc = out["insuinfo"][0]["insuplc_admdvs"]
    begin = system.clock().strftime("%Y-%m-%d %H:%M:%S")
    reg = {
        "psn_no": visit.psn_no,
        "insutype": INSUTYPE,
        "begntime": begin,
        "mdtrt_cert_type": "03",
        "mdtrt_cert_no": info.card_number,
        "ipt_otp_no": f"L{visit.number}",
    }
    took, out = system.call(h, "2201", {"data": reg}, visit.insuplc)
    times.append(("2201", took))
    visit.mdtrt_id = out["data"]["mdtrt_id"]
    if "2203" in optional:
        data = {"mdtrt_id": visit.mdtrt_id, "psn_no": visit.psn_no, "med_type": "11"}
        took, _ = system.call(h, "2203", {"mdtrtinfo": data}, visit.insuplc)
        times.append(("2203", took))
    fees = [
        {
            "feedetl_sn": str(i + 1),
            "mdtrt_id": visit.mdtrt_id,
            "psn_no": visit.psn_no,
            "med_list_codg": code,
            "det_item_fee_sumamt": amount,
        }
        for i, (code, amount) in enumerate(VISIT_FEES)
    ]
    took, _ = system.call(h, "2204", {"feedetail": fees}, visit.insuplc)
    times.append(("2204", took))
    if "2206" in optional:
        took, _ = system.call(h, "2206", {"data": settle_data(visit)}, visit.insuplc)
        times.append(("2206", took))
    return times


def settle_data(visit: RealVisit) -> dict[str, Any]:
    total = sum((Decimal(a) for _, a in VISIT_FEES), Decimal("0.00"))
    return {
        "psn_no": visit.psn_no,
        "mdtrt_id": visit.mdtrt_id,
        "insutype": INSUTYPE,
        "medfee_sumamt": str(total),
        "acct_used_flag": "1",
    }


def settle(system: RealSystem, visit: RealVisit) -> float:
    """2207; the hospital books it when the platform answers (seconds)."""
    body = system.envelope(visit.hospital, "2207", {"data": settle_data(visit)}, visit.insuplc)
    visit.settle_msgid = body["msgid"]
    took, answer = system.send(visit.hospital, body)
    if answer["infcode"] != 0:
        raise CallFailed(f"2207: {answer['err_msg']}")
    visit.setlinfo = answer["output"]["setlinfo"]
    return took


def cancel(system: RealSystem, visit: RealVisit) -> float:
    """2208 of a booked settlement (the patient changed their mind); unbooks it."""
    assert visit.setlinfo is not None
    data = {
        "setl_id": visit.setlinfo["setl_id"],
        "mdtrt_id": visit.mdtrt_id,
        "psn_no": visit.psn_no,
    }
    took, _ = system.call(visit.hospital, "2208", {"data": data}, visit.insuplc)
    visit.hospital.ledger.add(visit.setlinfo, -1)
    return took


def reverse(
    system: RealSystem, hospital: Hospital, msgid: str, psn_no: str, insuplc: str
) -> tuple[float, str]:
    """2601 of a settlement message (seconds, rvs_rslt: reversed / blocked / already)."""
    payload = {"data": {"psn_no": psn_no, "omsgid": msgid, "oinfno": "2207"}}
    took, out = system.call(hospital, "2601", payload, insuplc)
    return took, out["data"]["rvs_rslt"]
