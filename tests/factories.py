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
