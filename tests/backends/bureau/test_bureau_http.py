"""The same life-cycle script in-process and over HTTP gives the same transcript."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from service_world import CREDENTIALS, ManualClock

from backends.bank.linked import linked_services
from backends.core.db import Database
from backends.core.errors import DomainError
from card_os.codecs import citizen_id_check_digit


def certno(seq: int) -> str:
    body = f"50010119750505{seq:03d}"
    return body + citizen_id_check_digit(body)


ALICE = certno(7)
PERSON = {
    "certno": ALICE,
    "name": "赵六",
    "gender": "2",
    "birth_date": "1975-05-05",
    "hukou_district": "500101",
    "employer_district": "500103",
}


class InProcess:
    """Calls the services directly; a refusal becomes its HTTP status."""

    def __init__(self, database: Database, clock: ManualClock) -> None:
        self.database, self.clock = database, clock

    def _do(self, work: Callable[[Any, Any], Any]) -> tuple[int, Any]:
        try:
            with self.database.transaction() as session:
                bureau, bank = linked_services(session, self.clock)
                return 200, work(bureau, bank)
        except DomainError as exc:
            return exc.status, None

    def register(self) -> tuple[int, Any]:
        fields = dict(PERSON, birth_date=dt.date(1975, 5, 5))
        return self._do(
            lambda b, _: (
                b.register_person(
                    fields.pop("certno"),
                    fields.pop("name"),
                    fields.pop("gender"),
                    fields.pop("birth_date"),
                    fields.pop("hukou_district"),
                    **fields,
                ).certno
            )
        )

    def apply(self, district: str, channel: str) -> tuple[int, Any]:
        return self._do(lambda b, _: b.apply(ALICE, district, channel).id)

    def produce(self, app_id: int) -> tuple[int, Any]:
        return self._do(lambda b, _: b.produce(app_id).card_no)

    def collect(self, card_no: str, who: str) -> tuple[int, Any]:
        return self._do(lambda b, _: b.collect(card_no, who).status)

    def status(self, card_no: str) -> tuple[int, Any]:
        return self._do(lambda b, _: b.card(card_no).status)

    def temporary_loss(self, card_no: str) -> tuple[int, Any]:
        return self._do(lambda b, _: b.report_temporary_loss(card_no, "web").status)

    def formal_loss(self, card_no: str) -> tuple[int, Any]:
        return self._do(lambda b, _: b.report_formal_loss(card_no, ALICE).status)

    def unreport(self, card_no: str) -> tuple[int, Any]:
        return self._do(lambda b, _: b.unreport(card_no, ALICE).status)

    def open_account(self, card_no: str) -> tuple[int, Any]:
        return self._do(lambda _, k: k.open_account(card_no, ALICE, "赵六").status)

    def reissue(self, card_no: str) -> tuple[int, Any]:
        return self._do(lambda b, _: b.order_reissue(card_no, ALICE, "500101").id)

    def temporary_card(self) -> tuple[int, Any]:
        return self._do(lambda b, _: b.issue_temporary_card(ALICE).number)

    def use_temporary(self, number: str, use: str) -> tuple[int, Any]:
        return self._do(lambda b, _: b.authorize_temporary_card(number, use).number)

    def activate_bank(self, card_no: str) -> tuple[int, Any]:
        return self._do(lambda _, k: k.activate(card_no, ALICE, "123123").status)

    def pension(self, batch: str, card_no: str, amount: str) -> tuple[int, Any]:
        return self._do(
            lambda _, k: [r.status for r in k.pay_batch(batch, "pension", [(card_no, amount)])]
        )

    def balance(self, card_no: str) -> tuple[int, Any]:
        return self._do(lambda _, k: str(k.card_balance(card_no)))

    def query(self, card_no: str, password: str) -> tuple[int, Any]:
        return self._do(lambda b, _: len(b.query_records(card_no, password, "benefit")))


class OverHttp:
    """The same operations through the FastAPI app."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def _call(self, who: str, method: str, path: str, body: Any, pick: Callable) -> tuple:
        response = self.client.request(method, path, json=body, auth=CREDENTIALS[who])
        if response.status_code >= 400:
            return response.status_code, None
        return 200, pick(response.json())

    def register(self):
        return self._call("bureau", "POST", "/bureau/people", PERSON, lambda j: j["certno"])

    def apply(self, district, channel):
        body = {"certno": ALICE, "district": district, "channel": channel}
        return self._call("bureau", "POST", "/bureau/applications", body, lambda j: j["id"])

    def produce(self, app_id):
        path = f"/bureau/applications/{app_id}/produce"
        return self._call("bureau", "POST", path, None, lambda j: j["card_no"])

    def collect(self, card_no, who):
        body = {"identity_certno": who}
        path = f"/bureau/cards/{card_no}/collect"
        return self._call("bureau", "POST", path, body, lambda j: j["status"])

    def status(self, card_no):
        return self._call(
            "hospital", "GET", f"/bureau/cards/{card_no}", None, lambda j: j["status"]
        )

    def temporary_loss(self, card_no):
        path = f"/bureau/cards/{card_no}/temporary-loss"
        return self._call("bureau", "POST", path, {"channel": "web"}, lambda j: j["status"])

    def formal_loss(self, card_no):
        path = f"/bureau/cards/{card_no}/formal-loss"
        return self._call("bureau", "POST", path, {"identity_certno": ALICE}, lambda j: j["status"])

    def unreport(self, card_no):
        path = f"/bureau/cards/{card_no}/unreport"
        return self._call("bureau", "POST", path, {"identity_certno": ALICE}, lambda j: j["status"])

    def open_account(self, card_no):
        body = {"card_no": card_no, "certno": ALICE, "name": "赵六"}
        return self._call("bank", "POST", "/bank/accounts", body, lambda j: j["status"])

    def reissue(self, card_no):
        body = {"identity_certno": ALICE, "district": "500101"}
        return self._call(
            "bureau", "POST", f"/bureau/cards/{card_no}/reissue", body, lambda j: j["id"]
        )

    def temporary_card(self):
        body = {"certno": ALICE}
        return self._call("bureau", "POST", "/bureau/temporary-cards", body, lambda j: j["number"])

    def use_temporary(self, number, use):
        path = f"/bureau/temporary-cards/{number}/authorize"
        return self._call("hospital", "POST", path, {"use": use}, lambda j: j["number"])

    def activate_bank(self, card_no):
        body = {"identity_certno": ALICE, "pin": "123123"}
        path = f"/bank/cards/{card_no}/activate"
        return self._call("bank", "POST", path, body, lambda j: j["status"])

    def pension(self, batch, card_no, amount):
        body = {
            "batch_id": batch,
            "kind": "pension",
            "lines": [{"card_no": card_no, "amount": amount}],
        }
        return self._call(
            "bureau", "POST", "/bank/batches", body, lambda j: [r["status"] for r in j]
        )

    def balance(self, card_no):
        return self._call("bank", "GET", f"/bank/cards/{card_no}", None, lambda j: j["balance"])

    def query(self, card_no, password):
        body = {"password": password, "kind": "benefit"}
        path = f"/bureau/cards/{card_no}/records/query"
        return self._call("bureau", "POST", path, body, len)


