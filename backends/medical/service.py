"""The medical-insurance platform service: one envelope in, one envelope out.

`handle(database, principal, body)` is what the HTTP router and in-process callers (the SimPy
world, the hospital) use; both get the same answers.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import secrets
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from backends.core.auth import Principal
from backends.core.clock import Clock, utc_now
from backends.core.db import Database
from backends.core.errors import DomainError
from backends.medical.models import InsuredPerson, Message, SignIn
from backends.medical.policy import PolicyBook, load_policies
from backends.medical.registry import InsuredRegistry, derive_psn_no
from backends.medical.schemas import RequestEnvelope
from backends.medical.transactions import (
    TRANSACTIONS,
    Call,
    EnvelopeError,
    validation_message,
)

__all__ = ["InsuredRegistry", "MedicalPlatform", "derive_psn_no", "error_envelope", "handle"]

CALLER_KINDS = ("hospital", "pharmacy")


def _stamp(now: dt.datetime) -> str:
    return now.strftime("%Y%m%d%H%M%S") + f"{now.microsecond // 1000:03d}"


def _ref_msgid(region: str, now: dt.datetime) -> str:
    return f"{region}{now.strftime('%Y%m%d%H%M%S')}{secrets.randbelow(10**10):010d}"


def as_sent(value: Any) -> Any:
    """`value` as the HTTP endpoint sees it after JSON: floats become the Decimal of their JSON
    text, so in-process callers get the same answers as HTTP ones."""
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else value
    if isinstance(value, dict):
        return {k: as_sent(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_sent(v) for v in value]
    return value


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _psn_nos(payload: dict[str, Any]) -> set[str]:
    """Every psn_no in the input nodes (objects or lists of objects)."""
    found: set[str] = set()
    for value in payload.values():
        rows = value if isinstance(value, list) else [value]
        for row in rows:
            if isinstance(row, dict) and isinstance(row.get("psn_no"), str) and row["psn_no"]:
                found.add(row["psn_no"])
    return found


class MedicalPlatform:
    """Handles envelopes inside the caller's transaction; raises EnvelopeError to refuse."""

    def __init__(
        self, session: Session, policies: PolicyBook | None = None, clock: Clock | None = None
    ) -> None:
        self.session = session
        self.policies = policies or load_policies()
        self.clock = clock or utc_now

    def call(self, body: object, principal: Principal) -> dict[str, Any]:
        received = self.clock()
        envelope = self._envelope(as_sent(body))
        self._authorise(envelope, principal)
        transaction = TRANSACTIONS.get(envelope.infno)
        if transaction is None:
            raise EnvelopeError(f"unknown infno {envelope.infno}")
        earlier = self.session.get(Message, envelope.msgid)
        if earlier is not None:
            return self._repeat(earlier, envelope)
        if envelope.infno != "9001":
            self._check_sign_no(envelope)
        self._check_insuplc(envelope)
        # Claim the msgid first: a concurrent duplicate waits on this row, then (after a
        # unique-key conflict and a re-run of its transaction) finds the stored answer.
        message = Message(
            msgid=envelope.msgid,
            infno=envelope.infno,
            fixmedins_code=envelope.fixmedins_code,
            status="done",
            response=None,
            at=received,
        )
        self.session.add(message)
        self.session.flush()
        call = Call(self.session, envelope, self.policies, received)
        output = transaction.handler(call)
        response = {
            "infcode": 0,
            "inf_refmsgid": _ref_msgid(envelope.mdtrtarea_admvs, received),
            "refmsg_time": _stamp(received),
            "respond_time": _stamp(self.clock()),
            "err_msg": None,
            "output": output,
        }
        message.response = json.dumps(response, ensure_ascii=False)
        self.session.flush()
        return response

    def _envelope(self, body: object) -> RequestEnvelope:
        if not isinstance(body, dict):
            raise EnvelopeError("the request body must be a JSON object (the infno envelope)")
        if _has_nul(body):
            raise EnvelopeError("text fields must not contain NUL characters")
        try:
            return RequestEnvelope.model_validate(body)
        except ValidationError as exc:
            raise EnvelopeError(validation_message(exc, "")) from None

    def _authorise(self, envelope: RequestEnvelope, principal: Principal) -> None:
        if principal.kind not in CALLER_KINDS:
            raise EnvelopeError(f"institution kind {principal.kind} may not call the platform")
        if envelope.fixmedins_code != principal.code:
            raise EnvelopeError(
                f"fixmedins_code {envelope.fixmedins_code} does not match the credential"
            )
        if envelope.mdtrtarea_admvs != principal.admdvs:
            raise EnvelopeError(
                f"mdtrtarea_admvs {envelope.mdtrtarea_admvs} is not the institution's region"
            )
        if self.policies.region(envelope.mdtrtarea_admvs) is None:
            raise EnvelopeError(f"region {envelope.mdtrtarea_admvs} has no platform")
        if not envelope.msgid.startswith(envelope.fixmedins_code):
            raise EnvelopeError("msgid must start with fixmedins_code (§1.1)")

    def _repeat(self, earlier: Message, envelope: RequestEnvelope) -> dict[str, Any]:
        """A message seen before: the same answer, applied once."""
        if earlier.fixmedins_code != envelope.fixmedins_code:
            raise EnvelopeError(f"msgid {envelope.msgid} belongs to another institution")
        if earlier.status != "done" or earlier.response is None:
            raise EnvelopeError(f"message {envelope.msgid} was reversed (2601); use a new msgid")
        if earlier.infno != envelope.infno:
            raise EnvelopeError(f"msgid {envelope.msgid} was already used for {earlier.infno}")
        return json.loads(earlier.response)

    def _check_sign_no(self, envelope: RequestEnvelope) -> None:
        sign = self.session.get(SignIn, envelope.sign_no) if envelope.sign_no else None
        if sign is None or sign.fixmedins_code != envelope.fixmedins_code:
            raise EnvelopeError("sign_no is missing or unknown: sign in with 9001 first")

    def _check_insuplc(self, envelope: RequestEnvelope) -> None:
        """insuplc_admdvs is mandatory with psn_no and must be the person's (§1.1)."""
        for psn_no in _psn_nos(envelope.input):
            if not envelope.insuplc_admdvs:
                raise EnvelopeError("insuplc_admdvs is mandatory when the input carries psn_no")
            person = self.session.get(InsuredPerson, psn_no)
            if person is None:
                raise EnvelopeError(f"person {psn_no} not found")
            if person.insuplc_admdvs != envelope.insuplc_admdvs:
                raise EnvelopeError(
                    f"insuplc_admdvs {envelope.insuplc_admdvs} is not the place of insurance "
                    f"of person {psn_no}"
                )


def error_envelope(body: object, message: str, clock: Clock | None = None) -> dict[str, Any]:
    """The failure form of the response envelope (infcode -1)."""
    now = (clock or utc_now)()
    region = body.get("mdtrtarea_admvs") if isinstance(body, dict) else None
    if not (isinstance(region, str) and len(region) == 6 and region.isdigit()):
        region = "000000"
    return {
        "infcode": -1,
        "inf_refmsgid": _ref_msgid(region, now),
        "refmsg_time": _stamp(now),
        "respond_time": _stamp(now),
        "err_msg": message,
        "output": None,
    }


def handle(
    database: Database,
    principal: Principal,
    body: object,
    policies: PolicyBook | None = None,
    clock: Clock | None = None,
) -> dict[str, Any]:
    """One platform call in its own transaction: all of it is applied, or none of it."""
    try:
        return database.run(
            lambda session: MedicalPlatform(session, policies, clock).call(body, principal)
        )
    except EnvelopeError as exc:
        return error_envelope(body, str(exc), clock)
    except DomainError as exc:
        return error_envelope(body, exc.message, clock)
