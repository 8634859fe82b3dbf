"""Creating, changing and finding editions."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from colloquium.clock import local_today, utcnow
from colloquium.editions.models import Edition
from colloquium.errors import DomainError
from colloquium.extensions import db

DEFAULT_TIMEZONE = "Europe/Paris"
EUROPEAN_ANTI_TRAFFICKING_DAY = (10, 17)
MIN_YEAR, MAX_YEAR = 2008, 2200
# The biggest conference centres in Paris seat a few thousand: more is a typo, and stays far
# below the 32-bit column whatever the waiting list adds.
MAX_CAPACITY = 100_000
# The lengths of the columns (PostgreSQL refuses more with an error, SQLite silently keeps
# it), and a theme that still reads as one.
TEXT_LIMITS = {
    "title_fr": (200, _l("The title can have at most %(max)d characters.")),
    "title_en": (200, _l("The title can have at most %(max)d characters.")),
    "venue_name": (200, _l("The name of the venue can have at most %(max)d characters.")),
    "venue_address": (300, _l("The address can have at most %(max)d characters.")),
    "city": (100, _l("The city can have at most %(max)d characters.")),
    "theme_fr": (5000, _l("The theme can have at most %(max)d characters.")),
    "theme_en": (5000, _l("The theme can have at most %(max)d characters.")),
}
# C0 control characters: PostgreSQL refuses a NUL byte with an error and the others hide
# text; the theme, several lines long, keeps its tabs and line breaks.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f]")
CONTROL_CHARACTERS_IN_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


# What other domains do when an edition's capacity changes, by name (see on_capacity_change).
_capacity_listeners: dict[str, Callable[[Edition], object]] = {}


def on_capacity_change(listener: Callable[[Edition], object]) -> Callable[[Edition], object]:
    """Register ``listener(edition)`` to run after each capacity change, in its transaction.

    Registration subscribes its waiting list here: it builds on editions, so editions may not
    call it directly. Keyed by name, so importing a module twice registers it once.
    """
    _capacity_listeners[f"{listener.__module__}.{listener.__qualname__}"] = listener
    return listener


def default_date(year: int) -> date:
    """17 October of ``year``: the European Day against Trafficking in Human Beings."""
    return date(year, *EUROPEAN_ANTI_TRAFFICKING_DAY)


def default_closing(colloquium_day: date, timezone: str = DEFAULT_TIMEZONE) -> datetime:
    """The day before the colloquium at 23:59 local time, as an aware UTC datetime."""
    local = datetime.combine(colloquium_day - timedelta(days=1), time(23, 59), ZoneInfo(timezone))
    return local.astimezone(UTC)


# Built once: nearly every page runs them (bound parameters; the cache key stays on them).
_COMING = (
    sa.select(Edition).where(Edition.date >= sa.bindparam("today")).order_by(Edition.date).limit(1)
)
_LATEST = sa.select(Edition).order_by(Edition.date.desc()).limit(1)


def current_edition(today: date | None = None) -> Edition | None:
    """The next edition to come (date ≥ today), else the latest one."""
    coming = db.session.scalar(_COMING, {"today": today or local_today()})
    if coming is not None:
        return coming
    return db.session.scalar(_LATEST)


def edition_of_year(year: int) -> sa.Select[tuple[Edition]]:
    """The query for the edition of ``year`` (for ``db.first_or_404``)."""
    return sa.select(Edition).where(Edition.year == year)


def get_edition(year: int) -> Edition | None:
    """The edition of ``year``, if any (none outside the years an edition may have)."""
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None  # and no query: a year beyond 64 bits would be a database error
    return db.session.scalar(edition_of_year(year))


def latest_edition() -> Edition | None:
    """The edition of the highest year, if any."""
    return db.session.scalar(sa.select(Edition).order_by(Edition.year.desc()).limit(1))


def list_editions() -> list[Edition]:
    """Every edition, the most recent first."""
    return list(db.session.scalars(sa.select(Edition).order_by(Edition.year.desc())))


@dataclass
class EditionChanges:
    """What an organiser asks to change; ``None`` leaves a field as it is."""

    capacity: int | None = None
    date: date | None = None
    title_fr: str | None = None
    title_en: str | None = None
    theme_fr: str | None = None
    theme_en: str | None = None
    venue_name: str | None = None
    venue_address: str | None = None
    city: str | None = None
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    timezone: str | None = None
    publish_programme: bool | None = None


def create_edition(year: int, changes: EditionChanges | None = None) -> Edition:
    """A new edition for ``year``, with the documented defaults for what is not given."""
    changes = changes or EditionChanges()
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DomainError(
            "year",
            _l("The year must be between %(low)d and %(high)d.", low=MIN_YEAR, high=MAX_YEAR),
        )
    if get_edition(year) is not None:
        raise DomainError("year", _l("An edition already exists for %(year)d.", year=year))
    if changes.date is not None and changes.date.year != year:
        # Before the default closing is computed from it: the eve of 1 January of year 1
        # does not exist.
        raise DomainError("date", _l("The date must fall in %(year)d.", year=year))
    day = changes.date or default_date(year)
    timezone = changes.timezone or DEFAULT_TIMEZONE
    edition = Edition(
        year=year,
        date=day,
        title_fr=(changes.title_fr or "").strip(),
        title_en=(changes.title_en or "").strip(),
        theme_fr=changes.theme_fr or "",
        theme_en=changes.theme_en or "",
        venue_name=changes.venue_name or "",
        venue_address=changes.venue_address or "",
        city=changes.city or "",
        capacity=changes.capacity if changes.capacity is not None else 0,
        seats_taken=0,
        timezone=timezone,
        registration_opens_at=changes.registration_opens_at or utcnow(),
        registration_closes_at=changes.registration_closes_at
        or default_closing(day, _valid_timezone(timezone)),
        programme_published=bool(changes.publish_programme),
    )
    if edition.programme_published:
        edition.programme_updated_at = utcnow()
    _validate(edition)
    db.session.add(edition)
    db.session.flush()
    return edition


def update_edition(edition: Edition, changes: EditionChanges) -> Edition:
    """Apply ``changes`` to ``edition`` after checking them; nothing changes if one is wrong.

    A new capacity is then announced to the ``on_capacity_change`` listeners (registration
    gives the free seats to its waiting list), in the same transaction.
    """
    # A negative capacity is refused as such by ``_validate``.
    if changes.capacity is not None and 0 <= changes.capacity < edition.seats_taken:
        raise DomainError(
            "capacity",
            _l(
                "The capacity cannot be lower than the %(taken)d seats already taken.",
                taken=edition.seats_taken,
            ),
        )
    values = {
        "capacity": changes.capacity,
        "date": changes.date,
        "title_fr": changes.title_fr,
        "title_en": changes.title_en,
        "theme_fr": changes.theme_fr,
        "theme_en": changes.theme_en,
        "venue_name": changes.venue_name,
        "venue_address": changes.venue_address,
        "city": changes.city,
        "registration_opens_at": changes.registration_opens_at,
        "registration_closes_at": changes.registration_closes_at,
        "timezone": changes.timezone,
    }
    proposed = {name: value for name, value in values.items() if value is not None}
    candidate = Edition(**{**_fields(edition), **proposed})
    _validate(candidate)
    for name, value in proposed.items():
        setattr(edition, name, value)
    if changes.publish_programme is not None:
        if changes.publish_programme and not edition.programme_published:
            edition.programme_updated_at = utcnow()
        edition.programme_published = changes.publish_programme
    db.session.flush()
    if changes.capacity is not None:
        for listener in _capacity_listeners.values():
            listener(edition)
    return edition


def _fields(edition: Edition) -> dict:
    names = (
        "year",
        "date",
        "title_fr",
        "title_en",
        "theme_fr",
        "theme_en",
        "venue_name",
        "venue_address",
        "city",
        "capacity",
        "seats_taken",
        "registration_opens_at",
        "registration_closes_at",
        "timezone",
    )
    return {name: getattr(edition, name) for name in names}


def _valid_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DomainError("timezone", _l("Unknown time zone: %(name)s.", name=name)) from None
    return name


def _check_texts(edition: Edition) -> None:
    """Each text fits its column and holds no control character."""
    for name, (limit, message) in TEXT_LIMITS.items():
        value = getattr(edition, name) or ""
        if len(value) > limit:
            # Formatted when shown, so that the CLI's English applies (see ``LazyString``).
            raise DomainError(name, LazyString(lambda m=message, n=limit: m % {"max": n}))
        pattern = CONTROL_CHARACTERS_IN_LINES if name.startswith("theme") else CONTROL_CHARACTERS
        if pattern.search(value):
            raise DomainError(
                name, _l("Remove the control characters (such as a NUL byte) from this text.")
            )


def _validate(edition: Edition) -> None:
    """Check the rules an edition must always satisfy."""
    _valid_timezone(edition.timezone)
    if edition.capacity < 0:
        raise DomainError("capacity", _l("The capacity cannot be negative."))
    if edition.capacity > MAX_CAPACITY:
        raise DomainError(
            "capacity", _l("The capacity can be at most %(max)d seats.", max=MAX_CAPACITY)
        )
    _check_texts(edition)
    if edition.date.year != edition.year:
        raise DomainError("date", _l("The date must fall in %(year)d.", year=edition.year))
    opens, closes = edition.registration_opens_at, edition.registration_closes_at
    # Before any arithmetic on it: year 1 cannot even be converted to UTC.
    if opens and opens.year < MIN_YEAR:
        raise DomainError(
            "registration_opens_at",
            _l("Registration cannot open before %(year)d.", year=MIN_YEAR),
        )
    if opens and closes and opens >= closes:
        raise DomainError("registration_closes_at", _l("Registration must close after it opens."))
    if closes:
        end_of_day = datetime.combine(
            edition.date + timedelta(days=1), time(0, 0), ZoneInfo(edition.timezone)
        )
        if closes > end_of_day:
            raise DomainError(
                "registration_closes_at",
                _l("Registration cannot close after the colloquium has taken place."),
            )
