"""HR acts written onto a real personalised card (card_os Card over InProcessTransport)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from service_world import CREDENTIALS, ManualClock

from backends.bureau.hr import GET_CHALLENGE, HrService
from backends.bureau.service import BureauService
from backends.bureau.settings import BureauSettings
from backends.core.db import Database
from backends.core.errors import Conflict, DomainError
from card_os.card import Card
from card_os.codecs import decode_date
from card_os.ssse.personalise import Personalisation, build_card_image
from card_os.ssse.profile import IssuerProfile
from emulator.population import make_cardholder
from emulator.transport import InProcessTransport

ACTS = [
    ("employment_registration", {"date": "2026-02-27"}),
    ("unemployment_registration", {"date": "2026-02-27", "certificate_no": "5001012026000123"}),
    ("insurance_registration", {"insurance": "pension", "date": "2026-01-01"}),
    ("insurance_registration", {"insurance": "work_injury", "date": "2026-01-01"}),
    ("work_injury_recognition", {"date": "2026-02-01", "grade": "7"}),
    ("vocational_training", {"date": "2026-02-01", "programme": "12"}),
    ("skill_appraisal", {"date": "2026-02-01", "occupation": "402010"}),
]


class Holder:
    """A bureau cardholder and the physical card personalised for the same card number."""

    def __init__(self, database: Database, clock: ManualClock, region: str = "500100") -> None:
        person = make_cardholder(11)
        with database.transaction() as s:
            bureau = BureauService(s, clock)
            bureau.register_person(
                person.citizen_id, person.name, person.sex, person.birth_date, "500101"
            )
            card = bureau.produce(bureau.apply(person.citizen_id, "500101").id)
            bureau.collect(card.card_no, person.citizen_id)
            bureau.activate_social(card.card_no)
        self.card_no = card.card_no
        image = build_card_image(
            replace(person, card_number=card.card_no),
            IssuerProfile(),
            Personalisation(region=region, seed=11, issued=dt.date(2026, 3, 1)),
        )
        self.transport = InProcessTransport(Card(image, rng=random.Random(3)))
        self.historical = self.transport.connect()[-13:]


Steps = list[tuple[str, bytes | None]]


def run_script(
    holder: Holder, steps: Steps, secured: Callable[[int, bytes], bytes]
) -> tuple[list[bytes], list[bytes]]:
    """The terminal: send each step (fetching a challenge where needed); (all, read) answers."""
    answers, reads = [], []
    for index, (purpose, apdu) in enumerate(steps):
        if apdu is None:
            challenge = holder.transport.transmit(GET_CHALLENGE)[:8]
            apdu = secured(index, challenge)
        answer = holder.transport.transmit(apdu)
        answers.append(answer)
        if purpose.startswith("read"):
            reads.append(answer)
    return answers, reads


def test_employment_registration_is_written_and_read_back(database: Database, clock) -> None:
    holder = Holder(database, clock)
    with database.transaction() as s:
        act = HrService(s, clock).record_act(
            holder.card_no, "employment_registration", {"date": "2026-02-27"}
        )
        steps = [(st.purpose, st.apdu) for st in HrService(s, clock).write_script(act.id)]

    def secured(step: int, challenge: bytes) -> bytes:
        with database.transaction() as s:
            return HrService(s, clock).secured_command(act.id, step, holder.historical, challenge)

    answers, reads = run_script(holder, steps, secured)
    assert all(a[-2:] == b"\x90\x00" for a in answers), [a.hex() for a in answers]
    # An independent read: DF02 EF07 record 32 holds the registration date (BCD).
    assert reads[1][:2] == b"\x32\x04" and decode_date(reads[1][2:6]) == dt.date(2026, 2, 27)
    with database.transaction() as s:
        assert HrService(s, clock).confirm(act.id, reads).card_verified


@pytest.mark.parametrize(("kind", "details"), ACTS)
def test_every_act_over_http(database, clock, client: TestClient, kind, details) -> None:
    holder = Holder(database, clock)
    auth = CREDENTIALS["bureau"]
    body = {"kind": kind, "details": details}
    act = client.post(f"/bureau/cards/{holder.card_no}/hr-acts", json=body, auth=auth)
    assert act.status_code == 201, act.text
    act_id = act.json()["id"]
    script = client.get(f"/bureau/hr-acts/{act_id}/card-write", auth=auth).json()
    steps = [
        (s["purpose"], None if s["apdu"] is None else bytes.fromhex(s["apdu"])) for s in script
    ]

    def secured(step: int, challenge: bytes) -> bytes:
        request = {
            "step": step,
            "historical": holder.historical.hex(),
            "challenge": challenge.hex(),
        }
        answer = client.post(f"/bureau/hr-acts/{act_id}/secured-command", json=request, auth=auth)
        assert answer.status_code == 200, answer.text
        return bytes.fromhex(answer.json()["apdu"])

    answers, reads = run_script(holder, steps, secured)
    assert all(a[-2:] == b"\x90\x00" for a in answers)
    confirmed = client.post(
        f"/bureau/hr-acts/{act_id}/confirm", json={"answers": [r.hex() for r in reads]}, auth=auth
    )
    assert confirmed.status_code == 200 and confirmed.json()["card_verified"] is True


def test_a_card_of_another_issuer_refuses_the_writes(database: Database, clock) -> None:
    holder = Holder(database, clock, region="440300")  # keys diversified for another city
    with database.transaction() as s:
        act = HrService(s, clock).record_act(
            holder.card_no, "skill_appraisal", {"date": "2026-02-01", "occupation": "402010"}
        )
        steps = [(st.purpose, st.apdu) for st in HrService(s, clock).write_script(act.id)]

    def secured(step: int, challenge: bytes) -> bytes:
        with database.transaction() as s:
            return HrService(s, clock).secured_command(act.id, step, holder.historical, challenge)

    answers, reads = run_script(holder, steps, secured)
    assert answers[2][-2:-1] == b"\x63"  # EXTERNAL AUTHENTICATE fails, tries counted
    assert answers[3][-2:] != b"\x90\x00"  # so the UPDATE RECORD is refused
    with database.transaction() as s, pytest.raises(Conflict, match="differs"):
        HrService(s, clock).confirm(act.id, reads)


def test_acts_need_a_usable_card_and_complete_details(database: Database, clock) -> None:
    holder = Holder(database, clock)
    with database.transaction() as s:
        hr = HrService(s, clock)
        with pytest.raises(DomainError, match="needs details"):
            hr.record_act(holder.card_no, "unemployment_registration", {"date": "2026-01-01"})
        with pytest.raises(DomainError, match="kind must be"):
            hr.record_act(holder.card_no, "promotion", {})
        with pytest.raises(DomainError, match="职业"):
            hr.record_act(
                holder.card_no, "skill_appraisal", {"date": "2026-01-01", "occupation": "x"}
            )
        BureauService(s, clock).report_temporary_loss(holder.card_no, "phone")
        with pytest.raises(Conflict, match="not usable"):
            hr.record_act(holder.card_no, "employment_registration", {"date": "2026-01-01"})


def test_region_setting_changes_the_keys(database: Database, clock) -> None:
    holder = Holder(database, clock, region="440300")
    settings = BureauSettings(region="440300")
    with database.transaction() as s:
        act = HrService(s, clock, settings).record_act(
            holder.card_no, "employment_registration", {"date": "2026-02-27"}
        )
        steps = [(st.purpose, st.apdu) for st in HrService(s, clock, settings).write_script(act.id)]

    def secured(step: int, challenge: bytes) -> bytes:
        with database.transaction() as s:
            hr = HrService(s, clock, settings)
            return hr.secured_command(act.id, step, holder.historical, challenge)

    answers, _ = run_script(holder, steps, secured)
    assert all(a[-2:] == b"\x90\x00" for a in answers)
