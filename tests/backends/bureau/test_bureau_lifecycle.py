"""Bureau card life cycle in-process: applications, status machine, temporary cards, queries."""

from __future__ import annotations

import datetime as dt

import pytest

from backends.bureau.service import BureauService
from backends.bureau.settings import BureauSettings
from backends.bureau.status import CardStatus
from backends.core.db import Database
from backends.core.errors import Conflict, DomainError, Forbidden, NotFound
from card_os.codecs import citizen_id_check_digit, is_valid_card_number


def certno(seq: int, birth: str = "19800101") -> str:
    body = f"500101{birth}{seq:03d}"
    return body + citizen_id_check_digit(body)


ALICE = certno(1)


def enrol(bureau: BureauService, cert: str = ALICE, **extra: object) -> None:
    bureau.register_person(cert, "张三", "1", dt.date(1980, 1, 1), "500101", **extra)


def issued_card(bureau: BureauService, cert: str = ALICE) -> str:
    app = bureau.apply(cert, "500101")
    card_no = bureau.produce(app.id).card_no
    bureau.collect(card_no, cert)
    bureau.activate_social(card_no)
    return card_no


def test_first_card_is_sealed_until_social_activation(database: Database, clock) -> None:
    with database.transaction() as s:
        bureau = BureauService(s, clock)
        enrol(bureau)
        card = bureau.produce(bureau.apply(ALICE, "500101").id)
        assert is_valid_card_number(card.card_no)
        assert card.card_sn.startswith("500100D156000005") and len(card.card_sn) == 32
        assert bureau.card(card.card_no).status == CardStatus.SEALED
        with pytest.raises(Conflict, match="not been collected"):
            bureau.activate_social(card.card_no)
        bureau.collect(card.card_no, ALICE)
        assert bureau.activate_social(card.card_no).status == CardStatus.NORMAL


def test_migrant_worker_applies_at_employer_or_residence_district(database, clock) -> None:
    with database.transaction() as s:
        bureau = BureauService(s, clock)
        enrol(bureau, residence_district="440300", employer_district="440305")
        with pytest.raises(Forbidden, match="not the person's employer district"):
            bureau.apply(ALICE, "440300", "employer")
        app = bureau.apply(ALICE, "440305", "employer")
        assert (app.district, app.channel, app.business_type) == ("440305", "employer", "01")
        with pytest.raises(Conflict, match="already open"):
            bureau.apply(ALICE, "440300", "residence")


def test_bad_input_is_refused_without_a_write(database: Database, clock) -> None:
    bad_check_digit = ALICE[:-1] + ("0" if ALICE[-1] != "0" else "1")
    with database.transaction() as s, pytest.raises(DomainError, match="check digit"):
        enrol(BureauService(s, clock), bad_check_digit)
    with pytest.raises(DomainError, match="gender"), database.transaction() as s:
        BureauService(s, clock).register_person(ALICE, "张三", "3", dt.date(1980, 1, 1), "500101")
    with database.transaction() as s, pytest.raises(NotFound):
        BureauService(s, clock).person(ALICE)


def test_temporary_loss_lapses_on_the_injected_clock(database: Database, clock) -> None:
    with database.transaction() as s:
        bureau = BureauService(s, clock)
        enrol(bureau)
        card_no = issued_card(bureau)
        bureau.report_temporary_loss(card_no, "phone")
        assert bureau.card(card_no).blacklisted
    clock.advance(days=7, seconds=-1)
    with database.transaction() as s:
        assert BureauService(s, clock).card(card_no).status == CardStatus.TEMPORARY_LOSS
    clock.advance(seconds=1)
    with database.transaction() as s:
        bureau = BureauService(s, clock)
        assert bureau.lapse_expired() == [card_no]
        view = bureau.card(card_no)
        assert (view.status, view.blacklisted) == (CardStatus.NORMAL, False)
        ops = [e.operation for e in bureau.events(card_no)]
        assert ops[-2:] == ["temporary_loss", "lapse"]


