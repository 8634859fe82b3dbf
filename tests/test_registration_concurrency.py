"""The seat invariant under real concurrency, on SQLite and on PostgreSQL.

Real threads, each with its own app context, session and database connection, released
together by a barrier. After the storm the counts must be exactly right: never more confirmed
registrations than seats, ``seats_taken`` equal to the confirmed ones, no free seat while
someone waits, the waiting list served first come, first served. A control run replaces the
confirmation by a check-then-act version and shows that these assertions catch it.
"""

import threading
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa

from colloquium.editions.models import Edition
from colloquium.errors import DomainError
from colloquium.extensions import db
from colloquium.mail.models import OutgoingMail
from colloquium.registration import services
from colloquium.registration.models import Registration
from colloquium.registration.notifications import data_subject
from tests.factories import COMING_YEAR, make_edition, make_registration, registration_details

POOL = 20  # connections in flight at once; the other threads queue for one, as in production
CONCURRENT = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": POOL, "max_overflow": 0, "pool_timeout": 120}
}


@pytest.fixture
def concurrent_app(make_app):
    app = make_app(CONCURRENT)
    with app.app_context():
        yield app


@dataclass
class Storm:
    """What the threads did: refusals are expected outcomes, errors are not."""

    refused: list[str] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)


def storm(app, actions) -> Storm:
    """Run each ``action(registration_id)`` pair in its own thread, all released at once."""
    db.session.commit()  # the test's own transaction must not hold SQLite's write lock
    outcome = Storm()
    start = threading.Barrier(len(actions), timeout=120)
    lock = threading.Lock()

    def run(action, registration_id):
        start.wait()
        with app.app_context():
            try:
                registration = db.session.get(Registration, registration_id)
                action(registration)
                db.session.commit()
            except DomainError as refusal:
                db.session.rollback()
                with lock:
                    outcome.refused.append(str(refusal.message))
            except BaseException as error:
                db.session.rollback()
                with lock:
                    outcome.errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=pair) for pair in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads)
    db.session.expire_all()
    return outcome


def waitlist_order(edition_id) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(Registration.id)
            .where(Registration.edition_id == edition_id, Registration.status == "waitlisted")
            .order_by(Registration.waitlisted_at, Registration.id)
        )
    )


def assert_invariants(edition_id, capacity):
    """The seat invariant, checked against the rows themselves."""
    db.session.expire_all()
    edition = db.session.get(Edition, edition_id)
    rows = db.session.scalars(
        sa.select(Registration).where(Registration.edition_id == edition_id)
    ).all()
    seated = [r for r in rows if r.status == "confirmed" and not r.override]
    waiting = [r for r in rows if r.status == "waitlisted"]
    assert edition.capacity == capacity
    assert len(seated) <= capacity, f"{len(seated)} confirmed for {capacity} seats"
    assert edition.seats_taken == len(seated), (edition.seats_taken, len(seated))
    if waiting:
        assert edition.seats_taken == capacity, "a seat is free while people wait"
    # Everyone promoted from the waiting list had joined it before anyone still waiting.
    promoted = [r for r in seated if r.waitlisted_at is not None]
    if promoted and waiting:
        last_promoted = max((r.waitlisted_at, r.id) for r in promoted)
        first_waiting = min((r.waitlisted_at, r.id) for r in waiting)
        assert last_promoted < first_waiting, "the waiting list was not served in order"


def confirm(registration):
    services.confirm_registration(registration)


def cancel(registration):
    services.cancel_registration(registration)


def unconfirmed(edition, count, prefix):
    return [make_registration(edition, f"{prefix}{n}@example.org")[0].id for n in range(count)]


def run_fifty_confirmations_for_ten_seats(app):
    edition = make_edition(COMING_YEAR, capacity=10)
    ids = unconfirmed(edition, 50, "c")
    outcome = storm(app, [(confirm, registration_id) for registration_id in ids])
    return edition.id, outcome


def test_fifty_threads_confirming_for_ten_seats(concurrent_app):
    edition_id, outcome = run_fifty_confirmations_for_ten_seats(concurrent_app)
    assert outcome.errors == [] and outcome.refused == []
    counts = dict(
        db.session.execute(
            sa.select(Registration.status, sa.func.count()).group_by(Registration.status)
        ).all()
    )
    assert counts == {"confirmed": 10, "waitlisted": 40}
    assert db.session.get(Edition, edition_id).seats_taken == 10
    assert_invariants(edition_id, 10)
    positions = [
        services.waitlist_position(db.session.get(Registration, i))
        for i in waitlist_order(edition_id)
    ]
    assert positions == list(range(1, 41))


def test_the_waiting_list_mails_announce_each_person_their_place_in_line(concurrent_app):
    # Each place is counted while the newcomer holds the edition's lock: every one ahead has
    # committed by then, so the forty mails announce 1..40, each the person's own rank.
    edition_id, outcome = run_fifty_confirmations_for_ten_seats(concurrent_app)
    assert outcome.errors == [] and outcome.refused == []
    announced = dict(
        db.session.execute(
            sa.select(OutgoingMail.data_subject, OutgoingMail.parameters).where(
                OutgoingMail.template == "registration/waitlisted"
            )
        ).all()
    )
    line = waitlist_order(edition_id)
    assert [announced[data_subject(i)]["position"] for i in line] == list(range(1, 41))
    assert len(announced) == 40


