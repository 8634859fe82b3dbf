"""Registration services: every state transition, the refused ones, seats and the waiting list."""

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.orm.attributes import set_committed_value

from colloquium.editions import services as editions
from colloquium.editions.models import Edition
from colloquium.errors import DomainError
from colloquium.extensions import db
from colloquium.registration import services
from colloquium.registration.models import Registration
from tests.factories import (
    COMING_YEAR,
    NEXT_YEAR,
    make_edition,
    make_registration,
    registration_details,
)


@pytest.fixture(autouse=True)
def in_english(app):
    """Refusals are matched on their English text."""
    with force_locale("en"):
        yield


@pytest.fixture
def after_the_colloquium(time_machine):
    """Call it to move the clock to noon on the day after the coming 17 October."""

    def travel():
        time_machine.move_to(datetime(COMING_YEAR, 10, 18, 12, tzinfo=ZoneInfo("Europe/Paris")))

    return travel


def count(**filters) -> int:
    query = sa.select(sa.func.count()).select_from(Registration).filter_by(**filters)
    return db.session.scalar(query)


def statuses(edition) -> dict[str, int]:
    rows = db.session.execute(
        sa.select(Registration.status, sa.func.count())
        .where(Registration.edition_id == edition.id)
        .group_by(Registration.status)
    )
    return dict(rows.all())


def assert_seats_consistent(edition):
    db.session.expire_all()
    fresh = db.session.get(Edition, edition.id)
    held = count(edition_id=edition.id, status="confirmed", override=False)
    assert fresh.seats_taken == held
    assert fresh.seats_taken <= fresh.capacity


# Registering


def test_register_creates_an_unconfirmed_registration_and_mails_the_link(app, sent_mail):
    edition = make_edition(COMING_YEAR, capacity=10)
    submission = services.register(
        edition,
        registration_details("  Ada.Lovelace@Example.ORG ", organisation=" ECTEH ", language="en"),
    )
    db.session.commit()
    registration = submission.registration
    assert submission.created
    assert registration.status == "unconfirmed"
    assert registration.email == "ada.lovelace@example.org"
    assert registration.organisation == "ECTEH"
    assert registration.privacy_policy_version == app.config["PRIVACY_POLICY_VERSION"]
    assert registration.consented_at is not None
    prefix = f"OCT{COMING_YEAR % 100:02d}-"
    assert registration.reference.startswith(prefix) and len(registration.reference) == 11
    assert set(registration.reference[6:]) <= set(services.REFERENCE_ALPHABET)
    assert edition.seats_taken == 0  # an unconfirmed registration holds no seat
    [mail] = sent_mail
    assert mail["to"] == "ada.lovelace@example.org"
    assert mail["template"] == "registration/manage_link"
    assert mail["language"] == "en"
    url = mail["context"]["manage_url"]
    assert url.startswith("http://colloquium.test/registration/")
    token = url.rsplit("/", 1)[1]
    assert len(token) >= 43  # 32 random bytes, base64
    assert registration.token_hash == services.hash_token(token) != token
    assert services.find_by_token(token) == registration
    assert services.find_by_token(token + "x") is None
    assert services.find_by_token("") is None


def test_registering_writes_the_row_with_its_link_in_one_statement(app, sent_mail):
    # The token is made of the reference, drawn before the INSERT: no UPDATE follows it, and
    # a refused row is no error to recover from: no savepoint around it. The address is not
    # looked up first: the registration's INSERT and the outbox's, nothing else.
    edition = make_edition(COMING_YEAR, capacity=10)
    assert edition.capacity == 10  # read once: the view has it loaded too
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.split()[0].upper())

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        registration = services.register(edition, registration_details()).registration
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    db.session.commit()
    assert [s for s in statements if s != "BEGIN"] == ["INSERT", "INSERT"]
    [mail] = sent_mail
    token = mail["context"]["manage_url"].rsplit("/", 1)[1]
    assert services.find_by_token(token) == registration


