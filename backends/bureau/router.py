"""Bureau HTTP API: a thin layer over BureauService, one transaction per request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Path
from sqlalchemy.orm import Session

from backends.bank.linked import linked_services
from backends.bureau import schemas as sc
from backends.bureau.hr import HrService
from backends.bureau.service import BureauService
from backends.core.auth import DatabaseDep, Principal, require_kind
from backends.core.clock import ClockDep
from backends.core.errors import DomainError

T = TypeVar("T")

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "content": {"application/json": {"schema": {
        "type": "object", "properties": {"detail": {}}, "required": ["detail"]}}}}
    for code, text in ((400, "bad input"), (401, "missing or wrong institution credential"),
                       (403, "not allowed for this caller or card"), (404, "not found"),
                       (409, "conflicts with the current state"))
}  # fmt: skip

router = APIRouter(prefix="/bureau", tags=["bureau"], responses=ERROR_RESPONSES)

# Row ids in paths are bounded so that an absurd number is a 422, not a database overflow.
RowId = Annotated[int, Path(ge=1, le=2_147_483_647)]
BureauCaller = Annotated[Principal, Depends(require_kind("bureau"))]
# Readers, hospitals and banks consult the blacklist and card status.
CardConsumer = Annotated[
    Principal, Depends(require_kind("bureau", "bank", "hospital", "pharmacy", "hsm"))
]


def _run(db: DatabaseDep, clock: ClockDep, work: Callable[[BureauService], T]) -> T:
    def unit(session: Session) -> T:
        # Linked to the service bank so that losses reach both sides (backend-flows §3.4).
        return work(linked_services(session, clock)[0])

    return db.run(unit)


def _card(view: object) -> sc.CardPublic:
    return sc.CardPublic.model_validate(view, from_attributes=True)


@router.post("/people", response_model=sc.PersonPublic, status_code=201)
def register_person(body: sc.PersonCreate, db: DatabaseDep, clock: ClockDep, _: BureauCaller):
    fields = body.model_dump()
    return _run(
        db,
        clock,
        lambda b: sc.PersonPublic.model_validate(
            b.register_person(
                fields.pop("certno"),
                fields.pop("name"),
                fields.pop("gender"),
                fields.pop("birth_date"),
                fields.pop("hukou_district"),
                **fields,
            )
        ),
    )


@router.patch("/people/{certno}", response_model=sc.PersonPublic)
def correct_person(
    certno: str, body: sc.PersonCorrection, db: DatabaseDep, clock: ClockDep, _: BureauCaller
):
    changes = body.model_dump(exclude_unset=True)
    return _run(
        db, clock, lambda b: sc.PersonPublic.model_validate(b.correct_person(certno, changes))
    )


@router.get("/people/{certno}/cards", response_model=list[sc.CardPublic])
def cards_of(certno: str, db: DatabaseDep, clock: ClockDep, _: BureauCaller):
    return _run(db, clock, lambda b: [_card(v) for v in b.cards_of(certno)])


@router.post("/applications", response_model=sc.ApplicationPublic, status_code=201)
def apply(body: sc.ApplicationCreate, db: DatabaseDep, clock: ClockDep, _: BureauCaller):
    return _run(
        db,
        clock,
        lambda b: sc.ApplicationPublic.model_validate(
            b.apply(body.certno, body.district, body.channel)
        ),
    )


@router.post("/applications/{application_id}/withdraw", response_model=sc.ApplicationPublic)
def withdraw(application_id: RowId, db: DatabaseDep, clock: ClockDep, _: BureauCaller):
    return _run(
        db, clock, lambda b: sc.ApplicationPublic.model_validate(b.withdraw(application_id))
    )


@router.post("/applications/{application_id}/produce", response_model=sc.CardPublic)
def produce(application_id: RowId, db: DatabaseDep, clock: ClockDep, _: BureauCaller):
    return _run(db, clock, lambda b: _card(b.card(b.produce(application_id).card_no)))


@router.get("/cards/{card_no}", response_model=sc.CardPublic)
def card(card_no: str, db: DatabaseDep, clock: ClockDep, _: CardConsumer):
    return _run(db, clock, lambda b: _card(b.card(card_no)))


@router.get("/cards/{card_no}/check", response_model=sc.CardPublic)
def check(card_no: str, db: DatabaseDep, clock: ClockDep, _: CardConsumer):
    """The card if it may be accepted; 403 naming why not (blacklist, expiry)."""
    return _run(db, clock, lambda b: _card(b.check_card(card_no)))


@router.get("/cards/{card_no}/events", response_model=list[sc.CardEventPublic])
def events(card_no: str, db: DatabaseDep, clock: ClockDep, _: BureauCaller):
    return _run(
        db, clock, lambda b: [sc.CardEventPublic.model_validate(e) for e in b.events(card_no)]
    )


def _card_act(name: str):  # type: ignore[no-untyped-def]
    """An in-person act on a card that needs only the identity check."""

    def endpoint(
        card_no: str, body: sc.IdentityCheck, db: DatabaseDep, clock: ClockDep, _: BureauCaller
    ) -> sc.CardPublic:
        return _run(
            db,
            clock,
            lambda b: _card(b.card(getattr(b, name)(card_no, body.identity_certno).card_no)),
        )

    return endpoint


IDENTITY_ACTS = {
    "collect": "Collect a produced card (voids the replaced card and temporary cards)",
    "formal-loss": "Formal loss report, in person; cannot be revoked",
    "unreport": "Lift a temporary loss (refused after a reissue order or a formal loss)",
    "unlock": "PIN unlock at a service centre (status 3 -> 1)",
    "cancel": "Cancel the card (status 9)",
}
for _path, _summary in IDENTITY_ACTS.items():
    router.add_api_route(
        f"/cards/{{card_no}}/{_path}",
        _card_act({"formal-loss": "report_formal_loss"}.get(_path, _path.replace("-", "_"))),
        methods=["POST"],
        response_model=sc.CardPublic,
        summary=_summary,
        name=f"card_{_path}",
    )


@router.post("/cards/{card_no}/activate", response_model=sc.CardPublic)
def activate_social(card_no: str, db: DatabaseDep, clock: ClockDep, _: BureauCaller):
    return _run(db, clock, lambda b: _card(b.card(b.activate_social(card_no).card_no)))


@router.post("/cards/{card_no}/temporary-loss", response_model=sc.CardPublic)
def temporary_loss(
    card_no: str, body: sc.TemporaryLossReport, db: DatabaseDep, clock: ClockDep, _: BureauCaller
):
    return _run(
        db, clock, lambda b: _card(b.card(b.report_temporary_loss(card_no, body.channel).card_no))
    )


@router.post("/cards/{card_no}/lock", response_model=sc.CardPublic)
def lock(card_no: str, body: sc.LockReport, db: DatabaseDep, clock: ClockDep, _: CardConsumer):
    return _run(db, clock, lambda b: _card(b.card(b.lock(card_no, body.channel).card_no)))


@router.post("/cards/{card_no}/reissue", response_model=sc.ApplicationPublic, status_code=201)
def order_reissue(
    card_no: str, body: sc.ReissueOrder, db: DatabaseDep, clock: ClockDep, _: BureauCaller
):
    return _run(
        db,
        clock,
        lambda b: sc.ApplicationPublic.model_validate(
            b.order_reissue(card_no, body.identity_certno, body.district)
        ),
    )


@router.post("/cards/{card_no}/replace", response_model=sc.ApplicationPublic, status_code=201)
def order_replacement(
    card_no: str, body: sc.ReplacementOrder, db: DatabaseDep, clock: ClockDep, _: BureauCaller
):
    return _run(
        db,
        clock,
        lambda b: sc.ApplicationPublic.model_validate(
            b.order_replacement(card_no, body.identity_certno, body.district, body.warranty)
        ),
    )


@router.post("/lapse", response_model=list[str], summary="Lift every lapsed temporary loss")
def lapse(db: DatabaseDep, clock: ClockDep, _: BureauCaller):
    return _run(db, clock, lambda b: b.lapse_expired())


@router.get("/blacklist", response_model=list[sc.BlacklistEntry])
def blacklist(db: DatabaseDep, clock: ClockDep, _: CardConsumer):
    return _run(
        db, clock, lambda b: [sc.BlacklistEntry(card_no=n, status=s) for n, s in b.blacklist()]
    )


@router.post("/temporary-cards", response_model=sc.TemporaryCardPublic, status_code=201)
def issue_temporary(
    body: sc.TemporaryCardCreate, db: DatabaseDep, clock: ClockDep, _: BureauCaller
):
    return _run(
        db,
        clock,
        lambda b: sc.TemporaryCardPublic.model_validate(b.issue_temporary_card(body.certno)),
    )


@router.post("/temporary-cards/{number}/extend", response_model=sc.TemporaryCardPublic)
def extend_temporary(
    number: str, body: sc.TemporaryCardExtend, db: DatabaseDep, clock: ClockDep, _: BureauCaller
):
    return _run(
        db,
        clock,
        lambda b: sc.TemporaryCardPublic.model_validate(b.extend_temporary_card(number, body.days)),
    )


@router.post("/temporary-cards/{number}/authorize", response_model=sc.TemporaryCardPublic)
def authorize_temporary(
    number: str, body: sc.TemporaryCardUse, db: DatabaseDep, clock: ClockDep, _: CardConsumer
):
    return _run(
        db,
        clock,
        lambda b: sc.TemporaryCardPublic.model_validate(
            b.authorize_temporary_card(number, body.use)
        ),
    )


@router.post("/cards/{card_no}/query-password", status_code=204)
def change_query_password(
    card_no: str, body: sc.QueryPasswordChange, db: DatabaseDep, clock: ClockDep, _: BureauCaller
):
    _run(db, clock, lambda b: b.change_query_password(card_no, body.old, body.new))


@router.post("/cards/{card_no}/query-password/reset", status_code=204)
def reset_query_password(
    card_no: str, body: sc.IdentityCheck, db: DatabaseDep, clock: ClockDep, _: BureauCaller
):
    _run(db, clock, lambda b: b.reset_query_password(card_no, body.identity_certno))


@router.post("/records", response_model=sc.RecordPublic, status_code=201)
def add_record(body: sc.RecordCreate, db: DatabaseDep, clock: ClockDep, _: BureauCaller):
    return _run(
        db,
        clock,
        lambda b: sc.RecordPublic.model_validate(
            b.add_record(body.certno, body.kind, body.insurance, body.period, body.amount_cents)
        ),
    )


@router.post("/cards/{card_no}/records/query", response_model=list[sc.RecordPublic])
def query_records(
    card_no: str, body: sc.RecordQuery, db: DatabaseDep, clock: ClockDep, _: BureauCaller
):
    return _run(
        db,
        clock,
        lambda b: [
            sc.RecordPublic.model_validate(r)
            for r in b.query_records(card_no, body.password, body.kind)
        ],
    )


def _hr(db: DatabaseDep, clock: ClockDep, work: Callable[[HrService], T]) -> T:
    return db.run(lambda session: work(HrService(session, clock)))


@router.post("/cards/{card_no}/hr-acts", response_model=sc.HrActPublic, status_code=201)
def record_hr_act(
    card_no: str, body: sc.HrActCreate, db: DatabaseDep, clock: ClockDep, _: BureauCaller
):
    """Record an HR service act with the card as credential (employment, insurance ...)."""
    return _hr(
        db,
        clock,
        lambda h: sc.HrActPublic.model_validate(h.record_act(card_no, body.kind, body.details)),
    )


@router.get("/hr-acts/{act_id}/card-write", response_model=list[sc.WriteStepPublic])
def card_write_script(act_id: RowId, db: DatabaseDep, clock: ClockDep, _: BureauCaller):
    """The terminal's script to write the act's records onto the card and read them back."""
    return _hr(
        db,
        clock,
        lambda h: [
            sc.WriteStepPublic(
                purpose=s.purpose, apdu=None if s.apdu is None else s.apdu.hex().upper()
            )
            for s in h.write_script(act_id)
        ],
    )


@router.post("/hr-acts/{act_id}/secured-command", response_model=sc.SecuredCommand)
def secured_command(
    act_id: RowId,
    body: sc.SecuredCommandRequest,
    db: DatabaseDep,
    clock: ClockDep,
    _: BureauCaller,
):
    """EXTERNAL AUTHENTICATE or MAC'd UPDATE RECORD for the card's fresh challenge."""
    return _hr(
        db,
        clock,
        lambda h: sc.SecuredCommand(
            apdu=h.secured_command(
                act_id, body.step, bytes.fromhex(body.historical), bytes.fromhex(body.challenge)
            )
            .hex()
            .upper()
        ),
    )


@router.post("/hr-acts/{act_id}/confirm", response_model=sc.HrActPublic)
def confirm_card_write(
    act_id: RowId, body: sc.ReadBack, db: DatabaseDep, clock: ClockDep, _: BureauCaller
):
    """Check the records read back from the card; marks the act verified on the card."""
    try:
        answers = [bytes.fromhex(a) for a in body.answers]
    except ValueError:
        raise DomainError("answers must be hex strings") from None
    return _hr(db, clock, lambda h: sc.HrActPublic.model_validate(h.confirm(act_id, answers)))
