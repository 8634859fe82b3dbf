"""The published programme for calendars (iCalendar, RFC 5545) and as open data (JSON)."""

from __future__ import annotations

import json
from datetime import date
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, request
from flask_babel import force_locale
from icalendar import Calendar, Event

from colloquium.content.cache import cached_page
from colloquium.editions.models import Edition
from colloquium.i18n import in_both_languages, open_data_language, page_language, written
from colloquium.links import external_url
from colloquium.programme import services
from colloquium.programme.labels import ROLE_LABELS
from colloquium.programme.models import ProgrammeSession, Room, Speaker

bp = Blueprint("programme_exports", __name__)

API_VERSION = 1


@bp.after_request
def _open_to_other_sites(response: Response) -> Response:
    """Read-only CORS: the member associations' own sites may show the programme."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = "ETag"
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "If-None-Match"
            response.headers["Access-Control-Max-Age"] = "86400"
    return response


# ---------------------------------------------------------------------------------------------
# iCalendar


def session_uid(session: ProgrammeSession) -> str:
    """A UID that stays the same for the life of the session, so calendars update it."""
    host = urlsplit(current_app.config["PUBLIC_URL"]).hostname or "localhost"
    return f"session-{session.id}@{host}"


def _event(session: ProgrammeSession, edition: Edition) -> Event:
    tz = edition.tz
    event = Event()
    event.add("uid", session_uid(session))
    event.add("dtstamp", session.updated_at)
    event.add("last-modified", session.updated_at)
    event.add("created", session.created_at)
    event.add("sequence", session.sequence)
    event.add("dtstart", session.starts_at.astimezone(tz))
    event.add("dtend", session.ends_at.astimezone(tz))
    language = page_language()  # ``?lang=`` chooses it, like any page
    event.add("summary", written(session, "title", language).text)
    summary = written(session, "summary", language).text
    lines = [summary] if summary else []
    for link in session.speaker_links:
        who = link.speaker.name
        affiliation = written(link.speaker, "affiliation", language).text
        if affiliation:
            who += f", {affiliation}"
        if link.role != "speaker":
            who += f" ({ROLE_LABELS[link.role]})"
        lines.append(who)
    url = external_url("programme.session", session_id=session.id)
    lines.append(url)
    event.add("description", "\n".join(lines))
    place = [session.room.name] if session.room else []
    place += [part for part in (edition.venue_name, edition.venue_address, edition.city) if part]
    if place:
        event.add("location", ", ".join(place))
    event.add("url", url)
    return event


def programme_calendar(edition: Edition, sessions: list[ProgrammeSession]) -> bytes:
    """An iCalendar file with ``sessions``, their time zone included (VTIMEZONE)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Ensemble contre la traite//Colloquium//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", edition.display_title)
    calendar.add("x-wr-timezone", edition.timezone)
    for session in sessions:
        calendar.add_component(_event(session, edition))
    # A short VTIMEZONE around the edition's date (the library's default stops in 2038).
    calendar.add_missing_timezones(
        first_date=date(edition.date.year - 1, 1, 1), last_date=date(edition.date.year + 2, 1, 1)
    )
    return calendar.to_ical()


