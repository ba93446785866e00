"""Card validity: the bureau's expiry date is the chip's 卡有效期 (the last valid day), and the
bureau's card check refuses a card past it."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from service_world import CREDENTIALS

from backends.bureau.service import BureauService
from backends.core.db import Database
from backends.core.errors import Forbidden
from card_os.codecs import citizen_id_check_digit
from card_os.ssse.personalise import card_expiry

BODY = "50010119800101007"
CERT = BODY + citizen_id_check_digit(BODY)


def issued(database: Database, clock) -> str:  # type: ignore[no-untyped-def]
    with database.transaction() as s:
        bureau = BureauService(s, clock)
        bureau.register_person(CERT, "赵六", "1", dt.date(1980, 1, 1), "500101")
        card_no = bureau.produce(bureau.apply(CERT, "500101").id).card_no
        bureau.collect(card_no, CERT)
        bureau.activate_social(card_no)
        return card_no


def test_expiry_is_the_day_before_the_tenth_anniversary_like_the_chip(database, clock) -> None:
    card_no = issued(database, clock)  # clock: 1 March 2026
    with database.transaction() as s:
        view = BureauService(s, clock).card(card_no)
    assert (view.issue_date, view.expiry_date) == (dt.date(2026, 3, 1), dt.date(2036, 2, 29))
    assert view.expiry_date == card_expiry(view.issue_date, 10) and not view.expired


def test_card_check_accepts_the_last_valid_day_and_refuses_the_day_after(database, clock) -> None:
    card_no = issued(database, clock)
    clock.now = dt.datetime(2036, 2, 29, 23, 59)
    with database.transaction() as s:
        assert BureauService(s, clock).check_card(card_no).expired is False
    clock.now = dt.datetime(2036, 3, 1, 0, 0)
    with database.transaction() as s:
        bureau = BureauService(s, clock)
        assert bureau.card(card_no).expired is True  # the status look-up still answers
        with pytest.raises(Forbidden, match=r"expired: valid until 2036-02-29"):
            bureau.check_card(card_no)


def test_card_check_refuses_a_blacklisted_card(database, clock) -> None:
    card_no = issued(database, clock)
    with database.transaction() as s:
        bureau = BureauService(s, clock)
        bureau.report_temporary_loss(card_no, "phone")
        with pytest.raises(Forbidden, match="blacklist"):
            bureau.check_card(card_no)


def test_card_check_over_http(database, clock, client: TestClient) -> None:
    card_no = issued(database, clock)
    auth = CREDENTIALS["hospital"]
    ok = client.get(f"/bureau/cards/{card_no}/check", auth=auth)
    assert ok.status_code == 200 and ok.json()["expired"] is False
    clock.now = dt.datetime(2036, 3, 2, 9, 0)
    refused = client.get(f"/bureau/cards/{card_no}/check", auth=auth)
    assert refused.status_code == 403 and "expired" in refused.json()["detail"]
    looked_up = client.get(f"/bureau/cards/{card_no}", auth=auth).json()
    assert looked_up["expired"] is True and looked_up["expiry_date"] == "2036-02-29"
    missing = client.get("/bureau/cards/A00000000/check", auth=auth)
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("issued_on", "expiry"),
    [
        (dt.date(2021, 12, 3), dt.date(2031, 12, 2)),  # card-spec §1.3 sample
        (dt.date(2024, 2, 29), dt.date(2034, 2, 28)),  # anniversary on 1 March
        (dt.date(2016, 3, 1), dt.date(2026, 2, 28)),
    ],
)
def test_card_expiry_rule(issued_on: dt.date, expiry: dt.date) -> None:
    assert card_expiry(issued_on, 10) == expiry
