"""The actions a scenario step can name (`do:`), as a table: name -> what it does, who may do
it, where, and its parameters. Each action calls the production code (the back-ends' HTTP
operations, the reference reader, the card OS) and returns an outcome the expectations read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from emulator.reader.terminal import read_card_bas, reload_pin
from emulator.replay import terminals
from emulator.replay.context import Ctx, StepFailed, acting_for
from emulator.replay.outcome import Outcome, body_field, from_reply
from emulator.world import institutions

#: Parameter kinds checked by the loader: a card / person / place of the cast, or plain types.
PARAM_TYPES = ("card", "person", "str", "int", "amount", "bool", "list", "dict")


@dataclass(frozen=True)
class Param:
    name: str
    kind: str
    required: bool = False
    doc: str = ""


@dataclass(frozen=True)
class Action:
    name: str
    run: Callable[[Ctx], Outcome]
    summary: str
    who: str  # "person" or "place"
    places: tuple[str, ...]  # place kinds where it happens
    params: tuple[Param, ...] = ()


ACTIONS: dict[str, Action] = {}


def action(name: str, summary: str, who: str, places: tuple[str, ...], *params: Param):
    def register(run: Callable[[Ctx], Outcome]) -> Callable[[Ctx], Outcome]:
        ACTIONS[name] = Action(name, run, summary, who, places, tuple(params))
        return run

    return register


CENTRE = ("service-centre",)
CARD = Param("card", "card", doc="the cast card (default: the person's first card)")
AS = Param("as", "str", doc="a name for the result, used by later steps")


def _card_view(ctx: Ctx, card_no: str) -> Outcome:
    reply = ctx.http("GET", f"/bureau/cards/{card_no}")
    body = reply.body if reply.ok else {}
    return from_reply(
        reply,
        card_status=body.get("status"),
        status_name=body.get("status_name"),
        blacklisted=body.get("blacklisted"),
        expiry_date=body.get("expiry_date"),
        expired=body["expiry_date"] < ctx.world.clock.today().isoformat() if reply.ok else None,
        replaced_by_new_card=body.get("replaced_by") is not None if reply.ok else None,
    )


def _card_result(reply: Any, **extra: Any) -> Outcome:
    return from_reply(
        reply, card_status=body_field(reply, "status"), status_name=body_field(reply, "status_name"),
        **extra,
    )  # fmt: skip


# ---- the bureau: people and the card life cycle --------------------------------------------


@action("register", "the person registers with the social security bureau", "person", CENTRE)
def register(ctx: Ctx) -> Outcome:
    assert ctx.person is not None
    h, facts = ctx.person.holder, ctx.person.facts
    body = {
        "certno": h.citizen_id, "name": h.name, "gender": h.sex,
        "birth_date": h.birth_date.isoformat(), "hukou_district": facts["hukou"],
        "ethnic": h.ethnic, "residence_district": facts.get("residence"),
        "employer_district": facts.get("employer_district"),
        "employer_name": facts.get("employer"),
    }  # fmt: skip
    return from_reply(ctx.http("POST", "/bureau/people", body))


@action(
    "join-medical-insurance", "the medical-insurance agency enrols the person", "person",
    ("medical-agency",), Param("region", "str", doc="insurance region (default: cast insured_in)"),
    Param("insutype", "str"), Param("balance", "amount", doc="personal account opening balance"),
)  # fmt: skip
def join_medical(ctx: Ctx) -> Outcome:
    assert ctx.person is not None
    h = ctx.person.holder
    body = {
        "certno": h.citizen_id, "psn_name": h.name, "gend": h.sex,
        "brdy": h.birth_date.isoformat(),
        "insuplc_admdvs": ctx.params.get("region") or ctx.person.facts["insured_in"],
        "insutype": str(ctx.params.get("insutype", "310")),
        "balc": str(ctx.params.get("balance", "0.00")),
    }  # fmt: skip
    reply = ctx.http("POST", "/medical/insured", body)
    if reply.ok:
        ctx.person.facts["psn_no"] = reply.body["psn_no"]
    return from_reply(reply)


@action(
    "apply-for-card", "the person applies for a social security card", "person",
    ("service-centre", "bank-branch"), CARD,
    Param("district", "str", doc="where the application is made (default: hukou district)"),
    Param("channel", "str", doc="hukou, residence or employer"),
)  # fmt: skip
def apply_for_card(ctx: Ctx) -> Outcome:
    assert ctx.person is not None
    slot = ctx.card()
    body = {
        "certno": ctx.certno,
        "district": ctx.params.get("district", ctx.person.facts["hukou"]),
        "channel": ctx.params.get("channel", "hukou"),
    }
    reply = ctx.http("POST", "/bureau/applications", body, as_=institutions.bureau())
    return _application(ctx, slot.key, reply)


def _application(ctx: Ctx, card_key: str, reply: Any) -> Outcome:
    if reply.ok:
        ctx.world.cards[card_key].facts["application"] = reply.body["id"]
        ctx.world.cards[card_key].facts["replaces"] = reply.body.get("replaces_card_no")
    return from_reply(
        reply, business_type=body_field(reply, "business_type"),
        fee_cents=body_field(reply, "fee_cents"), application_state=body_field(reply, "state"),
    )  # fmt: skip


@action(
    "produce-card",
    "the bureau has the card made; the service bank opens its account",
    "place",
    CENTRE,
    CARD,
)
def produce_card(ctx: Ctx) -> Outcome:
    slot = ctx.card()
    application = slot.facts.get("application")
    if application is None:
        raise StepFailed(f"card {slot.key} has no application (apply-for-card or order-* first)")
    reply = ctx.http("POST", f"/bureau/applications/{application}/produce")
    if not reply.ok:
        return from_reply(reply)
    slot.card_no, slot.card_sn = reply.body["card_no"], reply.body["card_sn"]
    slot.issued = dt.date.fromisoformat(reply.body["issue_date"])
    holder = ctx.world.people[slot.holder].holder
    ctx.world.make_chip(slot, holder)
    # The bureau's production opens the card's account at the service bank (backend-flows §3.3).
    account = ctx.http("GET", f"/bank/cards/{slot.card_no}", as_=institutions.bank())
    return from_reply(reply, card_status=reply.body["status"], bank_account_opened=account.ok)


@action("collect-card", "the person collects the card in person", "person", CENTRE, CARD)
def collect_card(ctx: Ctx) -> Outcome:
    body = {"identity_certno": ctx.certno}
    return _card_result(ctx.http("POST", f"/bureau/cards/{ctx.card_no()}/collect", body))


@action("activate-social", "the social-security function is enabled", "person", CENTRE, CARD)
def activate_social(ctx: Ctx) -> Outcome:
    return _card_result(ctx.http("POST", f"/bureau/cards/{ctx.card_no()}/activate"))


@action(
    "card-status", "look up the card's status at the bureau", "person",
    ("service-centre", "kiosk", "hospital", "bank-branch"), CARD,
)  # fmt: skip
def card_status(ctx: Ctx) -> Outcome:
    return _card_view(ctx, ctx.card_no())


@action(
    "report-temporary-loss", "a temporary loss report by phone, web or kiosk", "person",
    ("service-centre", "kiosk"), CARD, Param("channel", "str", doc="phone, web or kiosk"),
)  # fmt: skip
def temporary_loss(ctx: Ctx) -> Outcome:
    body = {"channel": ctx.params.get("channel", "phone")}
    return _card_result(ctx.http("POST", f"/bureau/cards/{ctx.card_no()}/temporary-loss", body))


def _identity_act(path: str) -> Callable[[Ctx], Outcome]:
    def run(ctx: Ctx) -> Outcome:
        body = {"identity_certno": ctx.certno}
        return _card_result(ctx.http("POST", f"/bureau/cards/{ctx.card_no()}/{path}", body))

    return run


for _name, _path, _summary in (
    ("report-formal-loss", "formal-loss", "a formal loss report in person (cannot be undone)"),
    ("lift-loss-report", "unreport", "lift a temporary loss report in person"),
    ("unlock-card", "unlock", "the card's locked status is lifted at a service centre"),
    ("cancel-card", "cancel", "the card is cancelled"),
):
    action(_name, _summary, "person", CENTRE, CARD)(_identity_act(_path))


@action(
    "order-reissue", "order a new card after a loss (new card number, balances carried over)",
    "person", CENTRE, CARD, Param("new_card", "card", True), Param("district", "str"),
)  # fmt: skip
def order_reissue(ctx: Ctx) -> Outcome:
    assert ctx.person is not None
    new = ctx.card("new_card")
    body = {
        "identity_certno": ctx.certno,
        "district": ctx.params.get("district", ctx.person.facts["hukou"]),
    }
    reply = ctx.http("POST", f"/bureau/cards/{ctx.card_no()}/reissue", body)
    return _application(ctx, new.key, reply)


@action(
    "order-replacement", "order a replacement (damaged card, corrected data)", "person",
    CENTRE, CARD, Param("new_card", "card", True), Param("district", "str"),
    Param("warranty", "bool", doc="free replacement under warranty"),
)  # fmt: skip
def order_replacement(ctx: Ctx) -> Outcome:
    assert ctx.person is not None
    new = ctx.card("new_card")
    body = {
        "identity_certno": ctx.certno,
        "district": ctx.params.get("district", ctx.person.facts["hukou"]),
        "warranty": bool(ctx.params.get("warranty", False)),
    }
    reply = ctx.http("POST", f"/bureau/cards/{ctx.card_no()}/replace", body)
    return _application(ctx, new.key, reply)


@action(
    "correct-data", "the bureau corrects the person's registered data", "person", CENTRE,
    Param("changes", "dict", True, "field -> corrected value (name, birth_date, ...)"),
)  # fmt: skip
def correct_data(ctx: Ctx) -> Outcome:
    changes = dict(ctx.params["changes"])
    reply = ctx.http("PATCH", f"/bureau/people/{ctx.certno}", changes)
    if reply.ok and "name" in changes and ctx.person is not None:
        from dataclasses import replace

        ctx.person.holder = replace(ctx.person.holder, name=changes["name"])
    return from_reply(reply, name_on_record=body_field(reply, "name"))


@action("lapse-sweep", "the bureau's sweep lifts lapsed temporary losses", "place", CENTRE)
def lapse_sweep(ctx: Ctx) -> Outcome:
    ctx.live_clock_needed("the lapse is due on the simulated calendar")
    reply = ctx.http("POST", "/bureau/lapse")
    return from_reply(reply, lapsed=len(reply.body) if reply.ok else None)


@action(
    "issue-temporary-card", "a temporary card while the new card is being made", "person",
    CENTRE, AS,
)  # fmt: skip
def issue_temporary(ctx: Ctx) -> Outcome:
    reply = ctx.http("POST", "/bureau/temporary-cards", {"certno": ctx.certno})
    if reply.ok:
        ctx.remember("temporary", reply.body["number"])
        issued = dt.datetime.fromisoformat(reply.body["issued_at"])
        valid_days = (dt.datetime.fromisoformat(reply.body["expires_at"]) - issued).days
        return from_reply(reply, valid_days=valid_days)
    return from_reply(reply)


@action(
    "check-temporary-card", "a temporary card is checked for a use", "person",
    ("hospital", "bank-branch", "service-centre"),
    Param("temporary_card", "str", True), Param("use", "str", True, "identity, medical, financial"),
)  # fmt: skip
def check_temporary(ctx: Ctx) -> Outcome:
    number = ctx.recall("temporary", "temporary_card")
    body = {"use": ctx.params["use"]}
    return from_reply(ctx.http("POST", f"/bureau/temporary-cards/{number}/authorize", body))


# ---- self-service: query password and records ---------------------------------------------


@action(
    "record-insurance", "the bureau books a contribution or benefit record", "person", CENTRE,
    Param("kind", "str", True, "contribution or benefit"), Param("insurance", "str", True),
    Param("period", "str", True, "YYYYMM"), Param("amount", "amount", True),
)  # fmt: skip
def record_insurance(ctx: Ctx) -> Outcome:
    body = {
        "certno": ctx.certno, "kind": ctx.params["kind"], "insurance": ctx.params["insurance"],
        "period": str(ctx.params["period"]),
        "amount_cents": int(Decimal(str(ctx.params["amount"])) * 100),
    }  # fmt: skip
    return from_reply(ctx.http("POST", "/bureau/records", body))


@action(
    "query-records", "self-service query of contribution or benefit records", "person",
    ("kiosk", "service-centre"), CARD, Param("password", "str", doc="default: the initial one"),
    Param("kind", "str", doc="contribution (default) or benefit"),
)  # fmt: skip
def query_records(ctx: Ctx) -> Outcome:
    card_no = ctx.card_no()
    # The initial query password is the last 6 characters of the card number (bureau choice).
    body = {"password": str(ctx.params.get("password", card_no[-6:])),
            "kind": ctx.params.get("kind", "contribution")}  # fmt: skip
    reply = ctx.http("POST", f"/bureau/cards/{card_no}/records/query", body)
    records = reply.body if reply.ok else []
    return from_reply(
        reply, records=len(records), periods=[r["period"] for r in records],
        total=str(sum(Decimal(r["amount_cents"]) for r in records) / 100) if records else "0",
    )  # fmt: skip


@action(
    "change-query-password", "change the self-service query password", "person",
    ("kiosk", "service-centre"), CARD, Param("old", "str"), Param("new", "str", True),
)  # fmt: skip
def change_query_password(ctx: Ctx) -> Outcome:
    card_no = ctx.card_no()
    body = {"old": str(ctx.params.get("old", card_no[-6:])), "new": str(ctx.params["new"])}
    return from_reply(ctx.http("POST", f"/bureau/cards/{card_no}/query-password", body))


# ---- the card in a reader ---------------------------------------------------------------------

READER_PLACES = ("service-centre", "kiosk", "hospital", "bank-branch")


@action("read-card", "the card is read with iReadCardBas", "person", READER_PLACES, CARD)
def read_card(ctx: Ctx) -> Outcome:
    slot = ctx.card()
    result, mode = read_card_bas(terminals.reader(ctx, slot), 1, terminals.hsm(ctx))
    outcome: Outcome = {"ok": result.ok, "code": result.code, "mode": mode}
    if result.ok:
        fields = result.text.split("|")
        expiry = dt.datetime.strptime(fields[8], "%Y%m%d").date()
        ctx.world.memory[f"card_info:{slot.key}"] = result.text
        outcome.update(
            card_no_matches=fields[2] == slot.card_no,
            card_sn_matches=fields[3] == slot.card_sn,
            name_matches=fields[4] == ctx.world.people[slot.holder].holder.name,
            spec_version=fields[6], valid_until=expiry.isoformat(),
            expired=expiry < ctx.world.clock.today(),
        )  # fmt: skip
    else:
        outcome["error"] = result.text
    return outcome


@action(
    "enter-pin", "the holder types a PIN on the reader's pad (iVerifyPIN)", "person",
    READER_PLACES, CARD, Param("pin", "str", True), Param("times", "int", doc="repeat (default 1)"),
)  # fmt: skip
def enter_pin(ctx: Ctx) -> Outcome:
    slot = ctx.card()
    pin, times = str(ctx.params["pin"]), int(ctx.params.get("times", 1))
    codes = [terminals.reader(ctx, slot, [pin]).iVerifyPIN(1).code for _ in range(times)]
    return {"ok": codes[-1] == 0, "code": codes[-1], "codes": codes}


@action(
    "reload-pin", "a new PIN is loaded through the HSM (iReloadPIN_HSM, three steps)", "person",
    CENTRE, CARD, Param("new_pin", "str", True),
)  # fmt: skip
def reload_card_pin(ctx: Ctx) -> Outcome:
    slot = ctx.card()
    new = str(ctx.params["new_pin"])
    card_info = f"{slot.card_sn}|{slot.card_no}|"
    result = reload_pin(terminals.reader(ctx, slot, [new, new]), 1, card_info, terminals.hsm(ctx))
    return {"ok": result.ok, "code": result.code, **({} if result.ok else {"error": result.text})}


@action(
    "hr-act", "the bureau records an HR act and writes it onto the card, then reads it back",
    "person", CENTRE, CARD, Param("act", "str", True, "employment_registration, ..."),
    Param("details", "dict", True),
)  # fmt: skip
def hr_act(ctx: Ctx) -> Outcome:
    slot = ctx.card()
    card_no = ctx.card_no()
    body = {"kind": ctx.params["act"], "details": ctx.params["details"]}
    act = ctx.http("POST", f"/bureau/cards/{card_no}/hr-acts", body)
    if not act.ok:
        return from_reply(act)
    act_id = act.body["id"]
    script = ctx.http("GET", f"/bureau/hr-acts/{act_id}/card-write")
    if not script.ok:
        return from_reply(script)
    transport = ctx.world.card_transport(slot)
    historical = transport.connect()[-13:]
    reads: list[str] = []
    words: list[str] = []
    for index, step in enumerate(script.body):
        apdu = step["apdu"]
        if apdu is None:
            challenge = transport.transmit(bytes.fromhex("0084000008"))[:8]
            request = {"step": index, "historical": historical.hex(), "challenge": challenge.hex()}
            secured = ctx.http("POST", f"/bureau/hr-acts/{act_id}/secured-command", request)
            if not secured.ok:
                return from_reply(secured)
            apdu = secured.body["apdu"]
        answer = transport.transmit(bytes.fromhex(apdu))
        words.append(answer[-2:].hex().upper())
        if step["purpose"].startswith("read"):
            reads.append(answer.hex())
    transport.disconnect()
    confirmed = ctx.http("POST", f"/bureau/hr-acts/{act_id}/confirm", {"answers": reads})
    return from_reply(
        confirmed, card_verified=body_field(confirmed, "card_verified"),
        status_words=sorted(set(words)), records_read=len(reads),
    )  # fmt: skip


# ---- the service bank ------------------------------------------------------------------------

BANK = ("bank-branch",)


def _account(reply: Any, **extra: Any) -> Outcome:
    return from_reply(
        reply, account_status=body_field(reply, "status"), loss=body_field(reply, "loss"),
        balance=body_field(reply, "balance"), **extra,
    )  # fmt: skip


@action(
    "activate-financial", "financial activation at the service bank, setting the bank PIN",
    "person", BANK, CARD, Param("pin", "str", True),
)  # fmt: skip
def activate_financial(ctx: Ctx) -> Outcome:
    body = {"identity_certno": ctx.certno, "pin": str(ctx.params["pin"])}
    return _account(ctx.http("POST", f"/bank/cards/{ctx.card_no()}/activate", body))


@action("bank-balance", "the bank account of the card", "person", BANK, CARD)
def bank_balance(ctx: Ctx) -> Outcome:
    return _account(ctx.http("GET", f"/bank/cards/{ctx.card_no()}"))


def _reference(ctx: Ctx, kind: str) -> str:
    return f"{kind}-{ctx.world.clock():%Y%m%d%H%M%S}-{ctx.place.key}"[:40]


@action(
    "deposit", "cash paid into the card account", "person", BANK, CARD,
    Param("amount", "amount", True),
)  # fmt: skip
def deposit(ctx: Ctx) -> Outcome:
    body = {"amount": str(ctx.params["amount"]), "reference": _reference(ctx, "dep")}
    return from_reply(ctx.http("POST", f"/bank/cards/{ctx.card_no()}/deposit", body))


@action(
    "withdraw", "cash withdrawn with the card and its PIN", "person", BANK, CARD,
    Param("amount", "amount", True), Param("pin", "str", True),
)  # fmt: skip
def withdraw(ctx: Ctx) -> Outcome:
    body = {"amount": str(ctx.params["amount"]), "pin": str(ctx.params["pin"]),
            "reference": _reference(ctx, "wdr")}  # fmt: skip
    return from_reply(ctx.http("POST", f"/bank/cards/{ctx.card_no()}/withdraw", body))


@action(
    "transfer", "a transfer from the card account to another card", "person", BANK, CARD,
    Param("to", "card", True), Param("amount", "amount", True), Param("pin", "str", True),
)  # fmt: skip
def transfer(ctx: Ctx) -> Outcome:
    body = {"to_card_no": ctx.card_no("to"), "amount": str(ctx.params["amount"]),
            "pin": str(ctx.params["pin"]), "reference": _reference(ctx, "trf")}  # fmt: skip
    return from_reply(ctx.http("POST", f"/bank/cards/{ctx.card_no()}/transfer", body))


@action(
    "bank-loss-report", "a loss reported at the bank (shared with the bureau)", "person", BANK,
    CARD, Param("kind", "str", doc="temporary (default) or formal"),
)  # fmt: skip
def bank_loss(ctx: Ctx) -> Outcome:
    body = {"identity_certno": ctx.certno, "kind": ctx.params.get("kind", "temporary")}
    return _account(ctx.http("POST", f"/bank/cards/{ctx.card_no()}/loss", body))


@action(
    "pay-batch", "the bureau's pension payout or contribution withholding batch", "place",
    CENTRE, Param("kind", "str", True, "pension or contribution"), Param("batch", "str", True),
    Param("lines", "list", True, "[{card: ..., amount: ...}]"),
)  # fmt: skip
def pay_batch(ctx: Ctx) -> Outcome:
    lines = []
    for line in ctx.params["lines"]:
        slot = ctx.world.cards.get(line.get("card")) if isinstance(line, dict) else None
        if slot is None or slot.card_no is None or "amount" not in line:
            raise StepFailed(f"batch line {line!r} needs a produced cast card and an amount")
        lines.append({"card_no": slot.card_no, "amount": str(line["amount"])})
    body = {"batch_id": str(ctx.params["batch"]), "kind": ctx.params["kind"], "lines": lines}
    reply = ctx.http("POST", "/bank/batches", body, as_=institutions.bureau())
    results = reply.body if reply.ok else []
    return from_reply(
        reply, statuses=[r["status"] for r in results],
        reasons=[r["reason"] for r in results if r.get("reason")],
    )  # fmt: skip


# ---- hospitals and the medical-insurance platforms ------------------------------------------


@action(
    "register-visit", "registration at the hospital (1101 + 2201)", "person", ("hospital",),
    CARD, AS, Param("credential", "str", doc="card (default: read the card) or id-number"),
    Param("dept", "str"), Param("doctor", "str"),
    Param("emergency", "bool", doc="an emergency visit (med_type 13, counts as filed)"),
)  # fmt: skip
def register_visit(ctx: Ctx) -> Outcome:
    body: dict[str, Any] = {
        "dept_name": ctx.params.get("dept", "内科"), "dr_name": ctx.params.get("doctor", "王医生"),
    }  # fmt: skip
    if ctx.params.get("emergency"):
        body["med_type"] = "13"  # emergency counts as filed (backend-flows §2.3)
    if ctx.params.get("credential", "card") == "id-number":
        body.update(mdtrt_cert_type="02", mdtrt_cert_no=ctx.certno)
    else:
        read = read_card(ctx)
        if not read["ok"]:
            return {**read, "registered": False}
        body["card_info"] = ctx.world.memory[f"card_info:{ctx.card().key}"]
    reply = ctx.http("POST", "/hospital/visits", body)
    if reply.ok:
        ctx.remember("visit", reply.body["ipt_otp_no"])
    return from_reply(
        reply, insured_in=body_field(reply, "insuplc_admdvs"),
        credential_type=body_field(reply, "mdtrt_cert_type"),
    )  # fmt: skip


@action(
    "charge", "fees uploaded for a visit (2204)", "place", ("hospital",),
    Param("visit", "str", True), Param("items", "list", True, "[{code, name, quantity, price}]"),
)  # fmt: skip
def charge(ctx: Ctx) -> Outcome:
    visit = ctx.recall("visit", "visit")
    items = [
        {"med_list_codg": str(i["code"]), "name": str(i["name"]),
         "quantity": str(i.get("quantity", 1)), "price": str(i["price"])}
        for i in ctx.params["items"]
    ]  # fmt: skip
    reply = ctx.http("POST", f"/hospital/visits/{visit}/charges", {"items": items})
    total = sum(Decimal(c["amount"]) for c in reply.body) if reply.ok else None
    return from_reply(reply, total=None if total is None else str(total))


#: setlinfo fields an expectation may name (backend-flows §2: 2207 output).
SETTLEMENT_FIELDS = (
    "medfee_sumamt", "fund_pay_sumamt", "hifp_pay", "acct_pay", "psn_cash_pay", "balc",
    "insuplc_admdvs", "clr_type",
)  # fmt: skip


@action(
    "settle", "pre-settlement and settlement (2206, 2207)", "place", ("hospital",),
    Param("visit", "str", True), Param("use_account", "bool"), AS,
)  # fmt: skip
def settle(ctx: Ctx) -> Outcome:
    visit = ctx.recall("visit", "visit")
    body = {"use_account": bool(ctx.params.get("use_account", True))}
    reply = ctx.http("POST", f"/hospital/visits/{visit}/settle", body)
    info = (body_field(reply, "setlinfo") or {}) if reply.ok else {}
    if reply.ok:
        ctx.remember("settlement", reply.body["setl_id"])
    return from_reply(
        reply, settlement_status=body_field(reply, "status"),
        **{name: info.get(name) for name in SETTLEMENT_FIELDS if name in info},
    )  # fmt: skip


@action(
    "reverse-lost-settlement", "2601 for the settlement whose answer never came", "place",
    ("hospital",), Param("visit", "str", True),
)  # fmt: skip
def reverse_lost(ctx: Ctx) -> Outcome:
    visit = ctx.recall("visit", "visit")
    listed = ctx.http("GET", f"/hospital/visits/{visit}/settlements")
    if not listed.ok:
        return from_reply(listed)
    pending = [row["msgid"] for row in listed.body if row.get("status") == "pending"]
    if not pending:
        raise StepFailed(f"visit {visit} has no pending settlement")
    reply = ctx.http("POST", f"/hospital/settlements/{pending[-1]}/reverse")
    return from_reply(reply, settlement_status=body_field(reply, "status"))


@action(
    "file-cross-region", "cross-region filing (备案) with the insurance agency", "person",
    ("medical-agency",), Param("destination", "str", True, "region of treatment"),
    Param("kind", "str", doc="temporary (default), residence or referral"),
)  # fmt: skip
def file_cross_region(ctx: Ctx) -> Outcome:
    assert ctx.person is not None
    psn_no = ctx.person.facts.get("psn_no")
    if psn_no is None:
        raise StepFailed("the person has no medical-insurance number (join-medical-insurance)")
    body = {"psn_no": psn_no, "dest_admdvs": str(ctx.params["destination"]),
            "kind": ctx.params.get("kind", "temporary")}  # fmt: skip
    reply = ctx.http("POST", "/medical/filings", body)
    return from_reply(reply, filing_status=body_field(reply, "status"))


@action(
    "report-lock", "the terminal reports a card whose PIN is locked to the bureau", "place",
    READER_PLACES, CARD,
)  # fmt: skip
def report_lock(ctx: Ctx) -> Outcome:
    body = {"channel": "terminal"}
    return _card_result(ctx.http("POST", f"/bureau/cards/{ctx.card_no()}/lock", body))


@action(
    "issue-card", "in one step: register, join medical insurance, apply, produce, collect and "
    "activate the social function (for scenarios about what happens later)", "person", CENTRE,
    CARD, Param("balance", "amount", doc="medical personal account opening balance"),
)  # fmt: skip
def issue_card(ctx: Ctx) -> Outcome:
    assert ctx.person is not None
    slot = ctx.card()
    sub = Ctx(ctx.world, ctx.person, ctx.place, {"card": slot.key})
    agency = _acting_for_agency(ctx)
    for name, run_in in (
        ("register", sub), ("join-medical-insurance", agency), ("apply-for-card", sub),
        ("produce-card", sub), ("collect-card", sub), ("activate-social", sub),
    ):  # fmt: skip
        outcome = ACTIONS[name].run(run_in)
        if not outcome.get("ok"):
            return {**outcome, "failed_at": name}
    return {"ok": True, "card_status": outcome.get("card_status")}


def _acting_for_agency(ctx: Ctx) -> Ctx:
    params = {k: v for k, v in ctx.params.items() if k == "balance"}
    return Ctx(ctx.world, ctx.person, acting_for(ctx.place, institutions.agency()), params)
