"""The card as credential for HR services, and the secured writes of their results.

The bureau records each act, then prepares the commands that put its result on the card's
DF02/DF03 files: EXTERNAL AUTHENTICATE with the holder-write key, then one UPDATE RECORD per
record with a secure-messaging MAC (card-spec §2.1; access rule key:N&mac:N of the issuer
profile). A back-end never holds a card (DESIGN.md): the terminal fetches a challenge before
every secured command, the bureau computes that command, and the terminal sends it. Finally the
terminal relays the records it read back and the bureau checks them.

Which record each act writes is an issuer choice over the DF layouts of card_os.ssse.layouts
(card-spec §1.6 names only the files); the table ACT_RECORDS below is that choice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from backends.bureau.models import Card, HrAct, Person
from backends.bureau.settings import BureauSettings
from backends.bureau.status import CardStatus
from backends.core.errors import Conflict, DomainError, NotFound
from card_os import codecs, crypto
from card_os.ssse import cardkeys
from card_os.ssse.layouts import RecordField, encode_value
from card_os.ssse.profile import IssuerProfile

Clock = Callable[[], dt.datetime]
SSSE_AID = bytes.fromhex("7378312E73682EC9E7BBE1B1A3D5CF")  # card-spec §1.1
RID = bytes.fromhex("D156000005")
GET_CHALLENGE = bytes.fromhex("0084000008")
SM_CLA = 0x04  # secure messaging, MAC only (docs/internals.md access grammar)


@dataclass(frozen=True)
class RecordSpec:
    """One record an act writes: DF (by FID), EF (by FID), tag, and how to get its value."""

    df: int
    ef: int
    tag: int
    value: Callable[[dict[str, Any], str], object]


def _date(details: dict[str, Any], _: str) -> dt.date:
    return dt.date.fromisoformat(str(details["date"]))


INSURANCE_RECORDS: dict[str, list[RecordSpec]] = {
    "pension": [
        RecordSpec(0xDF03, 0xEF07, 0x42, _date),
        RecordSpec(0xDF03, 0xEF07, 0x43, lambda _, region: region),
    ],
    "unemployment": [RecordSpec(0xDF03, 0xEF05, 0x40, _date)],
    "work_injury": [RecordSpec(0xDF03, 0xEF15, 0x44, _date)],
}

# act kind -> records it writes (issuer choice, see module docstring).
ACT_RECORDS: dict[str, Callable[[dict[str, Any]], list[RecordSpec]]] = {
    "employment_registration": lambda d: [
        RecordSpec(0xDF02, 0xEF06, 0x31, lambda *_: "1"),
        RecordSpec(0xDF02, 0xEF07, 0x32, _date),
    ],
    "unemployment_registration": lambda d: [
        RecordSpec(0xDF02, 0xEF06, 0x31, lambda *_: "2"),
        RecordSpec(0xDF02, 0xEF09, 0x33, lambda det, _: str(det["certificate_no"])),
    ],
    "insurance_registration": lambda d: INSURANCE_RECORDS[str(d.get("insurance"))],
    "work_injury_recognition": lambda d: [
        RecordSpec(0xDF03, 0xEF06, 0x41, lambda det, _: str(det["grade"]))
    ],
    "vocational_training": lambda d: [
        RecordSpec(0xDF02, 0xEF16, 0x35, lambda det, _: str(det["programme"]))
    ],
    "skill_appraisal": lambda d: [
        RecordSpec(0xDF02, 0xEF05, 0x30, lambda det, _: str(det["occupation"]))
    ],
}
REQUIRED_DETAILS: dict[str, tuple[str, ...]] = {
    "employment_registration": ("date",),
    "unemployment_registration": ("date", "certificate_no"),
    "insurance_registration": ("insurance", "date"),
    "work_injury_recognition": ("date", "grade"),
    "vocational_training": ("date", "programme"),
    "skill_appraisal": ("date", "occupation"),
}


@dataclass(frozen=True)
class WriteStep:
    """A command of the write script; ``apdu`` is None when it needs a fresh challenge."""

    purpose: str
    apdu: bytes | None


@dataclass(frozen=True)
class PlannedRecord:
    sfi: int
    tag: int
    tlv: bytes


class HrService:
    """Records HR acts done with the card and prepares/checks their card writes."""

    def __init__(
        self,
        session: Session,
        clock: Clock,
        settings: BureauSettings | None = None,
        profile: IssuerProfile | None = None,
    ) -> None:
        self.session = session
        self.clock = clock
        self.settings = settings or BureauSettings()
        self.profile = profile or IssuerProfile()

    def record_act(self, card_no: str, kind: str, details: dict[str, Any]) -> HrAct:
        """Record an act for the holder of a usable card; the card is the credential."""
        required = REQUIRED_DETAILS.get(kind)
        if required is None:
            raise DomainError(f"kind must be one of {sorted(REQUIRED_DETAILS)}")
        missing = [name for name in required if name not in details]
        if missing:
            raise DomainError(f"{kind} needs details {missing}")
        card = self.session.get(Card, card_no) if isinstance(card_no, str) else None
        if card is None:
            raise NotFound(f"no card {card_no}")
        if card.status != CardStatus.NORMAL:
            raise Conflict(f"card {card_no} is not usable (status {card.status})")
        act = HrAct(
            person_id=card.person_id,
            card_no=card_no,
            kind=kind,
            at=self.clock(),
            details=dict(details),
            card_verified=False,
        )
        self._records(act)  # validates every value before anything is written
        self.session.add(act)
        self.session.flush()
        return act

    def acts(self, certno: str) -> list[HrAct]:
        person = self.session.query(Person).filter(Person.certno == certno).one_or_none()
        if person is None:
            raise NotFound("no such person")
        return list(
            self.session.query(HrAct).filter(HrAct.person_id == person.id).order_by(HrAct.id)
        )

    def write_script(self, act_id: int) -> list[WriteStep]:
        """The terminal's script; a step without an APDU is computed by `secured_command`."""
        act = self._act(act_id)
        df, records = self._records(act)
        steps = [
            WriteStep("select SSSE", _select(SSSE_AID)),
            WriteStep(f"select DF{df & 0xFF:02X}", _select(RID + bytes([self._aid_suffix(df)]))),
            WriteStep("external authenticate", None),
        ]
        steps += [WriteStep(f"update record {r.tag:02X}", None) for r in records]
        steps += [
            WriteStep(f"read record {r.tag:02X}", bytes([0x00, 0xB2, r.tag, r.sfi << 3, 0x00]))
            for r in records
        ]
        return steps

    def secured_command(self, act_id: int, step: int, historical: bytes, challenge: bytes) -> bytes:
        """The command of script step ``step`` for the card's fresh 8-byte ``challenge``."""
        if len(historical) != 13:
            raise DomainError("historical must be the 13 ATR historical bytes")
        if len(challenge) != 8:
            raise DomainError("challenge must be the card's 8-byte GET CHALLENGE answer")
        act = self._act(act_id)
        _, records = self._records(act)
        key = self._card_key(historical)
        cipher = self.profile.cipher
        if step == 2:
            # Derived, not drawn: a replay with the same card challenge gives the same bytes.
            process = hashlib.sha256(f"hr-act:{act_id}".encode() + challenge).digest()[:8]
            cryptogram = cardkeys.auth_cryptogram(cipher, key, process, challenge)
            key_id = self.profile.key_ids.holder_write
            return bytes([0x00, 0x82, 0x00, key_id, 0x10]) + process + cryptogram
        index = step - 3
        if not 0 <= index < len(records):
            raise DomainError(f"step {step} of act {act_id} needs no challenge")
        record = records[index]
        header = bytes([SM_CLA, 0xDC, record.tag, record.sfi << 3])
        lc = bytes([len(record.tlv) + 4])
        mac = crypto.mac(cipher, key, header + lc + record.tlv, challenge)[:4]
        return header + lc + record.tlv + mac

    def confirm(self, act_id: int, read_back: list[bytes]) -> HrAct:
        """Check the records the terminal read back (data + SW) against what was written."""
        act = self._act(act_id)
        _, records = self._records(act)
        if len(read_back) != len(records):
            raise DomainError(f"expected {len(records)} read-back answers, got {len(read_back)}")
        for record, answer in zip(records, read_back, strict=True):
            if answer[-2:] != b"\x90\x00":
                raise Conflict(f"reading record {record.tag:02X} failed: {answer[-2:].hex()}")
            if answer[:-2] != record.tlv:
                raise Conflict(f"record {record.tag:02X} on the card differs from the act")
        act.card_verified = True
        self.session.flush()
        return act

    # ---- internals -----------------------------------------------------------------------

    def _act(self, act_id: int) -> HrAct:
        act = self.session.get(HrAct, act_id)
        if act is None:
            raise NotFound(f"no HR act {act_id}")
        return act

    def _records(self, act: HrAct) -> tuple[int, list[PlannedRecord]]:
        try:
            specs = ACT_RECORDS[act.kind](act.details)
        except KeyError as exc:
            raise DomainError(f"{act.kind}: unknown or missing detail {exc}") from None
        planned = []
        for spec in specs:
            layout = self._field(spec.df, spec.ef, spec.tag)
            try:
                value = encode_value(layout[1], spec.value(act.details, self.settings.region))
            except (KeyError, ValueError, TypeError, codecs.CodecError) as exc:
                raise DomainError(f"{act.kind}: {layout[1].name}: {exc}") from None
            planned.append(
                PlannedRecord(layout[0], spec.tag, bytes([spec.tag, len(value)]) + value)
            )
        return specs[0].df, planned

    def _field(self, df: int, ef: int, tag: int) -> tuple[int, RecordField]:
        for df_layout in self.profile.df_layouts:
            if df_layout.fid != df:
                continue
            for ef_layout in df_layout.efs:
                if ef_layout.fid == ef:
                    for field in ef_layout.records:
                        if field.tag == tag:
                            return ef_layout.sfi, field
        raise DomainError(f"the issuer profile has no record {tag:02X} in {df:04X}/{ef:04X}")

    def _aid_suffix(self, df: int) -> int:
        return next(d.aid_suffix for d in self.profile.df_layouts if d.fid == df)

    def _card_key(self, historical: bytes) -> bytes:
        master = self.profile.master_key("holder_write")
        return cardkeys.card_key(self.profile.cipher, master, self.settings.region, historical[-8:])


def _select(aid: bytes) -> bytes:
    return bytes([0x00, 0xA4, 0x04, 0x00, len(aid)]) + aid + b"\x00"
