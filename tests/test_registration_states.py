"""A hypothesis state machine: any sequence of registering, confirming, cancelling, erasing and
raising the capacity keeps the seat invariant and serves the waiting list in order.

A plain model of the rules (a seat count and a queue) predicts every registration's state;
the real services, on the real database, must agree with it after every step.
"""

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from colloquium.editions import services as editions
from colloquium.editions.models import Edition
from colloquium.errors import DomainError
from colloquium.extensions import db
from colloquium.registration import services
from colloquium.registration.models import Registration
from tests.factories import COMING_YEAR, registration_details

ADDRESSES = [f"person{n}@example.org" for n in range(8)]


class RegistrationRules(RuleBasedStateMachine):
    """Drives the services on one fresh edition per run and checks them against a model."""

    @initialize(capacity=st.integers(min_value=0, max_value=2))
    def open_an_edition(self, capacity):
        db.session.execute(sa.delete(Registration))  # each run starts from an empty database
        db.session.execute(sa.delete(Edition))
        self.edition = editions.create_edition(
            COMING_YEAR, editions.EditionChanges(capacity=capacity)
        )
        db.session.commit()
        self.capacity = capacity
        self.status: dict[int, str] = {}  # registration id -> the state the rules predict
        self.email: dict[int, str] = {}
        self.queue: list[int] = []  # the waiting list, first in line first

    def seated(self) -> int:
        return sum(1 for status in self.status.values() if status == "confirmed")

    def registration(self, index: int) -> Registration:
        ids = sorted(self.status)
        return db.session.get(Registration, ids[index % len(ids)])

    @rule(email=st.sampled_from(ADDRESSES))
    def register(self, email):
        submission = services.register(self.edition, registration_details(email))
        db.session.commit()
        active = [
            i
            for i, status in self.status.items()
            if status != "cancelled" and self.email[i] == email
        ]
        if active:
            assert not submission.created and [submission.registration.id] == active
        else:
            assert submission.created
            self.status[submission.registration.id] = "unconfirmed"
            self.email[submission.registration.id] = email

    def with_status(self, status: str) -> list[int]:
        return sorted(i for i, known in self.status.items() if known == status)

    @precondition(lambda self: self.status)
    @rule(index=st.integers(min_value=0, max_value=9))
    def confirm(self, index):
        self.confirm_registration(self.registration(index))

    @precondition(lambda self: self.with_status("unconfirmed"))
    @rule(index=st.integers(min_value=0, max_value=9))
    def confirm_an_unconfirmed_one(self, index):
        waiting = self.with_status("unconfirmed")
        self.confirm_registration(db.session.get(Registration, waiting[index % len(waiting)]))

    def confirm_registration(self, registration):
        expected = self.status[registration.id]
        try:
            services.confirm_registration(registration)
        except DomainError:
            db.session.rollback()
            assert expected != "unconfirmed"
            return
        db.session.commit()
        assert expected == "unconfirmed"
        if self.seated() < self.capacity:
            self.status[registration.id] = "confirmed"
        else:
            self.status[registration.id] = "waitlisted"
            self.queue.append(registration.id)

    @precondition(lambda self: self.status)
    @rule(index=st.integers(min_value=0, max_value=9), erase=st.booleans())
    def cancel(self, index, erase):
        self.cancel_registration(self.registration(index), erase)

    @precondition(lambda self: self.with_status("confirmed"))
    @rule(index=st.integers(min_value=0, max_value=9), erase=st.booleans())
    def cancel_a_seated_one(self, index, erase):
        seated = self.with_status("confirmed")
        self.cancel_registration(db.session.get(Registration, seated[index % len(seated)]), erase)

    def cancel_registration(self, registration, erase):
        expected = self.status[registration.id]
        try:
            if erase:
                services.erase_registration(registration)
            else:
                services.cancel_registration(registration)
        except DomainError:
            db.session.rollback()
            assert expected == "cancelled" and not erase
            return
        db.session.commit()
        assert expected != "cancelled" or erase
        self.status[registration.id] = "cancelled"
        if expected == "waitlisted":
            self.queue.remove(registration.id)
        if expected == "confirmed":
            self.promote()

    @rule(more=st.integers(min_value=0, max_value=2))
    def raise_capacity(self, more):
        editions.update_edition(
            self.edition, editions.EditionChanges(capacity=self.capacity + more)
        )
        db.session.commit()
        self.capacity += more
        self.promote()

    def promote(self):
        while self.queue and self.seated() < self.capacity:
            self.status[self.queue.pop(0)] = "confirmed"

    @invariant()
    def the_database_agrees_with_the_rules(self):
        if not hasattr(self, "edition"):
            return
        db.session.expire_all()
        rows = db.session.scalars(
            sa.select(Registration).where(Registration.edition_id == self.edition.id)
        ).all()
        assert {r.id: r.status for r in rows} == self.status
        edition = db.session.get(Edition, self.edition.id)
        confirmed = sum(1 for r in rows if r.status == "confirmed" and not r.override)
        assert edition.seats_taken == confirmed <= edition.capacity == self.capacity
        if self.queue:
            assert edition.seats_taken == edition.capacity
        order = [
            r.id
            for r in sorted(
                (r for r in rows if r.status == "waitlisted"), key=lambda r: (r.waitlisted_at, r.id)
            )
        ]
        assert order == self.queue
        for position, registration_id in enumerate(self.queue, start=1):
            assert services.waitlist_position(db.session.get(Registration, registration_id)) == (
                position
            )


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_any_sequence_keeps_the_invariants(app):
    run_state_machine_as_test(
        RegistrationRules,
        settings=settings(
            max_examples=60,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
