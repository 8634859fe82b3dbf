"""What an attendee takes away: the check-in QR code (SVG, PNG) and the calendar file."""

from __future__ import annotations

import io
from datetime import UTC, datetime, time
from urllib.parse import urlsplit

import icalendar
import segno
import sqlalchemy as sa
from flask import current_app
from markupsafe import Markup

from colloquium.clock import utcnow
from colloquium.extensions import db
from colloquium.i18n import written
from colloquium.links import external_url
from colloquium.programme.models import ProgrammeSession
from colloquium.registration.models import Registration

# The day's hours when the programme does not say otherwise (local time of the edition).
DAY_STARTS = time(9, 0)
DAY_ENDS = time(18, 0)


def check_in_url(registration: Registration) -> str:
    """The organisers' check-in address for this registration: what the QR code encodes."""
    return external_url("check_in.attendee", reference=registration.reference)


def _qr(registration: Registration) -> segno.QRCode:
    return segno.make(check_in_url(registration), error="m")


def qr_svg(registration: Registration, title: str) -> Markup:
    """The QR code as inline SVG: no script, no style element, safe under the site's CSP."""
    svg = _qr(registration).svg_inline(
        scale=5, dark="#000", light="#fff", title=title, svgclass="qr-code", lineclass=None
    )
    return Markup(svg)  # noqa: S704 - segno's own output: a path of numbers and our title, escaped


def qr_png(registration: Registration) -> bytes:
    """The QR code as a PNG image, for the confirmation e-mail."""
    buffer = io.BytesIO()
    _qr(registration).save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()


def programme_start(registration: Registration) -> datetime | None:
    """When the first session of the published programme begins (local time), else None."""
    edition = registration.edition
    if not edition.programme_published:
        return None
    first = db.session.scalar(
        sa.select(sa.func.min(ProgrammeSession.starts_at)).where(
            ProgrammeSession.edition_id == edition.id
        )
    )
    return None if first is None else _aware(first).astimezone(edition.tz)


def day_hours(registration: Registration) -> tuple[datetime, datetime]:
    """When the day begins and ends: the published programme's first start and last end.

    Until the programme is published its hours may still move, so 09:00 to 18:00 local time.
    """
    edition = registration.edition
    if edition.programme_published:
        first, last = db.session.execute(
            sa.select(
                sa.func.min(ProgrammeSession.starts_at), sa.func.max(ProgrammeSession.ends_at)
            ).where(ProgrammeSession.edition_id == edition.id)
        ).one()
        if first is not None:
            # min()/max() bypass the column type on SQLite: read them back as aware UTC.
            return _aware(first).astimezone(edition.tz), _aware(last).astimezone(edition.tz)
    tz = edition.tz
    return datetime.combine(edition.date, DAY_STARTS, tz), datetime.combine(
        edition.date, DAY_ENDS, tz
    )


def _aware(moment) -> datetime:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def calendar_file(registration: Registration) -> bytes:
    """The colloquium day as an RFC 5545 event in the edition's time zone (see ``day_hours``)."""
    edition = registration.edition
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Ensemble contre la traite//Colloquium//FR")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = icalendar.Event()
    host = urlsplit(current_app.config["PUBLIC_URL"]).hostname or "localhost"
    event.add("uid", f"colloquium-{edition.year}@{host}")
    event.add("dtstamp", utcnow())
    starts, ends = day_hours(registration)
    event.add("dtstart", starts)
    event.add("dtend", ends)
    event.add("summary", edition.display_title)
    location = ", ".join(
        part for part in (edition.venue_name, edition.venue_address, edition.city) if part
    )
    if location:
        event.add("location", location)
    theme = written(edition, "theme").text
    description = theme + "\n\n" if theme else ""
    event.add("description", f"{description}{registration.reference}")
    event.add("url", external_url("editions.home"))
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