def _calendar_response(body: bytes, filename: str) -> Response:
    # Its ETag, Cache-Control and 304 answers come from @cached_page, like every public page.
    return Response(
        body,
        content_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/programme.ics")
@cached_page
def current_calendar():
    """The current edition's published programme as an iCalendar file."""
    edition = services.published_edition()
    if edition is None:
        abort(404)
    body = programme_calendar(edition, services.list_sessions(edition))
    return _calendar_response(body, f"programme-{edition.year}.ics")


@bp.get("/programme/<int:year>.ics")
@cached_page
def edition_calendar(year: int):
    """The published programme of ``year`` as an iCalendar file."""
    edition = services.published_edition(year)
    if edition is None:
        abort(404)
    body = programme_calendar(edition, services.list_sessions(edition))
    return _calendar_response(body, f"programme-{edition.year}.ics")


@bp.get("/programme/sessions/<int:session_id>.ics")
@cached_page
def session_calendar(session_id: int):
    """One published session as an iCalendar file."""
    session = services.published_session(session_id)
    if session is None:
        abort(404)
    body = programme_calendar(session.edition, [session])
    return _calendar_response(body, f"session-{session.id}.ics")


# ---------------------------------------------------------------------------------------------
# JSON


def _time(moment, edition: Edition) -> str:
    return moment.astimezone(edition.tz).isoformat(timespec="seconds")


def _room_json(room: Room, language: str) -> dict:
    return {
        "id": room.id,
        "name": room.name,
        "seats": room.seats,
        **in_both_languages(room, "access_notes", language),
    }


def _speaker_json(speaker: Speaker, language: str) -> dict:
    # The speaker's e-mail is private: it is never part of this document.
    return {
        "id": speaker.id,
        "name": speaker.name,
        **in_both_languages(speaker, "title", language),
        **in_both_languages(speaker, "affiliation", language),
        **in_both_languages(speaker, "bio", language),
        "photo_url": (
            external_url("programme.speaker_photo", speaker_id=speaker.id, v=speaker.photo_etag)
            if speaker.photo_etag
            else None
        ),
        "association": (
            {
                "slug": speaker.association.slug,
                "name": speaker.association.name,
                "url": external_url("associations.profile", slug=speaker.association.slug),
            }
            if speaker.association is not None and speaker.association.is_member
            else None
        ),
        "url": external_url("programme.speaker", speaker_id=speaker.id),
    }


def _session_json(session: ProgrammeSession, edition: Edition, language: str) -> dict:
    return {
        "id": session.id,
        **in_both_languages(session, "title", language),
        "kind": session.kind,
        **in_both_languages(session, "summary", language),
        **in_both_languages(session, "description", language),
        "starts_at": _time(session.starts_at, edition),
        "ends_at": _time(session.ends_at, edition),
        "room_id": session.room_id,
        "language": session.language,
        "interpretation": session.interpretation,
        "speakers": [
            {"speaker_id": link.speaker_id, "role": link.role} for link in session.speaker_links
        ],
        "url": external_url("programme.session", session_id=session.id),
        "ical_url": external_url("programme_exports.session_calendar", session_id=session.id),
    }


def programme_document(edition: Edition, language: str = "fr") -> dict:
    """The published programme of ``edition`` in the documented open-data shape.

    Each text people write is given in ``language`` (else the other) and in both beside it.
    """
    rooms = services.list_rooms(edition)
    sessions = services.list_sessions(edition)
    return {
        "version": API_VERSION,
        "language": language,
        "edition": {
            "year": edition.year,
            **_edition_texts(edition, language),
            "date": edition.date.isoformat(),
            "timezone": edition.timezone,
            "venue": {
                "name": edition.venue_name,
                "address": edition.venue_address,
                "city": edition.city,
            },
            "updated_at": (
                _time(edition.programme_updated_at, edition)
                if edition.programme_updated_at
                else None
            ),
            "url": external_url("programme.archive", year=edition.year),
            "ical_url": external_url("programme_exports.edition_calendar", year=edition.year),
        },
        "rooms": [_room_json(room, language) for room in rooms],
        "speakers": [
            _speaker_json(speaker, language) for speaker in services.speakers_of(sessions)
        ],
        "sessions": [_session_json(session, edition, language) for session in sessions],
    }


def _edition_texts(edition: Edition, language: str) -> dict:
    """The edition's title and theme in the language asked, and both beside them."""
    with force_locale(language):  # the generated title ("Colloquium of …") in that language
        title = edition.display_title
    return {
        "title": title,
        "title_fr": edition.title_fr,
        "title_en": edition.title_en,
        **in_both_languages(edition, "theme", language),
    }


def _json_not_found() -> Response:
    """The same answer for an edition that does not exist and one not yet published."""
    body = json.dumps({"error": "not_found"}).encode()
    return Response(body, status=404, content_type="application/json")


def _json_response(edition: Edition) -> Response:
    document = programme_document(edition, open_data_language())
    body = json.dumps(document, ensure_ascii=False, indent=1).encode()
    return Response(body, content_type="application/json")


@bp.get("/api/v1/programme")
@cached_page(language=open_data_language)
def api_current():
    """The current edition's published programme as JSON."""
    edition = services.published_edition()
    if edition is None:
        return _json_not_found()
    return _json_response(edition)


@bp.get("/api/v1/programme/<int:year>")
@cached_page(language=open_data_language)
def api_edition(year: int):
    """The published programme of ``year`` as JSON."""
    edition = services.published_edition(year)
    if edition is None:
        return _json_not_found()
    return _json_response(edition)
