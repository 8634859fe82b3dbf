"""Small factories for tests: build just what a test needs, with sensible defaults."""

import functools
from datetime import date

from colloquium.clock import local_today
from colloquium.editions import services as editions
from colloquium.extensions import db


def coming_year(today: date | None = None) -> int:
    """The year of the next colloquium (17 October) still taking registrations for a day.

    This year until 15 October (Paris time), next year from 16 October on.
    """
    today = today or local_today()
    return today.year if today < date(today.year, 10, 16) else today.year + 1


# Read once, as the tests are collected (after conftest.py has moved the clock, when asked
# to): the suite never names a year, so it passes whatever the date it runs on.
COMING_YEAR = coming_year()
NEXT_YEAR = COMING_YEAR + 1
PAST_YEAR = COMING_YEAR - 2  # two years back: over even on 16 and 17 October
FAR_YEAR = COMING_YEAR + 70  # far ahead, past 2038 (where time zone data may stop)


def make_edition(year: int = COMING_YEAR, capacity: int = 100, **changes):
    """A committed edition of ``year``; ``title=`` and ``theme=`` are the French texts."""
    for text in ("title", "theme"):
        if text in changes:
            changes[f"{text}_fr"] = changes.pop(text)
    edition = editions.create_edition(year, editions.EditionChanges(capacity=capacity, **changes))
    db.session.commit()
    return edition


def at(edition, hour_minute: str, days: int = 0):
    """An aware datetime at ``"HH:MM"`` local time on the edition's day (plus ``days``)."""
    from datetime import datetime, time, timedelta

    hour, minute = (int(part) for part in hour_minute.split(":"))
    return datetime.combine(edition.date + timedelta(days=days), time(hour, minute), edition.tz)


def _programme_french(values: dict, fields: tuple[str, ...]) -> dict:
    """``field=`` given as a simple keyword is the French text (``field_fr``)."""
    return {f"{name}_fr" if name in fields else name: value for name, value in values.items()}


def make_room(edition, name: str = "Grand amphithéâtre", seats: int | None = 200, **values):
    """A flushed room of ``edition``."""
    from colloquium.programme import services as programme

    values = _programme_french(values, ("access_notes",))
    return programme.create_room(edition, programme.RoomData(name=name, seats=seats, **values))


def make_speaker(edition, name: str = "Camille Martin", **values):
    """A flushed speaker of ``edition``."""
    from colloquium.programme import services as programme

    values = _programme_french(values, ("title", "affiliation", "bio"))
    return programme.create_speaker(edition, programme.SpeakerData(name=name, **values))


def make_session(
    edition,
    title: str = "Table ronde",
    starts: str = "09:00",
    ends: str = "10:00",
    room=None,
    speakers=(),
    kind: str = "round_table",
    **values,
):
    """A flushed session of ``edition`` from local times; ``speakers`` are (speaker, role).

    ``title`` is the French title (``title_en=`` adds the English one, ``title=""`` with
    ``title_en=`` leaves only English); ``summary=`` and ``description=`` are French too.
    """
    from colloquium.programme import services as programme

    values = _programme_french(values, ("summary", "description"))
    entries = [
        programme.SpeakerEntry(speaker.id, role)
        for speaker, role in (s if isinstance(s, tuple) else (s, "speaker") for s in speakers)
    ]
    return programme.create_session(
        edition,
        programme.SessionData(
            title_fr=title,
            kind=kind,
            starts_at=at(edition, starts),
            ends_at=at(edition, ends),
            room_id=room.id if room is not None else None,
            speakers=entries,
            **values,
        ),
    )


# -- Accounts and member associations -------------------------------------------------------

DEFAULT_PASSWORD = "correct horse battery staple"


@functools.cache
def _password_hash(password: str) -> str:
    # scrypt is slow by design: hash each test password once per test run.
    from colloquium.accounts.passwords import hash_password

    return hash_password(password)


def make_association(slug: str = "aide-et-refuge", name: str | None = None, **fields):
    """A committed member association; ``summary``/``description`` give the French texts."""
    from colloquium.associations.models import Association, AssociationArea

    areas = fields.pop("areas", ["victim_support"])
    for text in ("summary", "description"):
        if text in fields:
            fields[f"{text}_fr"] = fields.pop(text)
    association = Association(
        slug=slug,
        name=name or slug.replace("-", " ").title(),
        city=fields.pop("city", "Lyon"),
        **fields,
    )
    association.area_links = [AssociationArea(area=area) for area in areas]
    db.session.add(association)
    db.session.commit()
    return association


def make_user(
    email: str = "someone@example.org",
    role: str = "editor",
    association=None,
    password: str | None = DEFAULT_PASSWORD,
    **fields,
):
    """A committed account (an editor needs ``association``)."""
    from colloquium.accounts.models import User

    user = User(
        email=email,
        role=role,
        association=association,
        password_hash=_password_hash(password) if password else None,
        **fields,
    )
    db.session.add(user)
    db.session.commit()
    return user


def registration_details(email: str = "ada@example.org", **values):
    """The details of a valid registration form, for services."""
    from colloquium.registration.services import RegistrationDetails

    fields = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": email,
        "attendee_type": "ngo",
        "language": "fr",
        "consent_privacy": True,
    }
    fields.update(values)
    return RegistrationDetails(**fields)


def make_registration(edition, email: str = "ada@example.org", confirm: bool = False, **values):
    """A committed registration and the manage token that opens it: ``(registration, token)``."""
    from colloquium.registration import services as registrations
    from colloquium.registration.tokens import manage_token

    registration = registrations.register(edition, registration_details(email, **values))
    registration = registration.registration
    token = manage_token(registration)
    if confirm:
        registrations.confirm_registration(registration)
    db.session.commit()
    return registration, token