def test_a_room_read_full_is_read_again_under_the_lock_and_a_freed_seat_is_taken(app):
    # The seats read with the registration only pick the first statement: a seat freed
    # since (a cancellation committed in between) is found under the edition's lock.
    edition = make_edition(COMING_YEAR, capacity=1)
    registration, _ = make_registration(edition, "late@example.org")
    db.session.refresh(edition)
    set_committed_value(edition, "seats_taken", 1)  # as read before the cancellation
    services.confirm_registration(registration)
    assert registration.status == "confirmed" and registration.waitlisted_at is None
    db.session.commit()
    assert db.session.get(Edition, edition.id).seats_taken == 1
    assert_seats_consistent(edition)


@pytest.mark.parametrize("by_organiser", [False, True])
def test_a_reference_already_drawn_is_drawn_again(app, monkeypatch, sent_mail, by_organiser):
    # References are not looked up before the INSERT: the unique index refuses a clash.
    edition = make_edition(COMING_YEAR, capacity=10)
    first = services.register(edition, registration_details("ada@example.org")).registration
    db.session.commit()
    fresh = f"OCT{COMING_YEAR % 100:02d}-ZZZZZ"
    draws = iter([first.reference, fresh])
    monkeypatch.setattr(services, "_new_reference", lambda _edition: next(draws))
    details = registration_details("grace@example.org")
    if by_organiser:
        second = services.add_registration(edition, details)
    else:
        second = services.register(edition, details).registration
    db.session.commit()
    assert second.reference == fresh
    rows = db.session.execute(sa.select(Registration.email, Registration.reference)).all()
    assert sorted(rows) == [("ada@example.org", first.reference), ("grace@example.org", fresh)]
    assert [mail["to"] for mail in sent_mail][-1] == "grace@example.org"


@pytest.mark.parametrize("by_organiser", [False, True])
def test_an_address_already_registered_is_refused_by_the_insert(app, sent_mail, by_organiser):
    # The address is not looked up first: the unique index refuses the row, then it is read.
    edition = make_edition(COMING_YEAR, capacity=10)
    first = services.register(edition, registration_details("ada@example.org")).registration
    db.session.commit()
    details = registration_details("ada@example.org", first_name="Someone")
    if by_organiser:
        with pytest.raises(services.AlreadyRegistered) as refused:
            services.add_registration(edition, details)
        assert refused.value.reference == first.reference
    else:
        submission = services.register(edition, details)
        assert not submission.created and submission.registration == first
        assert first.link_version == 1  # a new link, e-mailed
    db.session.commit()
    assert count() == 1 and first.first_name == "Ada"
    assert len(sent_mail) == (1 if by_organiser else 2)


@pytest.mark.parametrize("by_organiser", [False, True])
def test_an_address_cancelled_after_its_refused_insert_is_registered(
    app, monkeypatch, by_organiser
):
    # The active registration that made the INSERT fail is cancelled before it is read: the
    # INSERT is tried again, and succeeds.
    edition = make_edition(COMING_YEAR, capacity=10)
    first = services.register(edition, registration_details("ada@example.org")).registration
    db.session.commit()
    active_registration = services._active_registration

    def cancelled_meanwhile(edition, email):
        services.cancel_registration(first)
        return active_registration(edition, email)

    monkeypatch.setattr(services, "_active_registration", cancelled_meanwhile)
    details = registration_details("ada@example.org", first_name="Someone")
    if by_organiser:
        second = services.add_registration(edition, details)
    else:
        second = services.register(edition, details).registration
    db.session.commit()
    assert second.id != first.id and second.first_name == "Someone"
    assert first.status == "cancelled"
    assert count(email="ada@example.org") == 2


def test_a_refusal_that_is_no_clash_is_not_drawn_again(app, monkeypatch):
    # Only a clash of references is retried; any other refused INSERT still fails.
    edition = make_edition(COMING_YEAR, capacity=10)
    monkeypatch.setattr(services, "_new_reference", lambda _edition: None)  # NOT NULL
    with pytest.raises(sa.exc.IntegrityError):
        services.register(edition, registration_details("ada@example.org"))


