"""Small factories for tests: build just what a test needs, with sensible defaults."""

import functools
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


# -- Accounts and member associations -------------------------------------------------------

DEFAULT_PASSWORD = "correct horse battery staple"


@functools.cache
def _password_hash(password: str) -> str:
    # scrypt is slow by design: hash each test password once per test run.
    from colloquium.accounts.passwords import hash_password

    return hash_password(password)


def make_association(slug: str = "aide-et-refuge", name: str | None = None, **fields):
    """A committed member association."""
    from colloquium.associations.models import Association, AssociationArea

    areas = fields.pop("areas", ["victim_support"])
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
