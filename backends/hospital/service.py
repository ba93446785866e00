"""HIS domain service: registration, fee upload, settlement and its summary for one hospital.

The HIS is a client of the platform, so unlike the other services it owns its transactions:
it never holds one open while it waits for the platform (in-process the platform runs its own
transaction on the same database). A settlement is recorded as pending with its msgid before
2207 is sent; when the answer is lost the pending row is what `reverse` uses for 2601.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backends.bank.linked import linked_services
from backends.core.auth import Principal
from backends.core.clock import Clock
from backends.core.db import Database
from backends.core.errors import Conflict, DomainError, Forbidden, NotFound
from backends.hospital.card_info import Credential
from backends.hospital.models import HisCharge, HisSequence, HisSettlement, HisSignIn, HisVisit
from backends.hospital.platform import PlatformClient, PlatformUnavailable
from backends.medical.money import cents

CardCheck = Callable[[str], None]
CENT = Decimal("0.01")
# Settlement amounts printed on the summary, in order (backend-flows §1.4, 2207 setlinfo).
SUMMARY_FIELDS = (
    ("medfee_sumamt", "医疗费总额"),
    ("fulamt_ownpay_amt", "全自费金额"),
    ("preselfpay_amt", "先行自付金额"),
    ("inscp_scp_amt", "符合范围金额"),
    ("act_pay_dedc", "起付线"),
    ("hifp_pay", "统筹基金支付"),
    ("fund_pay_sumamt", "基金支付总额"),
    ("acct_pay", "个人账户支付"),
    ("psn_cash_pay", "个人现金支付"),
    ("balc", "账户余额"),
)


#: Outpatient med_type codes this HIS registers (2201) and settles (2206/2207) with. 11 and 14
#: are in backend-flows §1.4; 13 (emergency) is the platform's default choice in
#: backends/medical/policies.yaml (`emergency_med_types`), and an emergency counts as filed for
#: cross-province settlement (§2.3). Inpatient types (21 ...) go through admission (2401),
#: which this outpatient HIS does not do. The platform itself takes any code; this is the
#: HIS's choice of what it offers.
OUTPATIENT_MED_TYPES = {
    "11": "general outpatient",
    "13": "emergency",
    "14": "outpatient chronic or special disease",
}


def check_med_type(med_type: str) -> str:
    """``med_type`` if this HIS registers outpatient visits of that type, else a 400."""
    if med_type not in OUTPATIENT_MED_TYPES:
        offered = ", ".join(f"{code} {name}" for code, name in OUTPATIENT_MED_TYPES.items())
        raise DomainError(f"med_type {med_type!r} is not an outpatient type here ({offered})")
    return med_type


class PlatformRefused(DomainError):
    """The platform answered infcode -1; the message is its err_msg."""

    status = 409


class SettlementUnanswered(PlatformUnavailable):
    """2207 was sent and no answer came: the settlement ``msgid`` stays pending until 2601."""

    def __init__(self, message: str, msgid: str) -> None:
        super().__init__(f"{message}; settlement {msgid} is pending, reverse it with 2601")
        self.msgid = msgid


@dataclass(frozen=True)
class ChargeItem:
    med_list_codg: str
    name: str
    quantity: Decimal
    price: Decimal


def bureau_card_check(database: Database, clock: Clock) -> CardCheck:
    """Refuse a card the bureau's card check refuses (blacklisted or expired, 403); a card the
    bureau does not know passes."""

    def check(card_no: str) -> None:
        def look(session: Session) -> None:
            try:
                # Linked, so that a lapse applied by this read reaches the bank as well.
                linked_services(session, clock)[0].check_card(card_no)
            except NotFound:
                return None

        database.run(look)

    return check


class HisService:
    """The HIS of one hospital (``hospital`` is its institution principal)."""

    def __init__(
        self,
        database: Database,
        hospital: Principal,
        platform: PlatformClient,
        clock: Clock,
        card_check: CardCheck | None = None,
    ) -> None:
        if hospital.admdvs is None or len(hospital.code) != 12:
            raise DomainError("a hospital needs a 12-character code and a region (admdvs)")
        self.database = database
        self.hospital = hospital
        self.platform = platform
        self.clock = clock
        self.card_check = card_check

    # ---- registration --------------------------------------------------------------------

    def register(
        self,
        credential: Credential,
        dept_name: str,
        dr_name: str,
        insutype: str | None = None,
        med_type: str = "11",
    ) -> HisVisit:
        """1101 then 2201: the patient gets a visit number and the platform's mdtrt_id."""
        check_med_type(med_type)
        today = self.clock().date()
        if credential.expiry is not None and credential.expiry < today:
            # The chip's 卡有效期 is the last valid day (docs/http-api.md, "Card validity").
            raise Forbidden(
                f"card {credential.card_no} expired: the chip says valid until "
                f"{credential.expiry.isoformat()}; a replacement card is needed"
            )
        if credential.card_no and self.card_check is not None:
            self.card_check(credential.card_no)
        info = self._call(
            "1101",
            {
                "data": {
                    "mdtrt_cert_type": credential.cert_type,
                    "mdtrt_cert_no": credential.cert_no,
                    "card_sn": credential.card_sn,
                }
            },
        )
        base, rows = info["baseinfo"], info["insuinfo"]
        row = next((r for r in rows if insutype in (None, r["insutype"])), None)
        if row is None:
            raise Conflict(f"the patient has no insurance of type {insutype}")
        ipt_otp_no = f"MZ{self._next(10**8):08d}"
        now = self.clock()
        output = self._call(
            "2201",
            {
                "data": {
                    "psn_no": base["psn_no"],
                    "insutype": row["insutype"],
                    "begntime": now.strftime("%Y-%m-%d %H:%M:%S"),
                    "mdtrt_cert_type": credential.cert_type,
                    "mdtrt_cert_no": credential.cert_no,
                    "ipt_otp_no": ipt_otp_no,
                    "med_type": med_type,
                    "dept_name": dept_name,
                    "dr_name": dr_name,
                }
            },
            row["insuplc_admdvs"],
        )
        visit = HisVisit(
            hospital_code=self.hospital.code,
            ipt_otp_no=ipt_otp_no,
            certno=base["certno"],
            psn_name=base["psn_name"],
            psn_no=base["psn_no"],
            insutype=row["insutype"],
            insuplc_admdvs=row["insuplc_admdvs"],
            mdtrt_cert_type=credential.cert_type,
            mdtrt_cert_no=credential.cert_no,
            card_no=credential.card_no,
            mdtrt_id=output["data"]["mdtrt_id"],
            med_type=med_type,
            dept_name=dept_name,
            dr_name=dr_name,
            status="open",
            at=now,
        )
        return self.database.run(lambda s: _add(s, visit))

    # ---- fees ----------------------------------------------------------------------------

    def charge(self, ipt_otp_no: str, items: list[ChargeItem]) -> list[HisCharge]:
        """Upload fee lines with 2204 and keep them; all lines or none."""
        if not items:
            raise DomainError("at least one charge item is needed")
        visit = self.visit(ipt_otp_no)
        if visit.status != "open":
            raise Conflict(f"visit {ipt_otp_no} is {visit.status}")
        done = self.database.run(lambda s: len(_charges(s, visit.id)))
        rows = []
        for index, item in enumerate(items, start=done + 1):
            amount = _amount(item)
            rows.append(
                HisCharge(
                    visit_id=visit.id,
                    feedetl_sn=f"{ipt_otp_no}-{index:03d}",
                    med_list_codg=item.med_list_codg,
                    item_name=item.name,
                    quantity=str(item.quantity),
                    price=str(item.price),
                    amount=str(amount),
                )
            )
        feedetail = [
            {
                "feedetl_sn": row.feedetl_sn,
                "mdtrt_id": visit.mdtrt_id,
                "psn_no": visit.psn_no,
                "chrg_bchno": ipt_otp_no,
                "med_list_codg": row.med_list_codg,
                "medins_list_codg": row.med_list_codg,
                "det_item_fee_sumamt": row.amount,
                "cnt": row.quantity,
                "pric": row.price,
                "fee_ocur_time": self.clock().strftime("%Y-%m-%d %H:%M:%S"),
            }
            for row in rows
        ]
        self._call("2204", {"feedetail": feedetail}, visit.insuplc_admdvs)
        return self.database.run(lambda s: [_add(s, row) for row in rows])

    # ---- settlement ----------------------------------------------------------------------

    def settle(self, ipt_otp_no: str, use_account: bool = True) -> HisSettlement:
        """2206 pre-settlement, then 2207 under a msgid recorded beforehand."""
        visit = self.visit(ipt_otp_no)
        if visit.status != "open":
            raise Conflict(f"visit {ipt_otp_no} is {visit.status}")
        total = self.database.run(
            lambda s: sum((Decimal(c.amount) for c in _charges(s, visit.id)), Decimal("0.00"))
        )
        if total <= 0:
            raise Conflict(f"visit {ipt_otp_no} has no charges to settle")
        data = {
            "psn_no": visit.psn_no,
            "mdtrt_id": visit.mdtrt_id,
            "insutype": visit.insutype,
            "medfee_sumamt": str(total),
            "mdtrt_cert_type": visit.mdtrt_cert_type,
            "mdtrt_cert_no": visit.mdtrt_cert_no,
            "med_type": visit.med_type,
            "chrg_bchno": ipt_otp_no,
            "acct_used_flag": "1" if use_account else "0",
        }
        self._call("2206", {"data": data}, visit.insuplc_admdvs)
        msgid = self._msgid()
        pending = HisSettlement(
            msgid=msgid,
            hospital_code=self.hospital.code,
            visit_id=visit.id,
            status="pending",
            at=self.clock(),
        )
        self.database.run(lambda s: _add(s, pending))
        try:
            output = self._call("2207", {"data": data}, visit.insuplc_admdvs, msgid=msgid)
        except PlatformRefused as refused:
            reason = refused.message
            self.database.run(lambda s: _finish(s, msgid, "failed", error=reason))
            raise
        except PlatformUnavailable as lost:
            # The platform may have settled: the caller needs the msgid to reverse it (2601).
            raise SettlementUnanswered(lost.message, msgid) from None
        return self.database.run(lambda s: _finish(s, msgid, "settled", output["setlinfo"]))

    def settlements(self, ipt_otp_no: str) -> list[HisSettlement]:
        """Every settlement sent for the visit, oldest first (pending ones await 2601)."""
        visit = self.visit(ipt_otp_no)
        return self.database.run(
            lambda s: list(
                s.scalars(
                    select(HisSettlement)
                    .where(HisSettlement.visit_id == visit.id)
                    .order_by(HisSettlement.at, HisSettlement.msgid)
                )
            )
        )

    def reverse(self, msgid: str) -> HisSettlement:
        """2601 for a settlement whose answer was lost (or any pending one)."""
        pending = self._settlement(msgid=msgid)
        if pending.status != "pending":
            raise Conflict(f"settlement {msgid} is {pending.status}; use cancel for settled ones")
        visit = self.database.run(lambda s: s.get(HisVisit, pending.visit_id))
        self._call(
            "2601",
            {"data": {"psn_no": visit.psn_no, "omsgid": msgid, "oinfno": "2207"}},
            visit.insuplc_admdvs,
        )
        return self.database.run(lambda s: _finish(s, msgid, "reversed"))

    def cancel(self, setl_id: str) -> HisSettlement:
        """2208: undo a settled outpatient settlement; the visit can be settled again."""
        settled = self._settlement(setl_id=setl_id)
        if settled.status != "settled":
            raise Conflict(f"settlement {setl_id} is {settled.status}")
        visit = self.database.run(lambda s: s.get(HisVisit, settled.visit_id))
        self._call(
            "2208",
            {"data": {"setl_id": setl_id, "mdtrt_id": visit.mdtrt_id, "psn_no": visit.psn_no}},
            visit.insuplc_admdvs,
        )
        return self.database.run(lambda s: _finish(s, settled.msgid, "cancelled"))

    def summary(self, setl_id: str) -> str:
        """The printed settlement summary (结算单) of a settled settlement."""
        settled = self._settlement(setl_id=setl_id)
        if settled.status not in ("settled", "cancelled"):
            raise Conflict(f"settlement {setl_id} is {settled.status}")
        visit = self.database.run(lambda s: s.get(HisVisit, settled.visit_id))
        info = settled.setlinfo or {}
        masked = visit.certno[:6] + "********" + visit.certno[-4:]
        lines = [
            f"{self.hospital.name} 医保结算单",
            f"结算号 {setl_id}    就诊号 {visit.ipt_otp_no}    科室 {visit.dept_name}",
            f"姓名 {visit.psn_name}    证件号 {masked}    参保地 {visit.insuplc_admdvs}",
            f"结算时间 {info.get('setl_time', '')}",
        ]
        lines += [f"{label:<8}{info.get(key, '0.00'):>14}" for key, label in SUMMARY_FIELDS]
        if settled.status == "cancelled":
            lines.append("*** 已撤销 ***")
        return "\n".join(lines)

    def visit(self, ipt_otp_no: str) -> HisVisit:
        found = self.database.run(
            lambda s: s.scalar(
                select(HisVisit).where(
                    HisVisit.hospital_code == self.hospital.code,
                    HisVisit.ipt_otp_no == ipt_otp_no,
                )
            )
        )
        if found is None:
            raise NotFound(f"no visit {ipt_otp_no} at this hospital")
        return found

    # ---- platform calls ------------------------------------------------------------------

    def _call(
        self, infno: str, payload: dict[str, Any], insuplc: str = "", msgid: str | None = None
    ) -> dict[str, Any]:
        sign_no = self._sign_no()
        envelope = self._envelope(infno, payload, insuplc, sign_no, msgid)
        answer = self.platform.call(envelope)
        if answer.get("infcode") != 0 and "sign in" in str(answer.get("err_msg")):
            sign_no = self._sign_no(renew=True)  # the platform forgot us: sign in again
            answer = self.platform.call(self._envelope(infno, payload, insuplc, sign_no, msgid))
        if answer.get("infcode") != 0:
            raise PlatformRefused(f"platform refused {infno}: {answer.get('err_msg')}")
        output = answer.get("output")
        if not isinstance(output, dict):
            raise PlatformUnavailable(f"platform answered {infno} without output")
        return output

    def _sign_no(self, renew: bool = False) -> str:
        stored = self.database.run(lambda s: s.get(HisSignIn, self.hospital.code))
        if stored is not None and not renew:
            return stored.sign_no
        envelope = self._envelope(
            "9001", {"signIn": {"opter_no": "his", "mac": "", "ip": "127.0.0.1"}}, "", "", None
        )
        answer = self.platform.call(envelope)
        if answer.get("infcode") != 0:
            raise PlatformRefused(f"platform refused 9001: {answer.get('err_msg')}")
        sign_no = answer["output"]["signinoutb"]["sign_no"]

        def keep(session: Session) -> None:
            row = session.get(HisSignIn, self.hospital.code)
            if row is None:
                session.add(
                    HisSignIn(hospital_code=self.hospital.code, sign_no=sign_no, at=self.clock())
                )
            else:
                row.sign_no, row.at = sign_no, self.clock()

        self.database.run(keep)
        return sign_no

    def _envelope(
        self,
        infno: str,
        payload: dict[str, Any],
        insuplc: str,
        sign_no: str,
        msgid: str | None,
    ) -> dict[str, Any]:
        now = self.clock()
        return {
            "infno": infno,
            "msgid": msgid or self._msgid(),
            "mdtrtarea_admvs": self.hospital.admdvs,
            "insuplc_admdvs": insuplc,
            "recer_sys_code": "SSCARD",
            "infver": "V1.0",
            "opter_type": "1",
            "opter": "his",
            "opter_name": "HIS",
            "inf_time": now.strftime("%Y-%m-%d %H:%M:%S"),
            "fixmedins_code": self.hospital.code,
            "fixmedins_name": self.hospital.name,
            "sign_no": sign_no,
            "input": payload,
        }

    def _msgid(self) -> str:
        """fixmedins_code (12) + yyyyMMddHHmmss (14) + sequence (4) (backend-flows §1.1)."""
        sequence = self._next(10**4)
        return f"{self.hospital.code}{self.clock().strftime('%Y%m%d%H%M%S')}{sequence:04d}"

    def _next(self, modulus: int) -> int:
        def bump(session: Session) -> int:
            row = session.get(HisSequence, self.hospital.code, with_for_update=True)
            if row is None:
                row = HisSequence(hospital_code=self.hospital.code, value=0)
                session.add(row)
            row.value += 1
            return row.value % modulus

        return self.database.run(bump)

    def _settlement(self, *, msgid: str | None = None, setl_id: str | None = None) -> HisSettlement:
        def find(session: Session) -> HisSettlement | None:
            query = select(HisSettlement).where(HisSettlement.hospital_code == self.hospital.code)
            if msgid is not None:
                query = query.where(HisSettlement.msgid == msgid)
            else:
                query = query.where(HisSettlement.setl_id == setl_id)
            return session.scalar(query)

        found = self.database.run(find)
        if found is None:
            # Another hospital's settlement is indistinguishable from a missing one.
            raise NotFound(f"no settlement {msgid or setl_id} at this hospital")
        return found