def test_a_second_registration_with_the_same_address_creates_nothing(app, sent_mail):
    edition = make_edition(COMING_YEAR)
    first = services.register(edition, registration_details("ada@example.org"))
    db.session.commit()
    old_link = sent_mail[0]["context"]["manage_url"]
    second = services.register(
        edition, registration_details(" ADA@example.org", first_name="Someone", language="en")
    )
    db.session.commit()
    assert not second.created
    assert second.registration.id == first.registration.id
    assert second.registration.first_name == "Ada"  # the second submission changes nothing
    assert count() == 1
    assert [mail["template"] for mail in sent_mail] == ["registration/manage_link"] * 2
    new_link = sent_mail[1]["context"]["manage_url"]
    assert sent_mail[1]["to"] == "ada@example.org"
    assert sent_mail[1]["language"] == "fr"  # the registration's language, not the new form's
    assert new_link != old_link
    assert services.find_by_token(new_link.rsplit("/", 1)[1]).id == first.registration.id
    assert services.find_by_token(old_link.rsplit("/", 1)[1]) is None


def test_the_same_address_may_register_again_after_cancelling(app):
    edition = make_edition(COMING_YEAR)
    registration, _ = make_registration(edition, "ada@example.org")
    services.cancel_registration(registration)
    db.session.commit()
    again = services.register(edition, registration_details("ada@example.org"))
    db.session.commit()
    assert again.created
    assert count(email="ada@example.org") == 2


def test_the_database_refuses_two_active_registrations_for_one_address(app):
    edition = make_edition(COMING_YEAR)
    make_registration(edition, "ada@example.org")
    twin = Registration(
        edition_id=edition.id,
        reference=f"OCT{COMING_YEAR % 100:02d}-22222",
        token_hash="0" * 64,
        status="confirmed",
        first_name="A",
        last_name="L",
        email="ada@example.org",
        attendee_type="ngo",
        language="fr",
        consent_privacy=True,
        privacy_policy_version="x",
        consented_at=datetime.now(UTC),
    )
    db.session.add(twin)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_one_address_may_register_for_two_editions(app):
    make_registration(make_edition(COMING_YEAR), "ada@example.org")
    make_registration(make_edition(NEXT_YEAR), "ada@example.org")
    assert count(email="ada@example.org") == 2


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"consent_privacy": False}, "consent_privacy"),
        ({"first_name": "  "}, "first_name"),
        ({"email": ""}, "email"),
        ({"attendee_type": "spy"}, "attendee_type"),
        ({"language": "de"}, "language"),
    ],
)
def test_register_refuses_incomplete_details(app, values, field):
    edition = make_edition(COMING_YEAR)
    with pytest.raises(DomainError) as caught:
        services.register(edition, registration_details(**values))
    assert caught.value.field == field
    assert count() == 0


@pytest.mark.parametrize(
    ("opens", "closes"),
    [(timedelta(days=1), timedelta(days=2)), (timedelta(days=-2), timedelta(days=-1))],
)
def test_register_refuses_outside_the_registration_window(app, opens, closes):
    now = datetime.now(UTC)
    edition = make_edition(
        COMING_YEAR, registration_opens_at=now + opens, registration_closes_at=now + closes
    )
    with pytest.raises(DomainError):
        services.register(edition, registration_details())
    assert count() == 0


# Confirming


def test_confirm_takes_a_seat_and_mails_the_ticket(app, sent_mail):
    edition = make_edition(COMING_YEAR, capacity=2)
    registration, _ = make_registration(edition)
    services.confirm_registration(registration)
    db.session.commit()
    assert registration.status == "confirmed"
    assert registration.confirmed_at is not None
    assert edition.seats_taken == 1 and edition.seats_left == 1
    mail = sent_mail[-1]
    assert mail["template"] == "registration/confirmed"
    png, ics = mail["attachments"]
    assert png.content_type == "image/png" and png.data.startswith(b"\x89PNG")
    assert png.filename == f"{registration.reference}.png"
    assert ics.content_type.startswith("text/calendar") and b"BEGIN:VEVENT" in ics.data
    assert_seats_consistent(edition)