def script(driver: Any, clock: ManualClock) -> list[tuple[str, tuple]]:
    """A holder's story; every step's (HTTP-equivalent status, value) goes to the transcript."""
    log: list[tuple[str, tuple]] = []

    def step(name: str, result: tuple) -> Any:
        log.append((name, result))
        return result[1]

    step("register", driver.register())
    step("register again", driver.register())
    step("apply wrong district", driver.apply("500199", "employer"))
    app_id = step("apply at employer", driver.apply("500103", "employer"))
    card_no = step("produce", driver.produce(app_id))
    step("account opened with production", driver.balance(card_no))
    step("account opened twice", driver.open_account(card_no))
    step("collect by someone else", driver.collect(card_no, certno(8)))
    step("collect", driver.collect(card_no, ALICE))
    step("pension before activation", driver.pension("P1", card_no, "1500.00"))
    step("activate bank", driver.activate_bank(card_no))
    step("social function enabled", driver.status(card_no))
    step("balance after retry", driver.balance(card_no))
    step("query with initial password", driver.query(card_no, card_no[-6:]))
    step("query with wrong password", driver.query(card_no, "000000"))
    step("temporary loss", driver.temporary_loss(card_no))
    clock.advance(days=7)
    step("lapsed", driver.status(card_no))
    step("unreport nothing", driver.unreport(card_no))
    step("formal loss", driver.formal_loss(card_no))
    step("unreport formal", driver.unreport(card_no))
    step("unknown card", driver.status("A99999990"))
    reissue = step("order reissue", driver.reissue(card_no))
    temp = step("temporary card", driver.temporary_card())
    step("temporary card for medical use", driver.use_temporary(temp, "medical"))
    step("temporary card for money", driver.use_temporary(temp, "financial"))
    new_card = step("produce new card", driver.produce(reissue))
    step("collect new card", driver.collect(new_card, ALICE))
    step("old card cancelled", driver.status(card_no))
    step("temporary card void", driver.use_temporary(temp, "identity"))
    return log