def _add(session: Session, row: Any) -> Any:
    session.add(row)
    session.flush()
    return row


def _charges(session: Session, visit_id: int) -> list[HisCharge]:
    return list(session.scalars(select(HisCharge).where(HisCharge.visit_id == visit_id)))


def _finish(
    session: Session,
    msgid: str,
    status: str,
    setlinfo: dict[str, Any] | None = None,
    error: str | None = None,
) -> HisSettlement:
    row = session.get(HisSettlement, msgid)
    row.status = status
    if setlinfo is not None:
        row.setlinfo, row.setl_id = setlinfo, setlinfo.get("setl_id")
    if error is not None:
        row.error = error[:300]
    visit = session.get(HisVisit, row.visit_id)
    visit.status = {"settled": "settled", "cancelled": "open"}.get(status, visit.status)
    session.flush()
    return row


def _amount(item: ChargeItem) -> Decimal:
    try:
        quantity, price = Decimal(str(item.quantity)), Decimal(str(item.price))
    except InvalidOperation:
        raise DomainError(f"{item.med_list_codg}: quantity and price must be numbers") from None
    if not (quantity.is_finite() and price.is_finite()) or quantity <= 0 or price < 0:
        raise DomainError(f"{item.med_list_codg}: quantity must be positive, price not negative")
    if price != price.quantize(CENT):
        raise DomainError(f"{item.med_list_codg}: price has more than 2 decimals")
    return cents(quantity * price)