def test_confirm_when_full_joins_the_waiting_list_in_order(app, sent_mail):
    edition = make_edition(COMING_YEAR, capacity=1)
    make_registration(edition, "first@example.org", confirm=True)
    second, _ = make_registration(edition, "second@example.org", confirm=True)
    third, _ = make_registration(edition, "third@example.org", confirm=True)
    assert (second.status, third.status) == ("waitlisted", "waitlisted")
    assert second.waitlisted_at is not None and second.confirmed_at is None
    # Claimed as confirmed, then moved to the list: nothing of the confirmation is stored.
    db.session.refresh(second)
    assert (second.status, second.confirmed_at) == ("waitlisted", None)
    assert services.waitlist_position(second) == 1
    assert services.waitlist_position(third) == 2
    waitlisted = [m for m in sent_mail if m["template"] == "registration/waitlisted"]
    assert [(m["to"], m["context"]["position"]) for m in waitlisted] == [
        ("second@example.org", 1),
        ("third@example.org", 2),
    ]
    assert_seats_consistent(edition)


@pytest.mark.parametrize("by_organiser", [False, True])
def test_a_seat_freed_while_the_room_looked_full_is_taken(app, monkeypatch, by_organiser):
    # The first seat UPDATE may read the room full while a cancellation in flight frees a
    # seat; the edition's lock then reads the row as committed and the seat is taken.
    edition = make_edition(COMING_YEAR, capacity=1)
    take_seat = services._take_seat
    tries = []

    def looked_full_first(edition):
        tries.append(edition.id)
        return len(tries) > 1 and take_seat(edition)

    monkeypatch.setattr(services, "_take_seat", looked_full_first)
    if by_organiser:
        registration = services.add_registration(edition, registration_details())
    else:
        registration, _ = make_registration(edition)
        services.confirm_registration(registration)
    db.session.commit()
    assert (registration.status, registration.override) == ("confirmed", False)
    assert len(tries) == 2
    assert_seats_consistent(edition)
    assert db.session.get(Edition, edition.id).seats_taken == 1


@pytest.mark.parametrize("read_free", [False, True])
def test_joining_the_waiting_list_tries_for_a_seat_at_most_once(app, monkeypatch, read_free):
    # A room read full with the registration is locked at once, with no seat UPDATE; one read
    # free (before the last seat went) tries once. Under the edition's lock the room is read
    # full: no second seat UPDATE is needed.
    edition = make_edition(COMING_YEAR, capacity=1)
    make_registration(edition, "first@example.org", confirm=True)
    second, _ = make_registration(edition, "second@example.org")
    if read_free:
        db.session.refresh(edition)
        set_committed_value(edition, "seats_taken", 0)
    take_seat = services._take_seat
    tries = []
    monkeypatch.setattr(services, "_take_seat", lambda e: tries.append(e.id) or take_seat(e))
    services.confirm_registration(second)
    db.session.commit()
    assert second.status == "waitlisted" and len(tries) == (1 if read_free else 0)
    assert_seats_consistent(edition)


def test_confirming_twice_is_refused_and_takes_no_second_seat(app):
    edition = make_edition(COMING_YEAR, capacity=5)
    registration, _ = make_registration(edition, confirm=True)
    with pytest.raises(DomainError, match="already confirmed"):
        services.confirm_registration(registration)
    db.session.rollback()
    assert_seats_consistent(edition)
    assert db.session.get(Edition, edition.id).seats_taken == 1


def test_confirming_a_waitlisted_registration_is_refused(app):
    edition = make_edition(COMING_YEAR, capacity=0)
    registration, _ = make_registration(edition, confirm=True)
    with pytest.raises(DomainError, match="waiting list"):
        services.confirm_registration(registration)


def test_confirming_a_cancelled_registration_is_refused(app):
    edition = make_edition(COMING_YEAR, capacity=5)
    registration, _ = make_registration(edition)
    services.cancel_registration(registration)
    db.session.commit()
    with pytest.raises(DomainError, match="cancelled"):
        services.confirm_registration(registration)
    db.session.rollback()
    assert db.session.get(Edition, edition.id).seats_taken == 0


def test_confirming_after_the_colloquium_is_refused(app, after_the_colloquium):
    edition = make_edition(COMING_YEAR)
    registration, _ = make_registration(edition)
    after_the_colloquium()
    with pytest.raises(DomainError, match="taken place"):
        services.confirm_registration(registration)


