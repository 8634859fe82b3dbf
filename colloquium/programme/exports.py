"""The published programme for calendars (iCalendar, RFC 5545) and as open data (JSON)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, request
from flask_babel import force_locale
from icalendar import Calendar, Event

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


def _conditional(body: bytes, content_type: str, **headers) -> Response:
    """A response with a strong ETag of its body, answered with 304 when the client has it."""
    response = Response(body, content_type=content_type)
    # Clients revalidate every time (a change must show at once); the ETag makes that cheap.
    response.headers["Cache-Control"] = "public, no-cache"
    for name, value in headers.items():
        response.headers[name.replace("_", "-")] = value
    response.add_etag()
    return response.make_conditional(request)


# ---------------------------------------------------------------------------------------------
# iCalendar


def session_uid(session: ProgrammeSession) -> str:
    """A UID that stays the same for the life of the session, so calendars update it."""
    host = urlsplit(current_app.config["PUBLIC_URL"]).hostname or "localhost"
    return f"session-{session.id}@{host}"


# The events are written here rather than through the icalendar library, which spends about
# half a millisecond on each property (its parameters, time zone lookups, line folding): a
# programme of 1,000 sessions took half a second. The calendar around them (its header and the
# VTIMEZONE) is still the library's. The lines are those the library writes, byte for byte:
# same property order, escaping and folding (tests/test_programme_exports.py parses them back).

FOLD_AT = 75  # octets: a content line is folded before it reaches this length


def _escaped(text: str) -> str:
    """A TEXT value escaped as RFC 5545 says (backslash, semicolon, comma, line breaks).

    A ``\\N`` already in the text is read as a line break first, as the library does.
    """
    return (
        text.replace(r"\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", r"\;")
        .replace(",", r"\,")
        .replace("\r\n", r"\n")
        .replace("\n", r"\n")
        .replace("\r", r"\n")
    )


def _folded(line: str) -> str:
    """``line`` folded into lines shorter than 75 octets, never splitting a character.

    A backslash (or ``^``) that would end a line moves to the next one, so that an escape
    sequence is never cut in two (some clients cannot read it back otherwise).
    """
    if len(line.encode()) < FOLD_AT:
        return line
    lines: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = len(char.encode())
        if current and size + width >= FOLD_AT:
            carried = current.pop() if len(current) > 1 and current[-1] in "\\^" else ""
            lines.append("".join(current))
            current = [carried] if carried else []
            size = len(carried.encode())
        current.append(char)
        size += width
    lines.append("".join(current))
    return "\r\n ".join(lines)


def _utc(moment: datetime) -> str:
    """A UTC date-time value (``20271017T080000Z``)."""
    return f"{moment.astimezone(UTC):%Y%m%dT%H%M%S}Z"


class _LocalTimes:
    """``DTSTART`` and ``DTEND`` lines in the edition's zone, each distinct time written once.

    The library writes them (the TZID parameter, or a UTC time in a UTC zone): a programme
    has few distinct times, so this costs little.
    """

    def __init__(self, edition: Edition):
        self.tz = edition.tz
        self.lines: dict[tuple[str, datetime], str] = {}

    def line(self, name: str, moment: datetime) -> str:
        """The content line ``name`` for ``moment`` (not folded)."""
        key = (name, moment)
        if key not in self.lines:
            probe = Event()
            probe.add(name, moment.astimezone(self.tz))
            self.lines[key] = str(probe.content_line(name.upper(), probe[name.upper()]))
        return self.lines[key]


def _event_lines(
    session: ProgrammeSession, edition: Edition, language: str, times: _LocalTimes
) -> list[str]:
    """The content lines of the VEVENT of ``session``, in the library's property order."""
    summary = written(session, "summary", language).text
    description = [summary] if summary else []
    for link in session.speaker_links:
        who = link.speaker.name
        affiliation = written(link.speaker, "affiliation", language).text
        if affiliation:
            who += f", {affiliation}"
        if link.role != "speaker":
            who += f" ({ROLE_LABELS[link.role]})"
        description.append(who)
    url = external_url("programme.session", session_id=session.id)
    description.append(url)
    place = [session.room.name] if session.room else []
    place += [part for part in (edition.venue_name, edition.venue_address, edition.city) if part]
    updated = _utc(session.updated_at)
    # The library's order: its canonical properties first, then the others by name.
    lines = [
        "BEGIN:VEVENT",
        f"SUMMARY:{_escaped(written(session, 'title', language).text)}",
        times.line("dtstart", session.starts_at),
        times.line("dtend", session.ends_at),
        f"DTSTAMP:{updated}",
        f"UID:{_escaped(session_uid(session))}",
        f"SEQUENCE:{session.sequence}",
        f"CREATED:{_utc(session.created_at)}",
        f"DESCRIPTION:{_escaped(chr(10).join(description))}",
        f"LAST-MODIFIED:{updated}",
    ]
    if place:
        lines.append(f"LOCATION:{_escaped(', '.join(place))}")
    lines += [f"URL:{url}", "END:VEVENT"]
    return lines