def test_in_process_and_http_give_the_same_transcript(
    database: Database, clock: ManualClock, client: TestClient, request: pytest.FixtureRequest
) -> None:
    over_http = script(OverHttp(client), clock)
    # A second, fresh database for the in-process run, same start time.
    other = Database("sqlite://")
    other.create_all(["bureau", "bank"])
    other_clock = ManualClock(dt.datetime(2026, 3, 1, 9))
    in_process = script(InProcess(other, other_clock), other_clock)
    assert in_process == over_http
    results = dict(over_http)
    assert results["register again"][0] == 409
    assert results["account opened twice"][0] == 409
    assert results["apply wrong district"][0] == 403
    assert results["collect by someone else"][0] == 403
    assert results["pension before activation"] == (200, ["failed"])
    assert results["social function enabled"] == (200, 1)
    assert Decimal(results["balance after retry"][1]) == Decimal("1500.00")
    assert results["query with initial password"] == (200, 0)
    assert results["query with wrong password"][0] == 403
    assert results["temporary loss"] == (200, 4)
    assert results["lapsed"] == (200, 1)
    assert results["unreport nothing"][0] == 409
    assert results["formal loss"] == (200, 2)
    assert results["unreport formal"][0] == 409
    assert results["unknown card"][0] == 404
    assert results["temporary card for medical use"][0] == 200
    assert results["temporary card for money"][0] == 403
    assert results["produce new card"][1] != results["produce"][1]
    assert results["old card cancelled"] == (200, 9)
    assert results["temporary card void"][0] == 403


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/bureau/people", {"certno": 5}),
        ("/bureau/people", dict(PERSON, certno="50010119750505007X")),  # wrong check digit
        ("/bureau/people", dict(PERSON, gender="M")),
        ("/bureau/applications", {"certno": ALICE, "district": "12"}),
        ("/bureau/records", {"certno": ALICE, "kind": "benefit", "insurance": "x",
                             "period": "202601", "amount_cents": -1}),
        ("/bureau/temporary-cards", {"certno": ALICE}),
    ],
)  # fmt: skip
def test_bad_input_gets_a_4xx(client: TestClient, path: str, body: dict) -> None:
    response = client.post(path, json=body, auth=CREDENTIALS["bureau"])
    assert 400 <= response.status_code < 500
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/bureau/applications/99999999999999999999999/produce",
        "/bureau/applications/-1/withdraw",
        "/bureau/hr-acts/99999999999999999999999/confirm",
    ],
)
def test_absurd_ids_are_a_422_not_a_database_overflow(client: TestClient, path: str) -> None:
    answer = client.post(path, json={"answers": []}, auth=CREDENTIALS["bureau"])
    assert answer.status_code == 422


def test_large_record_amounts_fit(client: TestClient) -> None:
    assert client.post("/bureau/people", json=PERSON, auth=CREDENTIALS["bureau"]).status_code == 201
    body = {"certno": ALICE, "kind": "benefit", "insurance": "110", "period": "202601",
            "amount_cents": 10**12}  # fmt: skip
    assert client.post("/bureau/records", json=body, auth=CREDENTIALS["bureau"]).status_code == 201


def test_correction_cannot_empty_a_required_field(client: TestClient) -> None:
    assert client.post("/bureau/people", json=PERSON, auth=CREDENTIALS["bureau"]).status_code == 201
    for field in ("birth_date", "name", "hukou_district"):
        answer = client.patch(
            f"/bureau/people/{ALICE}", json={field: None}, auth=CREDENTIALS["bureau"]
        )
        assert answer.status_code == 400 and field in answer.json()["detail"]
    assert client.get(f"/bureau/people/{ALICE}/cards", auth=CREDENTIALS["bureau"]).json() == []


def test_institutions_authenticate(client: TestClient) -> None:
    assert client.post("/bureau/people", json=PERSON).status_code == 401
    bad = (CREDENTIALS["bureau"][0], "wrong")
    assert client.post("/bureau/people", json=PERSON, auth=bad).status_code == 401
    # A hospital may consult cards but not register people.
    assert (
        client.post("/bureau/people", json=PERSON, auth=CREDENTIALS["hospital"]).status_code == 403
    )
    assert client.get("/bureau/blacklist", auth=CREDENTIALS["hospital"]).json() == []