def test_an_organiser_may_confirm_over_capacity_as_an_override(app, sent_mail):
    edition = make_edition(COMING_YEAR, capacity=1)
    make_registration(edition, "guest@example.org", confirm=True)
    speaker, _ = make_registration(edition, "speaker@example.org", confirm=True)
    assert speaker.status == "waitlisted"
    services.confirm_over_capacity(speaker)
    db.session.commit()
    assert speaker.status == "confirmed" and speaker.override
    assert speaker.waitlisted_at is None
    assert edition.seats_taken == 1  # overrides do not count in the seats taken
    assert count(status="confirmed") == 2
    assert sent_mail[-1]["template"] == "registration/confirmed"
    # Cancelling an override frees no seat, and promotes nobody.
    services.cancel_registration(speaker)
    db.session.commit()
    assert_seats_consistent(edition)
    assert db.session.get(Edition, edition.id).seats_taken == 1


def test_an_organiser_confirmation_takes_a_free_seat_normally(app):
    edition = make_edition(COMING_YEAR, capacity=1)
    registration, _ = make_registration(edition)
    services.confirm_over_capacity(registration)
    assert not registration.override
    assert edition.seats_taken == 1


# Cancelling and the waiting list


def test_cancelling_frees_the_seat_for_the_oldest_waitlisted(app, sent_mail):
    edition = make_edition(COMING_YEAR, capacity=1)
    seated, _ = make_registration(edition, "seated@example.org", confirm=True)
    first, _ = make_registration(edition, "first@example.org", confirm=True)
    second, _ = make_registration(edition, "second@example.org", confirm=True)
    sent_mail.clear()
    promoted = services.cancel_registration(seated)
    db.session.commit()
    assert promoted == [first]
    assert seated.status == "cancelled" and seated.cancelled_at is not None
    assert first.status == "confirmed" and first.confirmed_at is not None
    assert second.status == "waitlisted"
    assert services.waitlist_position(second) == 1
    assert [(m["to"], m["template"]) for m in sent_mail] == [
        ("seated@example.org", "registration/cancelled"),
        ("first@example.org", "registration/promoted"),
    ]
    assert len(sent_mail[1]["attachments"]) == 2  # QR code and calendar file
    assert_seats_consistent(edition)


def test_cancelling_a_waitlisted_or_unconfirmed_one_frees_no_seat(app):
    edition = make_edition(COMING_YEAR, capacity=1)
    make_registration(edition, "seated@example.org", confirm=True)
    waiting, _ = make_registration(edition, "waiting@example.org", confirm=True)
    unconfirmed, _ = make_registration(edition, "new@example.org")
    assert services.cancel_registration(waiting) == []
    assert services.cancel_registration(unconfirmed) == []
    db.session.commit()
    assert db.session.get(Edition, edition.id).seats_taken == 1
    assert_seats_consistent(edition)


def test_cancelling_twice_is_refused(app):
    edition = make_edition(COMING_YEAR)
    registration, _ = make_registration(edition, confirm=True)
    services.cancel_registration(registration)
    db.session.commit()
    with pytest.raises(DomainError, match="cancelled"):
        services.cancel_registration(registration)
    db.session.rollback()
    assert db.session.get(Edition, edition.id).seats_taken == 0


def test_cancelling_after_the_colloquium_is_refused(app, after_the_colloquium):
    edition = make_edition(COMING_YEAR)
    registration, _ = make_registration(edition)
    after_the_colloquium()
    with pytest.raises(DomainError, match="taken place"):
        services.cancel_registration(registration)


def test_promotion_passes_over_a_waitlisted_registration_cancelled_meanwhile(app):
    edition = make_edition(COMING_YEAR, capacity=1)
    seated, _ = make_registration(edition, "seated@example.org", confirm=True)
    first, _ = make_registration(edition, "first@example.org", confirm=True)
    make_registration(edition, "second@example.org", confirm=True)
    # Another request cancelled ``first`` after this one read the waiting list.
    db.session.execute(
        sa.update(Registration).where(Registration.id == first.id).values(status="cancelled")
    )
    promoted = services.cancel_registration(seated)
    db.session.commit()
    assert [r.email for r in promoted] == ["second@example.org"]
    assert_seats_consistent(edition)