def test_lapse_days_are_configurable(database: Database, clock) -> None:
    settings = BureauSettings(temporary_loss_days=10)  # Yongkang (backend-flows §3.4)
    with database.transaction() as s:
        bureau = BureauService(s, clock, settings)
        enrol(bureau)
        card_no = issued_card(bureau)
        bureau.report_temporary_loss(card_no, "kiosk")
    clock.advance(days=9)
    with database.transaction() as s:
        assert BureauService(s, clock, settings).card(card_no).status == 4
    clock.advance(days=1)
    with database.transaction() as s:
        # Reading the card applies the lapse even before anyone sweeps.
        assert BureauService(s, clock, settings).card(card_no).status == 1


def test_temporary_loss_needs_a_remote_channel(database, clock) -> None:
    with database.transaction() as s:
        bureau = BureauService(s, clock)
        enrol(bureau)
        card_no = issued_card(bureau)
        with pytest.raises(DomainError, match="channel"):
            bureau.report_temporary_loss(card_no, "counter")


def test_formal_loss_cannot_be_unreported(database: Database, clock) -> None:
    with database.transaction() as s:
        bureau = BureauService(s, clock)
        enrol(bureau)
        card_no = issued_card(bureau)
        bureau.report_temporary_loss(card_no, "web")
        bureau.report_formal_loss(card_no, ALICE)
        with pytest.raises(Conflict, match="cannot be revoked"):
            bureau.unreport(card_no, ALICE)
    clock.advance(days=30)  # a formal loss never lapses
    with database.transaction() as s:
        assert BureauService(s, clock).card(card_no).status == CardStatus.FORMAL_LOSS


def test_unreport_restores_the_status_before_the_loss(database: Database, clock) -> None:
    with database.transaction() as s:
        bureau = BureauService(s, clock)
        enrol(bureau)
        card_no = issued_card(bureau)
        bureau.lock(card_no)
        bureau.report_temporary_loss(card_no, "phone")
        with pytest.raises(Forbidden, match="identity check"):
            bureau.unreport(card_no, certno(2))
        assert bureau.unreport(card_no, ALICE).status == CardStatus.LOCKED
        assert bureau.unlock(card_no, ALICE).status == CardStatus.NORMAL


def test_no_unreport_once_a_reissue_is_ordered(database: Database, clock) -> None:
    with database.transaction() as s:
        bureau = BureauService(s, clock)
        enrol(bureau)
        card_no = issued_card(bureau)
        bureau.report_temporary_loss(card_no, "phone")
        app = bureau.order_reissue(card_no, ALICE, "500101")
        assert (app.business_type, app.fee_cents) == ("05", 2000)
        # Ordering a reissue in person turns the temporary loss into a formal one.
        assert bureau.card(card_no).status == CardStatus.FORMAL_LOSS
        with pytest.raises(Conflict, match="reissue has been ordered"):
            bureau.unreport(card_no, ALICE)


def test_reissue_gives_a_new_number_and_cancels_the_old_card(database, clock) -> None:
    with database.transaction() as s:
        bureau = BureauService(s, clock)
        enrol(bureau)
        old = issued_card(bureau)
        bureau.report_formal_loss(old, ALICE)
        app = bureau.order_reissue(old, ALICE, "500101")
        new = bureau.produce(app.id).card_no
        assert new != old
        assert bureau.card(old).status == CardStatus.FORMAL_LOSS  # until the new card is taken
        bureau.collect(new, ALICE)
        old_view = bureau.card(old)
        assert (old_view.status, old_view.replaced_by) == (CardStatus.CANCELLED, new)
        assert [c.card_no for c in bureau.cards_of(ALICE)] == [old, new]
        assert (old, 9) in bureau.blacklist()


