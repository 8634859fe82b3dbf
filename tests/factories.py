"""Small factories for tests: build just what a test needs, with sensible defaults."""

from datetime import date

from colloquium.editions import services as editions
from colloquium.extensions import db


def make_edition(year: int = 2030, capacity: int = 100, **changes):
    """A committed edition of ``year``."""
    edition = editions.create_edition(year, editions.EditionChanges(capacity=capacity, **changes))
    db.session.commit()
    return edition


def day(text: str) -> date:
    return date.fromisoformat(text)


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
    """A committed registration and a manage token that opens it: ``(registration, token)``."""
    import secrets

    from colloquium.registration import services as registrations

    registration = registrations.register(edition, registration_details(email, **values))
    registration = registration.registration
    token = secrets.token_urlsafe(32)
    registration.token_hash = registrations.hash_token(token)
    db.session.flush()
    if confirm:
        registrations.confirm_registration(registration)
    db.session.commit()
    return registration, token
