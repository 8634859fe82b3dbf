"""Registering, confirming, cancelling, changing and erasing registrations; the waiting list.

Seats: ``Edition.seats_taken`` counts the confirmed registrations that are not organiser
overrides. A seat is taken with one conditional UPDATE (STYLE §7) and the edition's CHECK
constraint refuses anything above the capacity, whatever the interleaving.

Locks are always taken in the same order, so PostgreSQL never deadlocks on them: first the
registration being acted on (its conditional "claim" UPDATE), then the edition row (the seat
UPDATE, or ``_lock_edition``), then the waitlisted registrations being promoted. On SQLite
every write transaction begins IMMEDIATE and so runs alone.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import secrets
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, gettext, pgettext
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import set_committed_value

from colloquium import people
from colloquium.clock import local_today, utcnow
from colloquium.content.tracking import execute_unshown
from colloquium.db import fold, fold_text
from colloquium.editions.models import Edition
from colloquium.editions.services import on_capacity_change
from colloquium.errors import DomainError
from colloquium.extensions import db
from colloquium.privacy.services import retention_step
from colloquium.registration import notifications
from colloquium.registration.models import (
    ACTIVE_STATUSES,
    ATTENDEE_TYPES,
    CANCELLED,
    CONFIRMED,
    LANGUAGES,
    STATUSES,
    UNCONFIRMED,
    WAITLISTED,
    Registration,
)
from colloquium.registration.tokens import hash_token, manage_token, token_of

# No 0/O, 1/I/L: a reference read out at the door or over the phone cannot be misheard.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_LENGTH = 5
UNCONFIRMED_LIFETIME = timedelta(days=7)
# Shown on one line on pages, lists and badges: cleaned of line breaks and bidi overrides.
NAME_FIELDS = ("first_name", "last_name", "organisation")
# The INSERT of each back end, for its ``ON CONFLICT DO NOTHING`` (``_insert_registration``).
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def normalise_email(address: str) -> str:
    """The address as stored and compared (``colloquium.people``: the same as accounts)."""
    return people.normalise_email(address)


@dataclass
class RegistrationDetails:
    """What an attendee tells us about themselves (the form's fields, by their names)."""

    first_name: str
    last_name: str
    email: str
    attendee_type: str
    language: str
    organisation: str = ""
    accessibility_needs: str = ""
    dietary_requirements: str = ""
    consent_privacy: bool = False
    consent_contact: bool = False


@dataclass
class DetailChanges:
    """What an attendee may change later; ``None`` leaves a field as it is."""

    first_name: str | None = None
    last_name: str | None = None
    organisation: str | None = None
    attendee_type: str | None = None
    language: str | None = None
    accessibility_needs: str | None = None
    dietary_requirements: str | None = None
    consent_contact: bool | None = None


@dataclass
class Submission:
    """The outcome of a submitted form. ``created`` is for tests and logs, never for pages."""

    registration: Registration
    created: bool


def register(
    edition: Edition, details: RegistrationDetails, now: datetime | None = None
) -> Submission:
    """Record an unconfirmed registration and e-mail its manage link.

    If the address already holds an active registration for this edition, nothing is
    created: a new manage link is e-mailed to it instead (the old link stops working).
    """
    now = now or utcnow()
    _check_open(edition, now)
    _check_details(details)
    email = people.checked_email(details.email)
    registration, created = _insert_registration(edition, details, email, now)
    if not created:
        return _resend_link(registration)
    notifications.send_manage_link(registration)
    return Submission(registration, created=True)


def resend_link(edition: Edition | None, address: str) -> Submission | None:
    """E-mail a fresh manage link if ``address`` holds an active registration of ``edition``.

    The caller shows the same answer whatever this returns: who registered is not told.
    The new link revokes every earlier one.
    """
    if edition is None or edition.is_past(local_today()):
        return None
    try:
        email = people.checked_email(address)
    except DomainError:
        return None  # the form checked the shape; an address no one can hold has no registration
    existing = _active_registration(edition, email)
    return _resend_link(existing) if existing is not None else None


# Built once: every manage page and action runs it, and a statement made anew each time
# costs more to build than to send (bound parameters; the cache key is kept on the object).
_BY_TOKEN_HASH = sa.select(Registration).where(
    Registration.token_hash == sa.bindparam("token_hash")
)


def find_by_token(token: str) -> Registration | None:
    """The registration this manage token opens, if any."""
    if not token or len(token) > 200:
        return None
    return db.session.scalar(_BY_TOKEN_HASH, {"token_hash": hash_token(token)})


def confirmation_deadline(edition: Edition) -> datetime:
    """Until when an unconfirmed registration may be confirmed (see ``confirm_registration``)."""
    day_begins = datetime.combine(edition.date, time(0, 0), edition.tz)
    closes = edition.registration_closes_at
    return max(day_begins, closes) if closes else day_begins


def can_still_confirm(edition: Edition, now: datetime | None = None) -> bool:
    """True while an unconfirmed registration of ``edition`` may be confirmed."""
    return (now or utcnow()) < confirmation_deadline(edition)


def confirm_registration(registration: Registration, now: datetime | None = None) -> Registration:
    """Confirm the address: take a seat if one is left, else join the waiting list.

    Allowed after the form has closed, until the colloquium's day begins (00:00 in the
    edition's time zone), or until the form closes if organisers keep it open later. Whoever
    registered in time keeps the days after closing to find the e-mail (people confirm late,
    and the seat rule, not the form's dates, is what protects the room); on the day itself
    the door list is settled, and organisers seat latecomers with ``confirm_over_capacity``.
    """
    _check_not_past(registration)
    if not can_still_confirm(registration.edition, now):
        raise DomainError(
            None,
            _l(
                "Confirmations closed when the day of the colloquium began: this registration "
                "can no longer be confirmed."
            ),
        )
    # Claimed as confirmed at once, which saves the seated (the common case while seats
    # are left) a second UPDATE; without a seat, ``_join_waitlist`` sets it right before
    # the commit, so no other transaction ever sees it confirmed without its seat.
    _claim(registration, (UNCONFIRMED,), status=CONFIRMED, confirmed_at=now or utcnow())
    edition = registration.edition
    # The seats read with the registration only pick the first statement: a room seen full
    # is locked at once, without a seat UPDATE bound to find no row. Either way the seat is
    # decided by the conditional UPDATE or under the lock, never by that earlier read.
    seated = edition.seats_taken < edition.capacity and _take_seat(edition)
    if not seated and _lock_edition(edition):
        # Waiting for the lock let a cancellation in flight finish, and it freed a seat:
        # otherwise that seat could stay free behind this newcomer on the waiting list.
        seated = _take_seat(edition)
    if seated:
        notifications.send_confirmed(registration)
    else:
        # The time is read only now, under the edition's lock, so the waiting list's order
        # is the order of arrival in it.
        position = _join_waitlist(registration, now or utcnow())
        notifications.send_waitlisted(registration, position)
    return registration


def confirm_over_capacity(registration: Registration, now: datetime | None = None) -> Registration:
    """An organiser confirms someone (a speaker, a guest) even when every seat is taken.

    A free seat is taken as usual; without one the confirmation is recorded as an override,
    which is not counted in ``seats_taken``.
    """
    now = now or utcnow()
    _check_not_past(registration)
    _claim(registration, (UNCONFIRMED, WAITLISTED))
    registration.override = not _take_seat(registration.edition)
    registration.status = CONFIRMED
    registration.confirmed_at = now
    registration.waitlisted_at = None
    db.session.flush()
    notifications.send_confirmed(registration)
    return registration


def cancel_registration(
    registration: Registration, now: datetime | None = None
) -> list[Registration]:
    """Cancel; a freed seat goes at once to the oldest waitlisted registration.

    Returns the registrations promoted from the waiting list.
    """
    now = now or utcnow()
    _check_not_past(registration)
    previous = _claim(registration, ACTIVE_STATUSES)
    held_seat = previous == CONFIRMED and not registration.override
    registration.status = CANCELLED
    registration.cancelled_at = now
    db.session.flush()
    notifications.send_cancelled(registration)
    if not held_seat:
        return []
    _free_seat(registration.edition)
    return promote_waitlist(registration.edition, now)


@on_capacity_change
def promote_waitlist(edition: Edition, now: datetime | None = None) -> list[Registration]:
    """Give the free seats to the waiting list, first come first served, and tell them.

    Runs after a seat is freed here, and after each change of the edition's capacity.
    """
    now = now or utcnow()
    if edition.is_past(local_today()):
        return []
    _lock_edition(edition)
    promoted: list[Registration] = []
    passed_over: list[int] = []
    while True:
        candidate = db.session.scalar(
            sa.select(Registration)
            .where(
                Registration.edition_id == edition.id,
                Registration.status == WAITLISTED,
                Registration.id.not_in(passed_over),
            )
            .order_by(Registration.waitlisted_at, Registration.id)
            .limit(1)
        )
        if candidate is None:
            break
        try:
            _claim(candidate, (WAITLISTED,))
        except DomainError:
            passed_over.append(candidate.id)  # cancelled meanwhile: the next one in line
            continue
        if not _take_seat(edition):
            break
        candidate.status = CONFIRMED
        candidate.confirmed_at = now
        db.session.flush()
        notifications.send_promoted(candidate)
        promoted.append(candidate)
    return promoted


def update_details(
    registration: Registration, changes: DetailChanges, now: datetime | None = None
) -> Registration:
    """Change one's details; refused once cancelled or after the colloquium."""
    _check_not_past(registration)
    if registration.status == CANCELLED:
        raise DomainError(None, _l("A cancelled registration cannot be changed."))
    values = {f.name: getattr(changes, f.name) for f in fields(changes)}
    values = {name: value for name, value in values.items() if value is not None}
    for name in NAME_FIELDS:
        if name in values:
            values[name] = people.clean_name(values[name])
    for name in ("first_name", "last_name"):
        if name in values and not values[name]:
            raise DomainError(name, _l("This field is required."))
    if "attendee_type" in values and values["attendee_type"] not in ATTENDEE_TYPES:
        raise DomainError("attendee_type", _l("Choose one of the listed kinds of attendee."))
    if "language" in values and values["language"] not in LANGUAGES:
        raise DomainError("language", _l("Choose French or English."))
    for name, value in values.items():
        setattr(registration, name, value.strip() if isinstance(value, str) else value)
    registration.updated_at = now or utcnow()
    db.session.flush()
    return registration


def erase_registration(registration: Registration, now: datetime | None = None) -> None:
    """Erase one's personal data: the registration is cancelled and only counts remain."""
    now = now or utcnow()
    previous = _claim(registration, (*ACTIVE_STATUSES, CANCELLED))
    if previous == CONFIRMED and not registration.override:
        _free_seat(registration.edition)
    registration.status = CANCELLED
    registration.cancelled_at = registration.cancelled_at or now
    registration.erased_at = now
    # Their mail still waiting goes, the mail already sent is blanked; then one last e-mail
    # says it is done, and is blanked in turn once delivered.
    notifications.forget_mail([registration.id])
    if registration.email:  # erased already (by the purge, say): no one left to tell
        notifications.send_erased(registration)
    for name, blank in Registration.PERSONAL_FIELDS.items():
        setattr(registration, name, blank)
    db.session.flush()
    if previous == CONFIRMED and not registration.override:
        promote_waitlist(registration.edition, now)


# What the attendee's own export shows of their details: their personal data and how they
# consented, in the order of the columns (the form's order).
SELF_EXPORT_DETAILS = Registration.exported_fields(
    "attendee_type", "language", "consent_privacy", "privacy_policy_version", "consented_at"
)


def export_registration(registration: Registration) -> dict:
    """Everything we hold about this attendee, as plain JSON-ready values."""

    def moment(value: datetime | None) -> str | None:
        """A date-time as ISO 8601 text; ``None`` stays ``None``."""
        return value.isoformat() if value else None

    def plain(value):
        """A JSON-ready value: date-times as ISO 8601 text, the rest as it is."""
        return moment(value) if isinstance(value, datetime) else value

    edition = registration.edition
    return {
        "reference": registration.reference,
        "edition": {
            "year": edition.year,
            "title": edition.display_title,
            "date": edition.date.isoformat(),
        },
        "status": registration.status,
        "waitlist_position": waitlist_position(registration),
        **{name: plain(getattr(registration, name)) for name in SELF_EXPORT_DETAILS},
        "created_at": moment(registration.created_at),
        "updated_at": moment(registration.updated_at),
        "confirmed_at": moment(registration.confirmed_at),
        "waitlisted_at": moment(registration.waitlisted_at),
        "cancelled_at": moment(registration.cancelled_at),
        "checked_in_at": moment(registration.checked_in_at),
    }


@retention_step(
    "past-editions", "attendees' personal data, RETENTION_DAYS after their edition (counts kept)"
)
def anonymise_past_editions(today: date | None = None, now: datetime | None = None) -> int:
    """Blank the personal data of every registration to an edition long past.

    What is kept (status, kind of attendee, language, arrival) still gives the yearly counts.
    """
    days = int(current_app.config["RETENTION_DAYS"])
    cutoff = (today or local_today()) - timedelta(days=days)
    past_editions = sa.select(Edition.id).where(Edition.date < cutoff)
    due = sa.and_(Registration.erased_at.is_(None), Registration.edition_id.in_(past_editions))
    notifications.forget_mail(db.session.scalars(sa.select(Registration.id).where(due)).all())
    result = db.session.execute(
        sa.update(Registration)
        .where(due)
        .values(
            {
                **Registration.PERSONAL_FIELDS,
                "erased_at": now or utcnow(),
                # Still unique among the edition's active registrations, and no longer anyone's.
                "email": sa.literal("erased-", sa.String) + sa.cast(Registration.id, sa.String),
            }
        )
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()
    return result.rowcount


@retention_step("unconfirmed-registrations", "registrations never confirmed, after 7 days")
def purge_unconfirmed(now: datetime | None = None) -> int:
    """Delete registrations left unconfirmed for more than 7 days; they hold no seat."""
    cutoff = (now or utcnow()) - UNCONFIRMED_LIFETIME
    due = sa.and_(Registration.status == UNCONFIRMED, Registration.created_at < cutoff)
    # Their manage-link e-mails go first: the outbox would otherwise outlive them.
    notifications.forget_mail(db.session.scalars(sa.select(Registration.id).where(due)).all())
    result = db.session.execute(
        sa.delete(Registration).where(due).execution_options(synchronize_session=False)
    )
    db.session.expire_all()
    return result.rowcount


def attendee_with_reference(reference: str) -> sa.Select[tuple[Registration]]:
    """The query for the registration with this reference, unless its data was erased."""
    return sa.select(Registration).where(
        Registration.reference == reference.strip().upper(), Registration.erased_at.is_(None)
    )


def find_by_reference(reference: str) -> Registration | None:
    """The registration with this short reference (what the check-in QR code carries)."""
    return db.session.scalar(
        sa.select(Registration).where(Registration.reference == reference.strip().upper())
    )


def check_in(registration: Registration, now: datetime | None = None) -> Registration:
    """Record that a confirmed attendee has arrived; refused for anyone without a seat."""
    if registration.status != CONFIRMED:
        raise DomainError(None, _l("Only a confirmed registration can be checked in."))
    if registration.checked_in_at is not None:
        raise DomainError(None, _l("This attendee has already been checked in."))
    registration.checked_in_at = now or utcnow()
    db.session.flush()
    return registration


def waitlist_position(registration: Registration) -> int | None:
    """1 for the next in line; ``None`` when not on the waiting list."""
    if registration.status != WAITLISTED:
        return None
    return db.session.scalar(sa.select(_position(registration, registration.waitlisted_at)))


def _position(registration: Registration, waitlisted_at: datetime) -> sa.ColumnElement[int]:
    """The place in line of ``registration`` waitlisted at ``waitlisted_at``, in SQL."""
    return _place_in_line(registration.edition_id, waitlisted_at, registration.id)


def _place_in_line(edition_id, waitlisted_at, registration_id) -> sa.ColumnElement[int]:
    """The place in line of a registration of its edition, its time and id (values or SQL)."""
    ahead = (
        sa.select(sa.func.count())
        .select_from(Registration)
        .where(
            Registration.edition_id == edition_id,
            Registration.status == WAITLISTED,
            sa.or_(
                Registration.waitlisted_at < waitlisted_at,
                sa.and_(
                    Registration.waitlisted_at == waitlisted_at,
                    Registration.id < registration_id,
                ),
            ),
        )
    )
    return ahead.scalar_subquery() + 1


def _check_open(edition: Edition, now: datetime) -> None:
    if edition.is_past(local_today()) or edition.registration_state(now) != "open":
        raise DomainError(None, _l("Registration for this edition is closed."))


def _check_details(details: RegistrationDetails) -> None:
    for name in ("first_name", "last_name", "email"):
        if not people.clean_name(getattr(details, name)):
            raise DomainError(name, _l("This field is required."))
    if details.attendee_type not in ATTENDEE_TYPES:
        raise DomainError("attendee_type", _l("Choose one of the listed kinds of attendee."))
    if details.language not in LANGUAGES:
        raise DomainError("language", _l("Choose French or English."))
    if not details.consent_privacy:
        raise DomainError("consent_privacy", _l("Please accept the privacy notice to register."))


def _check_not_past(registration: Registration) -> None:
    if registration.edition.is_past(local_today()):
        raise DomainError(None, _l("The colloquium has taken place: this can no longer change."))


def _active_registration(edition: Edition, email: str) -> Registration | None:
    return db.session.scalar(
        sa.select(Registration).where(
            Registration.edition_id == edition.id,
            Registration.email == email,
            Registration.status.in_(ACTIVE_STATUSES),
        )
    )


def _resend_link(registration: Registration) -> Submission:
    # A new version revokes every earlier link. One UPDATE, not read-then-write: of two
    # requests at once, the second waits for the first's row lock and takes the next number,
    # so each e-mail carries its own link and only the last one written opens the page.
    version = db.session.execute(
        sa.update(Registration)
        .where(Registration.id == registration.id)
        .values(link_version=Registration.link_version + 1)
        .returning(Registration.link_version)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    set_committed_value(registration, "link_version", version)
    registration.token_hash = hash_token(manage_token(registration))
    db.session.flush()
    notifications.send_manage_link(registration)
    return Submission(registration, created=False)


def _new_registration(
    edition: Edition, details: RegistrationDetails, email: str, now: datetime
) -> dict:
    """The columns of an unconfirmed registration of ``details``, its consent recorded.

    Its reference is drawn now, and so is its first manage link: the token is made of the
    reference and the time (see ``tokens.py``), so the INSERT stores its hash.
    """
    reference = _new_reference(edition)
    return dict(
        edition_id=edition.id,
        reference=reference,
        token_hash=hash_token(token_of(reference, now, 0)),
        link_version=0,
        status=UNCONFIRMED,
        first_name=people.clean_name(details.first_name),
        last_name=people.clean_name(details.last_name),
        email=email,
        organisation=people.clean_name(details.organisation),
        attendee_type=details.attendee_type,
        language=details.language,
        accessibility_needs=details.accessibility_needs.strip(),
        dietary_requirements=details.dietary_requirements.strip(),
        consent_privacy=True,
        privacy_policy_version=current_app.config["PRIVACY_POLICY_VERSION"],
        consented_at=now,
        consent_contact=details.consent_contact,
        created_at=now,
        updated_at=now,
    )


def _insert_registration(
    edition: Edition, details: RegistrationDetails, email: str, now: datetime
) -> tuple[Registration, bool]:
    """Insert a new registration and return it with True, or the address's active one and False.

    The address is not looked up first: one ``INSERT … ON CONFLICT DO NOTHING RETURNING``
    stores a new address's row in one statement, and a row the unique index on active
    addresses refuses comes back as no row, where catching the error would need a savepoint
    around the INSERT (two more round trips each time). Only then is the active registration
    read. Any other refusal (a NOT NULL, a CHECK) still raises.
    """
    dialect = db.session.get_bind().dialect.name
    while True:
        values = _new_registration(edition, details, email, now)
        registration = db.session.scalar(
            _insert_statement(dialect, tuple(values)),
            {f"new_{name}": value for name, value in values.items()},
        )
        if registration is not None:
            return registration, True
        existing = _active_registration(edition, email)
        if existing is not None:
            return existing, False
        # Else the random reference was already drawn (see ``_new_reference``), or the active
        # registration was cancelled meanwhile: draw again.


@functools.cache
def _insert_statement(dialect: str, columns: tuple[str, ...]) -> sa.Select:
    """The INSERT of ``_insert_registration`` for this back end, built once (bound parameters)."""
    table = Registration.__table__
    values = {name: sa.bindparam(f"new_{name}") for name in columns}
    insert = _INSERTS[dialect](table).values(values).on_conflict_do_nothing()
    # A Core INSERT whose row the ORM loads as a SELECT's: the ORM's own INSERT with bound
    # parameters would take its bulk path, which costs twice as much for one row.
    return sa.select(Registration).from_statement(insert.returning(*table.c))


def _new_reference(edition: Edition) -> str:
    """A random reference for a new registration of ``edition``, not checked against others.

    It is not looked up first: with tens of millions of references per edition a clash is
    rare enough that the unique index catches it and the caller draws again, which saves
    every registration a query.
    """
    prefix = f"OCT{edition.year % 100:02d}-"
    suffix = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
    return prefix + suffix


REFUSALS = {
    UNCONFIRMED: _l("This registration is not confirmed yet."),
    CONFIRMED: _l("This registration is already confirmed."),
    WAITLISTED: _l("This registration is already on the waiting list."),
    CANCELLED: _l("This registration has been cancelled."),
}


@functools.cache
def _claim_statement(expected: tuple[str, ...], columns: tuple[str, ...]) -> sa.Update:
    """The claim UPDATE of ``_claim``, built once per kind of claim (bound parameters)."""
    values = {name: sa.bindparam(f"new_{name}") for name in ("updated_at", *columns)}
    return (
        sa.update(Registration)
        .where(Registration.id == sa.bindparam("registration_id"))
        # Not ``in_``: its list is a parameter expanded into the SQL at every execution.
        .where(sa.or_(*(Registration.status == status for status in expected)))
        .values(values)
        .returning(Registration.status)
    )


def _claim(registration: Registration, expected: tuple[str, ...], **changes) -> str:
    """Lock the registration if its status is one of ``expected``; return that status.

    One conditional UPDATE: of two requests acting on the same registration at once, the
    second waits for the first and then sees the status it left, so a transition never
    happens twice. It also sets ``changes``; when they set the status, the one returned is
    the new one.
    """
    statement = _claim_statement(tuple(expected), tuple(changes))
    changes = {"updated_at": utcnow(), **changes}
    parameters = {f"new_{name}": value for name, value in changes.items()}
    status = execute_unshown(
        db.session, statement, {"registration_id": registration.id, **parameters}
    ).scalar()
    if status is None:
        db.session.refresh(registration, ["status"])
        raise DomainError(None, REFUSALS[registration.status])
    for column, value in {"status": status, **changes}.items():
        set_committed_value(registration, column, value)
    return status


_JOIN_WAITLIST = (
    sa.update(Registration)
    .where(Registration.id == sa.bindparam("registration_id"))
    .values(
        status=WAITLISTED,
        waitlisted_at=sa.bindparam("new_waitlisted_at"),
        confirmed_at=None,
        updated_at=sa.bindparam("new_updated_at"),
    )
    .returning(
        _place_in_line(
            sa.bindparam("of_edition"),
            sa.bindparam("new_waitlisted_at"),
            sa.bindparam("registration_id"),
        )
    )
)


def _join_waitlist(registration: Registration, now: datetime) -> int:
    """Put a registration claimed by this transaction on the waiting list; its place in line.

    Run under the edition's lock, as a statement of its own: its snapshot, taken once the
    lock is held, sees every earlier newcomer to the list committed. The place is counted in
    the same UPDATE, by its RETURNING subquery: on PostgreSQL it reads that snapshot, where
    this registration is not on the list yet; were it read updated (SQLite may), its own time
    and id would leave it out of the count all the same. The claim set it confirmed: that is
    undone here.
    """
    parameters = {
        "registration_id": registration.id,
        "of_edition": registration.edition_id,
        "new_waitlisted_at": now,
        "new_updated_at": now,
    }
    position = execute_unshown(db.session, _JOIN_WAITLIST, parameters).scalar_one()
    changes = {"status": WAITLISTED, "waitlisted_at": now, "confirmed_at": None, "updated_at": now}
    for column, value in changes.items():
        set_committed_value(registration, column, value)
    return position


# The edition's seat statements, built once (they run in every confirmation).
_TAKE_SEAT = (
    sa.update(Edition)
    .where(Edition.id == sa.bindparam("edition_id"), Edition.seats_taken < Edition.capacity)
    .values(seats_taken=Edition.seats_taken + 1)
    .returning(Edition.seats_taken)
)
_FREE_SEAT = (
    sa.update(Edition)
    .where(Edition.id == sa.bindparam("edition_id"))
    .values(seats_taken=Edition.seats_taken - 1)
    .returning(Edition.seats_taken)
)
_LOCK_EDITION = (
    sa.select(Edition.seats_taken, Edition.capacity)
    .where(Edition.id == sa.bindparam("edition_id"))
    .with_for_update(key_share=True)
)


def _take_seat(edition: Edition) -> bool:
    """Take one seat if one is left: one conditional UPDATE, no read-then-write."""
    taken = execute_unshown(db.session, _TAKE_SEAT, {"edition_id": edition.id}).scalar()
    if taken is None:
        return False
    set_committed_value(edition, "seats_taken", taken)
    return True


def _free_seat(edition: Edition) -> None:
    taken = execute_unshown(db.session, _FREE_SEAT, {"edition_id": edition.id}).scalar_one()
    set_committed_value(edition, "seats_taken", taken)


def _lock_edition(edition: Edition) -> bool:
    """Hold the edition row until commit; return whether a seat is left in it.

    (PostgreSQL; SQLite write transactions run alone.) FOR NO KEY UPDATE is the lock an
    UPDATE of the row takes: a transaction that already updated the row holds it, so it
    never has to upgrade its lock behind a waiting request (an upgrade to FOR UPDATE there is
    a deadlock). The row is read once locked, so in its last committed version, and nobody
    can change it until this transaction ends: a full room stays full, and joining the
    waiting list needs no second seat UPDATE to find that out.
    """
    parameters = {"edition_id": edition.id}
    taken, capacity = execute_unshown(db.session, _LOCK_EDITION, parameters).one()
    set_committed_value(edition, "seats_taken", taken)
    return taken < capacity


# --- The organisers' list and export -------------------------------------------------------

ATTENDEE_TYPE_LABELS = {
    "member_association": _l("Member association of the cooperative"),
    "ngo": _l("Other association or NGO"),
    "public_authority": _l("Public authority or elected official"),
    "research": _l("Research or teaching"),
    "press": _l("Press"),
    "individual": _l("Individual"),
    "other": _l("Other"),
}
LANGUAGE_LABELS = {"fr": _l("French"), "en": _l("English")}
# What the list's "needs" filter offers: registrations that told us of such a need.
NEEDS = {
    "accessibility": Registration.accessibility_needs,
    "dietary": Registration.dietary_requirements,
}
NEEDS_LABELS = {
    "accessibility": _l("Has accessibility needs"),
    "dietary": _l("Has dietary requirements"),
}
# The list's orders; "oldest" (order of arrival) is the default, and for the waiting list
# alone it is the serving order.
SORTS = ("oldest", "newest", "name", "organisation", "status")
DEFAULT_SORT = "oldest"
SORT_LABELS = {
    "oldest": _l("Registration date, oldest first"),
    "newest": _l("Registration date, newest first"),
    "name": _l("Last name"),
    "organisation": _l("Organisation"),
    "status": _l("Status"),
}
# A search is cut into at most this many words, each of them found in some field.
SEARCH_WORDS = 6


def status_labels() -> dict[str, str]:
    """The status of one registration, in the singular, in the current language."""
    return {
        CONFIRMED: pgettext("one registration", "Confirmed"),
        WAITLISTED: pgettext("one registration", "On the waiting list"),
        UNCONFIRMED: pgettext("one registration", "Not confirmed"),
        CANCELLED: pgettext("one registration", "Cancelled"),
    }


@dataclass(frozen=True)
class RegistrationSelection:
    """What the organisers' list and export select: a search text, filters and an order."""

    search: str = ""
    status: str = ""
    attendee_type: str = ""
    language: str = ""
    needs: str = ""
    sort: str = DEFAULT_SORT

    @property
    def filtered(self) -> bool:
        """Whether anything narrows the selection (the order does not)."""
        return bool(self.search or self.status or self.attendee_type or self.language or self.needs)

    def audit_details(self) -> dict:
        """The filters for the audit log; only *whether* a search was made, never its text.

        The text typed is often an attendee's name or address, which the log never holds.
        """
        details: dict = {"search": True} if self.search else {}
        for key, value in (
            ("status", self.status),
            ("type", self.attendee_type),
            ("language", self.language),
            ("needs", self.needs),
        ):
            if value:
                details[key] = value
        return details


def select_registrations(
    search: str = "",
    status: str = "",
    attendee_type: str = "",
    language: str = "",
    needs: str = "",
    sort: str = "",
) -> RegistrationSelection:
    """The selection asked for, each value not offered replaced by its default (never an error)."""

    def known(value, allowed) -> str:
        return value if isinstance(value, str) and value in allowed else ""

    search = search if isinstance(search, str) else ""
    return RegistrationSelection(
        search=" ".join(search.split())[:100],
        status=known(status, STATUSES),
        attendee_type=known(attendee_type, ATTENDEE_TYPES),
        language=known(language, LANGUAGES),
        needs=known(needs, NEEDS),
        sort=known(sort, SORTS) or DEFAULT_SORT,
    )


# The organisers' CSV: the personal data, what the counts are made of, and the arrival.
EXPORT_COLUMNS = (
    "reference",
    "status",
    "override",
    *Registration.exported_fields("attendee_type", "language"),
    "created_at",
    "confirmed_at",
    "checked_in_at",
)
EXPORT_COLUMN_LABELS = {
    "reference": _l("Reference"),
    "status": _l("Status"),
    "override": _l("Confirmed over capacity"),
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "email": _l("E-mail address"),
    "organisation": _l("Organisation"),
    "attendee_type": _l("Attendee"),
    "language": _l("Language"),
    "accessibility_needs": _l("Accessibility needs"),
    "dietary_requirements": _l("Dietary requirements"),
    "consent_contact": _l("Agrees to hear about next year"),
    "created_at": _l("Registered at"),
    "confirmed_at": _l("Confirmed at"),
    "checked_in_at": _l("Checked in at"),
}
# Ticked in the export form until the organiser chooses otherwise: who, and in what state.
DEFAULT_EXPORT_COLUMNS = (
    "reference",
    "status",
    "first_name",
    "last_name",
    "email",
    "organisation",
    "attendee_type",
    "language",
)


@dataclass(frozen=True)
class RegistrationCounts:
    """An edition's registrations counted by status; erased ones are counted too."""

    confirmed: int = 0
    waitlisted: int = 0
    unconfirmed: int = 0
    cancelled: int = 0
    checked_in: int = 0
    erased: int = 0


def registration_counts(edition: Edition) -> RegistrationCounts:
    """How many registrations ``edition`` has in each status, checked in and erased (one query)."""
    rows = db.session.execute(
        sa.select(
            Registration.status,
            sa.func.count(),
            sa.func.count(Registration.checked_in_at),
            sa.func.count(Registration.erased_at),
        )
        .where(Registration.edition_id == edition.id)
        .group_by(Registration.status)
    )
    by_status = {status: 0 for status in STATUSES}
    checked_in = erased = 0
    for status, count, arrived, gone in rows:
        by_status[status] = count
        checked_in += arrived
        erased += gone
    return RegistrationCounts(**by_status, checked_in=checked_in, erased=erased)


def _selected(edition: Edition, selection: RegistrationSelection) -> sa.Select:
    """The query of ``edition``'s registrations with personal data that ``selection`` picks."""
    query = sa.select(Registration).where(
        Registration.edition_id == edition.id, Registration.erased_at.is_(None)
    )
    # Folded on both sides: "helene", "HÉLÈNE" and "Hélène" all find "Hélène". Each word is
    # found in some field, so "Hélène Dupont" and "Dupont Hélène" find the same person.
    for word in fold_text(selection.search).split()[:SEARCH_WORDS]:
        query = query.where(
            sa.or_(
                *(
                    fold(column).contains(word, autoescape=True)
                    for column in (
                        Registration.first_name,
                        Registration.last_name,
                        Registration.email,
                        Registration.organisation,
                        Registration.reference,
                    )
                )
            )
        )
    if selection.status:
        query = query.where(Registration.status == selection.status)
    if selection.attendee_type:
        query = query.where(Registration.attendee_type == selection.attendee_type)
    if selection.language:
        query = query.where(Registration.language == selection.language)
    if selection.needs:
        query = query.where(NEEDS[selection.needs] != "")
    return query.order_by(*_order(selection))


def _order(selection: RegistrationSelection) -> tuple:
    """The ORDER BY of ``selection``'s sort; the id last, so that pages never overlap."""
    by_name = (
        fold(Registration.last_name),
        fold(Registration.first_name),
        Registration.last_name,
        Registration.first_name,
    )
    if selection.sort == "newest":
        return (Registration.created_at.desc(), Registration.id.desc())
    if selection.sort == "name":
        return (*by_name, Registration.id)
    if selection.sort == "organisation":
        # Those who came with no organisation after those who named one.
        return (
            (Registration.organisation == "").asc(),
            fold(Registration.organisation),
            Registration.organisation,
            *by_name,
            Registration.id,
        )
    if selection.sort == "status":
        rank = sa.case(
            {CONFIRMED: 0, WAITLISTED: 1, UNCONFIRMED: 2, CANCELLED: 3},
            value=Registration.status,
        )
        # Within each status, the waiting list in its serving order, the others by arrival
        # (a CASE, not the nullable column: SQLite and PostgreSQL put NULLs at opposite ends).
        moment = sa.case(
            (Registration.status == WAITLISTED, Registration.waitlisted_at),
            else_=Registration.created_at,
        )
        return (rank, moment, Registration.id)
    if selection.status == WAITLISTED:
        return (Registration.waitlisted_at, Registration.id)
    return (Registration.created_at, Registration.id)


def list_registrations(
    edition: Edition,
    selection: RegistrationSelection | None = None,
    page: int = 1,
    per_page: int = 100,
) -> Pagination:
    """One page of ``edition``'s registrations with personal data that ``selection`` picks."""
    query = _selected(edition, selection or RegistrationSelection())
    return db.paginate(query, page=page, per_page=per_page, max_per_page=500, error_out=False)


def waitlist_positions(edition: Edition, registrations: list[Registration]) -> dict[int, int]:
    """The place in line (1 for the next) of the waitlisted among ``registrations`` (one query)."""
    ids = [registration.id for registration in registrations if registration.status == WAITLISTED]
    if not ids:
        return {}
    line = (
        sa.select(
            Registration.id.label("id"),
            sa.func.row_number()
            .over(order_by=(Registration.waitlisted_at, Registration.id))
            .label("position"),
        )
        .where(Registration.edition_id == edition.id, Registration.status == WAITLISTED)
        .subquery()
    )
    rows = db.session.execute(sa.select(line.c.id, line.c.position).where(line.c.id.in_(ids)))
    return {registration_id: position for registration_id, position in rows}


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The CSV is read by the cooperative's spreadsheets, set up in French: Excel in a French
# locale splits lines on ";" (the comma is its decimal separator) and opens a comma file as
# one column, and it reads UTF-8 only after a byte-order mark (without one, "Hélène" comes
# out garbled). LibreOffice and Google Sheets detect ";" as well. So ";" and the BOM in both
# languages: the interface's language is the organiser's, not their spreadsheet's locale.
CSV_SEPARATOR = ";"
# Local times as the organisers write them: day first in French, ISO order in English.
CSV_TIME_FORMATS = {"fr": "%d/%m/%Y %H:%M", "en": "%Y-%m-%d %H:%M"}


def _spreadsheet_safe(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def export_registrations_csv(
    edition: Edition,
    selection: RegistrationSelection | None = None,
    columns: tuple[str, ...] | list[str] = EXPORT_COLUMNS,
    language: str = "en",
) -> tuple[str, int]:
    """What ``selection`` picks of ``edition``, every page, as CSV text (BOM first) and its count.

    Only the ``columns`` among ``EXPORT_COLUMNS`` (in that order); headers and values in
    ``language``, times in the edition's local time.
    """
    columns = [name for name in EXPORT_COLUMNS if name in columns]
    selection = selection or RegistrationSelection()
    time_format = CSV_TIME_FORMATS.get(language, CSV_TIME_FORMATS["en"])
    with force_locale(language):
        statuses = status_labels()
        yes, no = gettext("Yes"), gettext("No")

        def shown(name: str, value) -> str:
            """A cell as the organiser reads it: labels, not codes; local times."""
            if value is None:
                return ""
            if isinstance(value, bool):
                return yes if value else no
            if isinstance(value, datetime):
                return value.astimezone(edition.tz).strftime(time_format)
            if name == "status":
                return statuses[value]
            if name == "attendee_type":
                return str(ATTENDEE_TYPE_LABELS.get(value, value))
            if name == "language":
                return str(LANGUAGE_LABELS.get(value, value))
            return value

        query = _selected(edition, selection).with_only_columns(
            *(getattr(Registration, name) for name in columns)
        )
        rows = db.session.execute(query).all()
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(
            buffer, delimiter=CSV_SEPARATOR, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n"
        )
        writer.writerow([_spreadsheet_safe(EXPORT_COLUMN_LABELS[name]) for name in columns])
        for row in rows:
            writer.writerow(
                [
                    _spreadsheet_safe(shown(name, value))
                    for name, value in zip(columns, row, strict=True)
                ]
            )
    return buffer.getvalue(), len(rows)


# The chart of registrations per day shows at most this many days (the most recent ones).
OVERVIEW_DAYS = 92


@dataclass(frozen=True)
class EditionOverview:
    """What the dashboard shows of an edition's registrations, beyond the counts by status."""

    per_day: list[tuple[date, int]]  # every day from the first registration, zeros included
    by_type: dict[str, int]
    by_language: dict[str, int]
    accessibility_needs: list[tuple[str, str]]  # (name, need) of the confirmed attendees
    dietary_requirements: list[tuple[str, int]]  # (need, how many), no names: the caterer's


def edition_overview(edition: Edition) -> EditionOverview:
    """Registrations per day (Paris dates), by type and language, and the needs (one query).

    Types and languages count the registrations not cancelled; the needs are the confirmed
    attendees', who hold a seat; erased registrations count by day only.
    """
    rows = db.session.execute(
        sa.select(
            Registration.created_at,
            Registration.status,
            Registration.attendee_type,
            Registration.language,
            Registration.first_name,
            Registration.last_name,
            Registration.accessibility_needs,
            Registration.dietary_requirements,
        )
        .where(Registration.edition_id == edition.id)
        .order_by(Registration.created_at, Registration.id)
    ).all()
    days: dict[date, int] = {}
    by_type = {kind: 0 for kind in ATTENDEE_TYPES}
    by_language = {language: 0 for language in LANGUAGES}
    accessibility: list[tuple[str, str]] = []
    dietary: dict[str, int] = {}
    for created, status, kind, language, first, last, access, diet in rows:
        day = created.astimezone(edition.tz).date()
        days[day] = days.get(day, 0) + 1
        if status == CANCELLED:
            continue
        by_type[kind] += 1
        by_language[language] += 1
        if status != CONFIRMED:
            continue
        if access.strip():
            accessibility.append((f"{first} {last}".strip(), access.strip()))
        if diet.strip():
            # "Végétarien" and "végétarien " are one line for the caterer.
            need = " ".join(diet.split())
            key = next((known for known in dietary if known.lower() == need.lower()), need)
            dietary[key] = dietary.get(key, 0) + 1
    per_day: list[tuple[date, int]] = []
    if days:
        first_day = max(min(days), max(days) - timedelta(days=OVERVIEW_DAYS - 1))
        span = (max(days) - first_day).days + 1
        per_day = [
            (first_day + timedelta(days=n), days.get(first_day + timedelta(days=n), 0))
            for n in range(span)
        ]
    return EditionOverview(
        per_day=per_day,
        by_type=by_type,
        by_language=by_language,
        accessibility_needs=accessibility,
        dietary_requirements=sorted(dietary.items(), key=lambda item: (-item[1], item[0])),
    )


# --- One registration in the back office: its history and the organisers' actions ----------

# What an organiser may do to one registration, in the order the page offers them.
CANCEL = "cancel"
RESEND_LINK = "resend_link"
CONFIRM_OVERRIDE = "confirm_override"
CONFIRM_VOUCHED = "confirm_vouched"
UNDO_CHECK_IN = "undo_check_in"
ORGANISER_ACTIONS = (CONFIRM_VOUCHED, CONFIRM_OVERRIDE, RESEND_LINK, UNDO_CHECK_IN, CANCEL)


@dataclass(frozen=True)
class HistoryEvent:
    """One change of a registration's state, as its timestamps tell it."""

    at: datetime
    event: str  # registered, waitlisted, confirmed, promoted, confirmed_override, ...


class AlreadyRegistered(DomainError):
    """The address already holds an active registration of the edition (its reference, to link)."""

    def __init__(self, reference: str):
        super().__init__("email", _l("This address already holds a registration for this edition."))
        self.reference = reference


def registration_of_edition(year: int, reference: str) -> sa.Select[tuple[Registration]]:
    """The query for the registration with ``reference`` in the edition of ``year``, erased too."""
    return (
        sa.select(Registration)
        .join(Registration.edition)
        .where(Edition.year == year, Registration.reference == reference.strip().upper())
    )


def registration_history(registration: Registration) -> list[HistoryEvent]:
    """The changes of state the registration's timestamps record, the oldest first.

    A confirmation after a time on the waiting list is a promotion. An undone check-in
    leaves no time behind: the audit log keeps it.
    """
    events = [HistoryEvent(registration.created_at, "registered")]
    if registration.waitlisted_at is not None:
        events.append(HistoryEvent(registration.waitlisted_at, "waitlisted"))
    if registration.confirmed_at is not None:
        if registration.override:
            event = "confirmed_override"
        elif registration.waitlisted_at is not None:
            event = "promoted"
        else:
            event = "confirmed"
        events.append(HistoryEvent(registration.confirmed_at, event))
    if registration.checked_in_at is not None:
        events.append(HistoryEvent(registration.checked_in_at, "checked_in"))
    if registration.cancelled_at is not None:
        events.append(HistoryEvent(registration.cancelled_at, "cancelled"))
    if registration.erased_at is not None:
        events.append(HistoryEvent(registration.erased_at, "erased"))
    # A stable sort: events recorded at the same moment keep the order above.
    return sorted(events, key=lambda event: event.at)


def organiser_actions(registration: Registration, now: datetime | None = None) -> tuple[str, ...]:
    """The actions that fit the registration's state, in the order a page offers them."""
    if registration.erased_at is not None:
        return ()
    status = registration.status
    ongoing = not registration.edition.is_past(local_today())
    fits = {
        CONFIRM_VOUCHED: ongoing
        and status == UNCONFIRMED
        and can_still_confirm(registration.edition, now),
        CONFIRM_OVERRIDE: ongoing and status in (UNCONFIRMED, WAITLISTED),
        RESEND_LINK: ongoing and status in ACTIVE_STATUSES,
        UNDO_CHECK_IN: registration.checked_in_at is not None,
        CANCEL: ongoing and status in ACTIVE_STATUSES,
    }
    return tuple(action for action in ORGANISER_ACTIONS if fits[action])


def send_new_link(registration: Registration) -> Registration:
    """E-mail the attendee a fresh manage link at an organiser's request (revokes the old one)."""
    _check_not_past(registration)
    _check_not_erased(registration)
    if registration.status not in ACTIVE_STATUSES:
        raise DomainError(None, REFUSALS[registration.status])
    return _resend_link(registration).registration


def undo_check_in(registration: Registration) -> Registration:
    """Take back a check-in recorded by mistake: the attendee has not arrived after all."""
    _check_not_erased(registration)
    undone = db.session.execute(
        sa.update(Registration)
        .where(Registration.id == registration.id, Registration.checked_in_at.is_not(None))
        .values(checked_in_at=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(registration, ["checked_in_at", "updated_at"])
    if not undone:
        raise DomainError(None, _l("This attendee is not checked in."))
    return registration


def add_registration(
    edition: Edition,
    details: RegistrationDetails,
    override: bool = False,
    now: datetime | None = None,
) -> Registration:
    """An organiser registers someone (a guest, a walk-in): confirmed at once, and told.

    Open or closed form alike, until the colloquium's day is over. A free seat is taken as
    usual; without one the registration is confirmed over capacity only when ``override``
    says so. The organiser vouches for the address and for the person's consent.
    """
    now = now or utcnow()
    if edition.is_past(local_today()):
        raise DomainError(None, _l("The colloquium has taken place: this can no longer change."))
    _check_details(details)
    email = people.checked_email(details.email)
    registration, created = _insert_registration(edition, details, email, now)
    if not created:
        raise AlreadyRegistered(registration.reference)
    seated = _take_seat(edition)
    if not seated and _lock_edition(edition):
        seated = _take_seat(edition)  # a seat freed meanwhile (see ``confirm_registration``)
    if not seated and not override:
        raise DomainError(
            "override",
            _l("Every seat is taken: tick this box to confirm this person over capacity."),
        )
    registration.override = not seated
    registration.status = CONFIRMED
    registration.confirmed_at = now
    db.session.flush()
    notifications.send_confirmed(registration)
    return registration


def _check_not_erased(registration: Registration) -> None:
    if registration.erased_at is not None:
        raise DomainError(None, _l("This registration's personal data has been erased."))


# --- Check-in at the door and badges -------------------------------------------------------

# How many registrations a name search at the door lists; more means "type more of the name".
DOOR_MATCHES = 50
# What the door's search looks through, besides the reference.
DOOR_SEARCHED = ("first_name", "last_name", "email", "organisation")
# A reference as printed under the QR code: "OCT27-7K4QX".
REFERENCE_SHAPE = re.compile(rf"OCT\d{{2}}-[{REFERENCE_ALPHABET}]{{{REFERENCE_LENGTH}}}")


@dataclass(frozen=True)
class DoorCount:
    """The door's live figure: how many of the confirmed attendees have arrived."""

    checked_in: int
    confirmed: int


@dataclass(frozen=True)
class DoorMatches:
    """The registrations a search at the door found, and whether there were more."""

    registrations: list[Registration]
    more: bool


def reference_from_search(text: str) -> str:
    """The reference in what was typed or scanned: a reference, or the QR code's check-in URL.

    The QR code carries ``…/admin/check-in/<reference>`` (``documents.check_in_url``): a
    scanner that types what it reads into the search box gives that whole address.
    """
    text = text.strip()
    if "/" in text:
        path = text.split("?", 1)[0].split("#", 1)[0].rstrip("/")
        text = path.rsplit("/", 1)[-1]
    return text.strip().upper()


def looks_like_reference(text: str) -> bool:
    """True when ``text`` is shaped like a reference (``OCT27-7K4QX``) or a check-in URL."""
    return "/check-in/" in text or bool(REFERENCE_SHAPE.fullmatch(text.strip().upper()))


def door_count(edition: Edition) -> DoorCount:
    """How many confirmed attendees of ``edition`` are checked in, of how many (one query)."""
    checked_in, confirmed = db.session.execute(
        sa.select(sa.func.count(Registration.checked_in_at), sa.func.count()).where(
            Registration.edition_id == edition.id,
            Registration.status == CONFIRMED,
            Registration.erased_at.is_(None),
        )
    ).one()
    return DoorCount(checked_in=checked_in, confirmed=confirmed)


def _matching_words(text: str, columns) -> list:
    """One condition per word of ``text``: each word is in one of ``columns``, folded."""
    words = (fold_text(text) or "").split()
    return [
        sa.or_(*(fold(column).contains(word, autoescape=True) for column in columns))
        for word in words
    ]


def _french_order(query: sa.Select) -> sa.Select:
    return query.order_by(
        fold(Registration.last_name),
        fold(Registration.first_name),
        Registration.last_name,
        Registration.first_name,
        Registration.id,
    )


def search_at_the_door(edition: Edition, text: str, limit: int | None = None) -> DoorMatches:
    """``edition``'s registrations whose name, e-mail or organisation holds every typed word.

    Blind to case and accents ("helene" finds "Hélène"); every status is listed, so the
    door sees who is cancelled or waiting; sorted by last name the French way (one query).
    """
    conditions = _matching_words(
        text[:200], [getattr(Registration, name) for name in DOOR_SEARCHED]
    )
    if not conditions:
        return DoorMatches(registrations=[], more=False)
    limit = limit or DOOR_MATCHES
    found = db.session.scalars(
        _french_order(
            sa.select(Registration).where(
                Registration.edition_id == edition.id,
                Registration.erased_at.is_(None),
                *conditions,
            )
        ).limit(limit + 1)
    ).all()
    return DoorMatches(registrations=list(found[:limit]), more=len(found) > limit)


def badges(
    edition: Edition, attendee_type: str | None = None, text: str = ""
) -> list[Registration]:
    """The confirmed attendees of ``edition`` to print a badge for, by last name (one query).

    ``attendee_type`` keeps one kind of attendee; ``text`` keeps the names holding every
    typed word, blind to case and accents.
    """
    query = sa.select(Registration).where(
        Registration.edition_id == edition.id,
        Registration.status == CONFIRMED,
        Registration.erased_at.is_(None),
        *_matching_words(text[:200], (Registration.first_name, Registration.last_name)),
    )
    if attendee_type in ATTENDEE_TYPES:
        query = query.where(Registration.attendee_type == attendee_type)
    return list(db.session.scalars(_french_order(query)))