def test_raising_the_capacity_promotes_in_order(app, sent_mail):
    edition = make_edition(COMING_YEAR, capacity=1)
    make_registration(edition, "seated@example.org", confirm=True)
    waiting = [make_registration(edition, f"w{n}@example.org", confirm=True)[0] for n in range(4)]
    sent_mail.clear()
    editions.update_edition(edition, editions.EditionChanges(capacity=3))
    db.session.commit()
    assert [r.status for r in waiting] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert [m["to"] for m in sent_mail] == ["w0@example.org", "w1@example.org"]
    assert {m["template"] for m in sent_mail} == {"registration/promoted"}
    assert services.waitlist_position(waiting[2]) == 1
    assert_seats_consistent(edition)


def test_raising_the_capacity_from_the_command_line_promotes(app, runner):
    edition = make_edition(COMING_YEAR, capacity=0)
    registration, _ = make_registration(edition, confirm=True)
    assert registration.status == "waitlisted"
    result = runner.invoke(args=["edition", "update", f"{COMING_YEAR}", "--capacity", "1"])
    assert result.exit_code == 0, result.output
    assert "1 seats (1 taken)" in result.output
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).status == "confirmed"


def test_changing_other_things_of_an_edition_promotes_nobody(app):
    edition = make_edition(COMING_YEAR, capacity=0)
    registration, _ = make_registration(edition, confirm=True)
    editions.update_edition(edition, editions.EditionChanges(city="Lyon"))
    assert registration.status == "waitlisted"


# Details, erasure, export, housekeeping


def test_update_details(app):
    edition = make_edition(COMING_YEAR)
    registration, _ = make_registration(edition)
    services.update_details(
        registration,
        services.DetailChanges(first_name=" Augusta ", language="en", consent_contact=True),
    )
    db.session.commit()
    assert registration.first_name == "Augusta"
    assert registration.last_name == "Lovelace"
    assert registration.language == "en"
    assert registration.consent_contact is True


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"first_name": " "}, "first_name"),
        ({"attendee_type": "spy"}, "attendee_type"),
        ({"language": "de"}, "language"),
    ],
)
def test_update_details_refuses_bad_values(app, changes, field):
    registration, _ = make_registration(make_edition(COMING_YEAR))
    with pytest.raises(DomainError) as caught:
        services.update_details(registration, services.DetailChanges(**changes))
    assert caught.value.field == field


def test_a_cancelled_registration_cannot_be_edited(app):
    registration, _ = make_registration(make_edition(COMING_YEAR))
    services.cancel_registration(registration)
    with pytest.raises(DomainError, match="cancelled"):
        services.update_details(registration, services.DetailChanges(first_name="X"))


def test_details_cannot_change_after_the_colloquium(app, after_the_colloquium):
    registration, _ = make_registration(make_edition(COMING_YEAR))
    after_the_colloquium()
    with pytest.raises(DomainError, match="taken place"):
        services.update_details(registration, services.DetailChanges(first_name="X"))


def test_erasure_removes_personal_data_frees_the_seat_and_promotes(app, sent_mail):
    edition = make_edition(COMING_YEAR, capacity=1)
    registration, token = make_registration(
        edition,
        "ada@example.org",
        confirm=True,
        organisation="ECTEH",
        accessibility_needs="Wheelchair",
        dietary_requirements="Vegan",
        consent_contact=True,
    )
    waiting, _ = make_registration(edition, "next@example.org", confirm=True)
    sent_mail.clear()
    services.erase_registration(registration)
    db.session.commit()
    db.session.expire_all()
    erased = db.session.get(Registration, registration.id)
    assert erased.status == "cancelled" and erased.erased_at is not None
    assert (erased.first_name, erased.last_name, erased.email, erased.organisation) == ("",) * 4
    assert (erased.accessibility_needs, erased.dietary_requirements) == ("", "")
    assert erased.consent_contact is False and erased.token_hash is None
    assert erased.reference  # counts remain
    assert services.find_by_token(token) is None
    assert db.session.get(Registration, waiting.id).status == "confirmed"
    # The erased one hears once more, that it is done (a mail blanked once delivered).
    assert [(m["to"], m["template"]) for m in sent_mail] == [
        ("ada@example.org", "registration/erased"),
        ("next@example.org", "registration/promoted"),
    ]
    assert sent_mail[0]["erase_after_delivery"] is True
    assert_seats_consistent(edition)