def test_the_same_registration_confirmed_by_many_threads_takes_one_seat(concurrent_app):
    edition = make_edition(COMING_YEAR, capacity=10)
    registration, _ = make_registration(edition)
    outcome = storm(concurrent_app, [(confirm, registration.id)] * 30)
    assert outcome.errors == []
    assert len(outcome.refused) == 29
    assert db.session.get(Edition, edition.id).seats_taken == 1
    assert_invariants(edition.id, 10)


def test_confirmations_and_cancellations_mixed_promote_in_order(concurrent_app):
    edition = make_edition(COMING_YEAR, capacity=10)
    seated = unconfirmed(edition, 10, "s")
    waiting = unconfirmed(edition, 20, "w")
    for registration_id in seated + waiting:  # one by one: the waiting list's order is known
        services.confirm_registration(db.session.get(Registration, registration_id))
        db.session.commit()
    newcomers = unconfirmed(edition, 30, "n")
    leaving = seated[:8]
    actions = [(confirm, i) for i in newcomers] + [(cancel, i) for i in leaving]
    outcome = storm(concurrent_app, actions)
    assert outcome.errors == [] and outcome.refused == []

    def status(registration_id):
        return db.session.get(Registration, registration_id).status

    # Eight seats freed, all given to the eight oldest of the waiting list; every newcomer
    # found the edition full and queued behind the twelve still waiting.
    assert [status(i) for i in leaving] == ["cancelled"] * 8
    assert [status(i) for i in seated[8:]] == ["confirmed"] * 2
    assert [status(i) for i in waiting[:8]] == ["confirmed"] * 8
    assert [status(i) for i in waiting[8:]] == ["waitlisted"] * 12
    assert [status(i) for i in newcomers] == ["waitlisted"] * 30
    assert waitlist_order(edition.id)[:12] == waiting[8:]
    assert db.session.get(Edition, edition.id).seats_taken == 10
    assert_invariants(edition.id, 10)


def test_cancellations_beyond_the_waiting_list_leave_seats_to_newcomers(concurrent_app):
    edition = make_edition(COMING_YEAR, capacity=10)
    seated = unconfirmed(edition, 10, "s")
    waiting = unconfirmed(edition, 3, "w")
    for registration_id in seated + waiting:
        services.confirm_registration(db.session.get(Registration, registration_id))
        db.session.commit()
    newcomers = unconfirmed(edition, 40, "n")
    leaving = seated[:8]
    actions = [(confirm, i) for i in newcomers] + [(cancel, i) for i in leaving]
    outcome = storm(concurrent_app, actions)
    assert outcome.errors == [] and outcome.refused == []
    statuses = {i: db.session.get(Registration, i).status for i in seated + waiting + newcomers}
    assert [statuses[i] for i in waiting] == ["confirmed"] * 3  # they were first in line
    newcomers_seated = [i for i in newcomers if statuses[i] == "confirmed"]
    assert len(newcomers_seated) == 5  # 10 seats - 2 who stayed - 3 promoted
    assert sum(statuses[i] == "waitlisted" for i in newcomers) == 35
    assert db.session.get(Edition, edition.id).seats_taken == 10
    assert_invariants(edition.id, 10)


def test_control_a_check_then_act_confirmation_is_caught(concurrent_app, monkeypatch):
    """The same storm against a naive confirmation: the assertions above must fail.

    The naive version reads the seats left, then writes ``seats_taken = what it read + 1``
    (the read and the write in separate transactions, like a form that trusts the count it
    displayed). A barrier makes every thread of a wave read before any of them writes, so the
    race happens on every run, on both back ends: it is not left to luck.
    """
    wave = threading.Barrier(25, timeout=120)  # two waves of the fifty threads

    def naive_confirm(registration, now=None):
        registration_id, edition_id = registration.id, registration.edition_id
        taken, capacity = db.session.execute(
            sa.select(Edition.seats_taken, Edition.capacity).where(Edition.id == edition_id)
        ).one()
        db.session.commit()
        wave.wait()
        registration = db.session.get(Registration, registration_id)
        if taken < capacity:
            db.session.execute(
                sa.update(Edition).where(Edition.id == edition_id).values(seats_taken=taken + 1)
            )
            registration.status = "confirmed"
        else:
            registration.status = "waitlisted"
        db.session.flush()
        return registration

    monkeypatch.setattr(services, "confirm_registration", naive_confirm)
    edition_id, outcome = run_fifty_confirmations_for_ten_seats(concurrent_app)
    assert outcome.errors == []
    confirmed = db.session.scalar(
        sa.select(sa.func.count()).select_from(Registration).filter_by(status="confirmed")
    )
    assert confirmed > 10  # many more confirmed than seats ...
    with pytest.raises(AssertionError, match="confirmed for 10 seats"):
        assert_invariants(edition_id, 10)  # ... and the invariant check says so


def test_the_same_address_submitted_by_many_threads_at_once_registers_once(
    concurrent_app, sent_mail
):
    edition = make_edition(COMING_YEAR, capacity=10)
    edition_id = edition.id
    db.session.commit()
    start = threading.Barrier(30, timeout=120)
    errors = []

    def submit():
        start.wait()
        with concurrent_app.app_context():
            try:
                services.register(
                    db.session.get(Edition, edition_id), registration_details("same@example.org")
                )
                db.session.commit()
            except BaseException as error:
                db.session.rollback()
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []
    rows = db.session.scalars(sa.select(Registration)).all()
    assert len(rows) == 1
    # Every submission e-mailed a link; only the last one written still opens the page.
    links = [mail["context"]["manage_url"] for mail in sent_mail]
    assert len(links) == 30
    opening = [link for link in links if services.find_by_token(link.rsplit("/", 1)[1])]
    assert len(opening) == 1