def test_replacement_and_info_correction(database: Database, clock) -> None:
    with database.transaction() as s:
        bureau = BureauService(s, clock)
        enrol(bureau)
        card_no = issued_card(bureau)
        # The face shows a wrong name: correct the data, then re-apply (warranty, free).
        bureau.correct_person(ALICE, {"name": "张叁"})
        app = bureau.order_replacement(card_no, ALICE, "500101", warranty=True)
        assert (app.business_type, app.fee_cents) == ("07", 0)
        new = bureau.produce(app.id).card_no
        with pytest.raises(Conflict, match="in production"):
            bureau.correct_person(ALICE, {"name": "张三"})
        bureau.collect(new, ALICE)
        assert bureau.card(new).name == "张叁"
        assert bureau.card(card_no).status == CardStatus.CANCELLED
        with pytest.raises(DomainError, match="cannot correct"):
            bureau.correct_person(ALICE, {"certno": certno(5)})


def test_temporary_card_rules(database: Database, clock) -> None:
    with database.transaction() as s:
        bureau = BureauService(s, clock)
        enrol(bureau)
        with pytest.raises(Conflict, match="application is open"):
            bureau.issue_temporary_card(ALICE)
        app = bureau.apply(ALICE, "500101")
        temp = bureau.issue_temporary_card(ALICE)
        assert temp.expires_at - temp.issued_at == dt.timedelta(days=60)
        assert bureau.authorize_temporary_card(temp.number, "medical").number == temp.number
        with pytest.raises(Forbidden, match="no 'financial' function"):
            bureau.authorize_temporary_card(temp.number, "financial")
        bureau.extend_temporary_card(temp.number, 120)
        with pytest.raises(Conflict, match="at most 183 days"):
            bureau.extend_temporary_card(temp.number, 10)
        card_no = bureau.produce(app.id).card_no
        bureau.collect(card_no, ALICE)
        with pytest.raises(Forbidden, match="formal card collected"):
            bureau.authorize_temporary_card(temp.number, "identity")


def test_temporary_card_expires(database: Database, clock) -> None:
    with database.transaction() as s:
        bureau = BureauService(s, clock)
        enrol(bureau)
        bureau.apply(ALICE, "500101")
        number = bureau.issue_temporary_card(ALICE).number
    clock.advance(days=60)
    with database.transaction() as s, pytest.raises(Forbidden, match="expired"):
        BureauService(s, clock).authorize_temporary_card(number, "identity")


def test_query_password_starts_as_last_six_of_card_number(database, clock) -> None:
    with database.transaction() as s:
        bureau = BureauService(s, clock)
        enrol(bureau)
        card_no = issued_card(bureau)
        bureau.add_record(ALICE, "contribution", "110 pension", "202601", 45600)
        bureau.add_record(ALICE, "benefit", "210 unemployment", "202602", 180000)
        with pytest.raises(Forbidden, match="wrong query password"):
            bureau.query_records(card_no, "123456", "contribution")
        rows = bureau.query_records(card_no, card_no[-6:], "contribution")
        assert [(r.insurance, r.amount_cents) for r in rows] == [("110 pension", 45600)]
        bureau.change_query_password(card_no, card_no[-6:], "24681357")
        assert len(bureau.query_records(card_no, "24681357", "benefit")) == 1
        bureau.reset_query_password(card_no, ALICE)
        bureau.verify_query_password(card_no, card_no[-6:])
        with pytest.raises(DomainError, match="YYYYMM"):
            bureau.add_record(ALICE, "benefit", "210", "202613", 1)


def test_cancelled_card_accepts_no_transition(database: Database, clock) -> None:
    with database.transaction() as s:
        bureau = BureauService(s, clock)
        enrol(bureau)
        card_no = issued_card(bureau)
        bureau.cancel(card_no, ALICE)
        for act in (
            lambda: bureau.report_temporary_loss(card_no, "phone"),
            lambda: bureau.report_formal_loss(card_no, ALICE),
            lambda: bureau.lock(card_no),
            lambda: bureau.cancel(card_no, ALICE),
        ):
            with pytest.raises(Conflict, match="cancelled"):
                act()