def test_erasing_two_registrations_of_one_edition(app):
    edition = make_edition(COMING_YEAR)
    for address in ("a@example.org", "b@example.org"):
        registration, _ = make_registration(edition, address, confirm=True)
        services.erase_registration(registration)
        db.session.commit()
    assert count(status="cancelled") == 2
    assert_seats_consistent(edition)


def test_erasure_is_allowed_after_the_colloquium(app, after_the_colloquium):
    edition = make_edition(COMING_YEAR)
    registration, _ = make_registration(edition, confirm=True)
    after_the_colloquium()
    services.erase_registration(registration)
    db.session.commit()
    assert registration.email == "" and registration.status == "cancelled"
    assert_seats_consistent(edition)


def test_export_holds_every_personal_field(app):
    edition = make_edition(COMING_YEAR, capacity=0)
    registration, _ = make_registration(edition, confirm=True, dietary_requirements="Halal")
    data = services.export_registration(registration)
    json.dumps(data)  # plain JSON values only
    assert data["email"] == "ada@example.org"
    assert data["dietary_requirements"] == "Halal"
    assert data["status"] == "waitlisted" and data["waitlist_position"] == 1
    assert data["privacy_policy_version"] == app.config["PRIVACY_POLICY_VERSION"]
    assert data["edition"] == {
        "year": COMING_YEAR,
        "title": f"Colloquium of 17 October {COMING_YEAR}",
        "date": f"{COMING_YEAR}-10-17",
    }
    assert "token_hash" not in data


def test_purge_deletes_only_unconfirmed_registrations_older_than_7_days(app):
    edition = make_edition(COMING_YEAR, capacity=5)
    old, _ = make_registration(edition, "old@example.org")
    make_registration(edition, "recent@example.org")
    confirmed_long_ago, _ = make_registration(edition, "kept@example.org", confirm=True)
    eight_days_ago = datetime.now(UTC) - timedelta(days=8)
    for registration in (old, confirmed_long_ago):
        registration.created_at = eight_days_ago
    db.session.commit()
    assert services.purge_unconfirmed() == 1
    db.session.commit()
    remaining = set(db.session.scalars(sa.select(Registration.email)))
    assert remaining == {"recent@example.org", "kept@example.org"}
    assert services.purge_unconfirmed() == 0  # idempotent


def test_check_in_by_reference(app):
    edition = make_edition(COMING_YEAR, capacity=1)
    registration, _ = make_registration(edition, confirm=True)
    found = services.find_by_reference(registration.reference.lower() + " ")
    assert found == registration
    assert services.find_by_reference("OCT30-XXXXX") is None
    services.check_in(found)
    db.session.commit()
    assert registration.checked_in_at is not None
    with pytest.raises(DomainError, match="already been checked in"):
        services.check_in(registration)


@pytest.mark.parametrize("capacity", [0, 1])
def test_only_a_confirmed_registration_is_checked_in(app, capacity):
    registration, _ = make_registration(make_edition(COMING_YEAR, capacity=capacity))
    if capacity == 0:
        services.confirm_registration(registration)  # waitlisted
    with pytest.raises(DomainError, match="Only a confirmed registration"):
        services.check_in(registration)
    assert registration.checked_in_at is None


def test_the_exports_keep_their_keys_and_columns_in_order(app):
    """The attendee's JSON and the organisers' CSV are read by people and programs alike."""
    edition = make_edition(COMING_YEAR)
    registration, _ = make_registration(edition, confirm=True)
    assert list(services.export_registration(registration)) == [
        "reference",
        "edition",
        "status",
        "waitlist_position",
        "first_name",
        "last_name",
        "email",
        "organisation",
        "attendee_type",
        "language",
        "accessibility_needs",
        "dietary_requirements",
        "consent_privacy",
        "privacy_policy_version",
        "consented_at",
        "consent_contact",
        "created_at",
        "updated_at",
        "confirmed_at",
        "waitlisted_at",
        "cancelled_at",
        "checked_in_at",
    ]
    text, _ = services.export_registrations_csv(edition)
    assert text.splitlines()[0] == (
        "\ufeffReference;Status;Confirmed over capacity;First name;Last name;E-mail address;"
        "Organisation;Attendee;Language;Accessibility needs;Dietary requirements;"
        "Agrees to hear about next year;Registered at;Confirmed at;Checked in at"
    )