def _first_event(session: ProgrammeSession, edition: Edition) -> Event:
    """A VEVENT the library knows, so that it adds the VTIMEZONE the events need."""
    event = Event()
    event.add("dtstart", session.starts_at.astimezone(edition.tz))
    return event


def programme_calendar(edition: Edition, sessions: list[ProgrammeSession]) -> bytes:
    """An iCalendar file with ``sessions``, their time zone included (VTIMEZONE)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Ensemble contre la traite//Colloquium//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", edition.display_title)
    calendar.add("x-wr-timezone", edition.timezone)
    if sessions:
        probe = _first_event(sessions[0], edition)
        calendar.add_component(probe)
        # A short VTIMEZONE around the edition's date (the library's default stops in 2038).
        calendar.add_missing_timezones(
            first_date=date(edition.date.year - 1, 1, 1),
            last_date=date(edition.date.year + 2, 1, 1),
        )
        calendar.subcomponents.remove(probe)
    head = calendar.to_ical()
    end = b"END:VCALENDAR\r\n"
    language = page_language()  # ``?lang=`` chooses it, like any page
    times = _LocalTimes(edition)
    events = "".join(
        f"{_folded(line)}\r\n"
        for session in sessions
        for line in _event_lines(session, edition, language, times)
    )
    return head[: -len(end)] + events.encode() + end


def _calendar_response(body: bytes, filename: str) -> Response:
    return _conditional(
        body,
        "text/calendar; charset=utf-8",
        Content_Disposition=f'attachment; filename="{filename}"',
    )


@bp.get("/programme.ics")
def current_calendar():
    """The current edition's published programme as an iCalendar file."""
    edition = services.published_edition()
    if edition is None:
        abort(404)
    body = programme_calendar(edition, services.list_sessions(edition))
    return _calendar_response(body, f"programme-{edition.year}.ics")


@bp.get("/programme/<int:year>.ics")
def edition_calendar(year: int):
    """The published programme of ``year`` as an iCalendar file."""
    edition = services.published_edition(year)
    if edition is None:
        abort(404)
    body = programme_calendar(edition, services.list_sessions(edition))
    return _calendar_response(body, f"programme-{edition.year}.ics")


@bp.get("/programme/sessions/<int:session_id>.ics")
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
    return _conditional(body, "application/json")


@bp.get("/api/v1/programme")
def api_current():
    """The current edition's published programme as JSON."""
    edition = services.published_edition()
    if edition is None:
        return _json_not_found()
    return _json_response(edition)


@bp.get("/api/v1/programme/<int:year>")
def api_edition(year: int):
    """The published programme of ``year`` as JSON."""
    edition = services.published_edition(year)
    if edition is None:
        return _json_not_found()
    return _json_response(edition)
