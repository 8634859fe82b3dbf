"""Building an edition's programme: rooms, speakers, sessions, conflicts, publishing, copying."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload, subqueryload

from colloquium.accounts.models import User
from colloquium.associations.models import Association
from colloquium.audit import services as audit
from colloquium.clock import utcnow
from colloquium.db import fold, fold_text
from colloquium.editions import services as editions
from colloquium.editions.models import Edition
from colloquium.errors import DomainError
from colloquium.extensions import db
from colloquium.i18n import long_date, written
from colloquium.images import prepare_logo
from colloquium.programme.conflicts import (
    Conflict,
    colloquium_day,
    outside_the_day,
    over_capacity,
    rooms_used_twice_at_once,
    session_window,
    speakers_in_two_places_at_once,
    speakers_without_a_bio,
    within,
    without_a_room,
    without_a_speaker,
)
from colloquium.programme.models import (
    LANGUAGES,
    SESSION_KINDS,
    SPEAKER_ROLES,
    ProgrammeSession,
    Room,
    SessionSpeaker,
    Speaker,
)

# Seats of a room and a session's expected audience: the largest conference centre in Paris
# seats about 6,000, so a bigger number is a typo (and sums of such numbers fit 32 bits).
MAX_SEATS = 100_000

# ---------------------------------------------------------------------------------------------
# Publishing


def mark_changed(edition: Edition) -> None:
    """Record that a published programme changed, so its page says when it was last updated."""
    if edition.programme_published:
        edition.programme_updated_at = utcnow()


def set_published(edition: Edition, published: bool) -> Edition:
    """Make the programme of ``edition`` public, or hide it again."""
    return editions.update_edition(edition, editions.EditionChanges(publish_programme=published))


def publication_warnings(
    edition: Edition, sessions: list[ProgrammeSession] | None = None
) -> list[Conflict]:
    """What an organiser should see before publishing: conflicts, then what is missing."""
    sessions = list_sessions(edition) if sessions is None else sessions
    warnings = programme_conflicts(edition, sessions)
    for session in sessions:
        warnings += without_a_speaker(session)
    return warnings + speakers_without_a_bio(sessions)


def publish_programme(edition: Edition, actor: User) -> Edition:
    """Make the programme public, and say so in the audit log with its open warnings."""
    return _publish(edition, actor, True)


def unpublish_programme(edition: Edition, actor: User) -> Edition:
    """Hide the programme from the public again, and say so in the audit log."""
    return _publish(edition, actor, False)


def _publish(edition: Edition, actor: User, published: bool) -> Edition:
    if edition.programme_published == published:
        raise DomainError(
            None,
            _l("The programme is already public.")
            if published
            else _l("The programme is already hidden from the public."),
        )
    sessions = list_sessions(edition)
    set_published(edition, published)
    audit.record(
        actor,
        "programme.publish" if published else "programme.unpublish",
        f"edition:{edition.year}",
        {"sessions": len(sessions), "warnings": len(publication_warnings(edition, sessions))},
    )
    return edition


def published_edition(year: int | None = None) -> Edition | None:
    """The edition of ``year`` (or the current one) if its programme is public, else None."""
    edition = editions.get_edition(year) if year is not None else editions.current_edition()
    if edition is None or not edition.programme_published:
        return None
    return edition


# ---------------------------------------------------------------------------------------------
# Rooms


@dataclass
class RoomData:
    """What an organiser types about a room."""

    name: str
    seats: int | None = None
    access_notes_fr: str = ""
    access_notes_en: str = ""


def list_rooms(edition: Edition) -> list[Room]:
    """The rooms of ``edition``, by name."""
    return list(
        db.session.scalars(
            sa.select(Room)
            .where(Room.edition_id == edition.id)
            .order_by(fold(Room.name), Room.name, Room.id)
        )
    )


def rooms_with_notes(rooms: list[Room]) -> list[Room]:
    """The rooms with access notes in one language at least (for attendees' mails)."""
    return [room for room in rooms if room.access_notes_fr.strip() or room.access_notes_en.strip()]


def get_room(edition: Edition, room_id: int) -> Room | None:
    """Room ``room_id`` if it belongs to ``edition``."""
    return db.session.scalar(
        sa.select(Room).where(Room.id == room_id, Room.edition_id == edition.id)
    )


def create_room(edition: Edition, data: RoomData) -> Room:
    """A new room for ``edition``."""
    room = Room(edition_id=edition.id, edition=edition)
    _apply_room(room, data)
    db.session.add(room)
    db.session.flush()
    mark_changed(edition)
    return room


def update_room(room: Room, data: RoomData) -> Room:
    """Change a room."""
    _apply_room(room, data)
    db.session.flush()
    _bump_sessions_in(room)
    mark_changed(room.edition)
    return room


def delete_room(room: Room) -> None:
    """Remove a room; its sessions stay, without a room (a conflict warning says so)."""
    edition = room.edition
    sessions = db.session.scalars(
        sa.select(ProgrammeSession).where(ProgrammeSession.room_id == room.id)
    )
    for session in sessions:
        session.room = None
        session.sequence += 1
        session.updated_at = utcnow()
    db.session.delete(room)
    db.session.flush()
    mark_changed(edition)


def _apply_room(room: Room, data: RoomData) -> None:
    name = (data.name or "").strip()
    if not name:
        raise DomainError("name", _l("The room needs a name."))
    if data.seats is not None and data.seats < 0:
        raise DomainError("seats", _l("The number of seats cannot be negative."))
    if data.seats is not None and data.seats > MAX_SEATS:
        raise DomainError("seats", _l("Enter at most %(max)d seats.", max=MAX_SEATS))
    taken = db.session.scalar(
        sa.select(Room.id).where(
            Room.edition_id == room.edition_id,
            sa.func.lower(Room.name) == name.lower(),
            Room.id != (room.id or 0),
        )
    )
    if taken is not None:
        raise DomainError("name", _l("This edition already has a room with this name."))
    room.name = name
    room.seats = data.seats
    room.access_notes_fr = (data.access_notes_fr or "").strip()
    room.access_notes_en = (data.access_notes_en or "").strip()


def _bump_sessions_in(room: Room) -> None:
    for session in db.session.scalars(
        sa.select(ProgrammeSession).where(ProgrammeSession.room_id == room.id)
    ):
        session.sequence += 1
        session.updated_at = utcnow()


# ---------------------------------------------------------------------------------------------
# Speakers


@dataclass
class SpeakerData:
    """What an organiser types about a speaker."""

    name: str
    affiliation_fr: str = ""
    affiliation_en: str = ""
    title_fr: str = ""
    title_en: str = ""
    bio_fr: str = ""
    bio_en: str = ""
    email: str | None = None
    association_id: int | None = None


def list_speakers(edition: Edition) -> list[Speaker]:
    """The speakers of ``edition``, by name."""
    return list(
        db.session.scalars(
            sa.select(Speaker)
            .where(Speaker.edition_id == edition.id)
            .order_by(fold(Speaker.name), Speaker.name, Speaker.id)
        )
    )


def get_speaker(edition: Edition, speaker_id: int) -> Speaker | None:
    """Speaker ``speaker_id`` if it belongs to ``edition``."""
    return db.session.scalar(
        sa.select(Speaker).where(Speaker.id == speaker_id, Speaker.edition_id == edition.id)
    )


def create_speaker(edition: Edition, data: SpeakerData) -> Speaker:
    """A new speaker for ``edition``."""
    speaker = Speaker(edition_id=edition.id, edition=edition)
    _apply_speaker(speaker, data)
    db.session.add(speaker)
    db.session.flush()
    mark_changed(edition)
    return speaker


def update_speaker(speaker: Speaker, data: SpeakerData) -> Speaker:
    """Change a speaker; their sessions' calendar entries (which name them) are updated too."""
    _apply_speaker(speaker, data)
    for link in speaker.session_links:
        link.session.sequence += 1
        link.session.updated_at = utcnow()
    db.session.flush()
    mark_changed(speaker.edition)
    return speaker


def delete_speaker(speaker: Speaker) -> None:
    """Remove a speaker from the edition and from every session they were in."""
    edition = speaker.edition
    for link in speaker.session_links:
        link.session.sequence += 1
        link.session.updated_at = utcnow()
    db.session.delete(speaker)
    db.session.flush()
    mark_changed(edition)


def set_speaker_photo(speaker: Speaker, upload: bytes | None) -> None:
    """Check and re-encode an uploaded photo and store it (``None`` removes the photo)."""
    if upload is None:
        speaker.photo = speaker.photo_content_type = speaker.photo_etag = None
    else:
        prepared = prepare_logo(upload, field="photo")
        speaker.photo = prepared.data
        speaker.photo_content_type = prepared.content_type
        speaker.photo_etag = prepared.digest[:32]
    db.session.flush()
    mark_changed(speaker.edition)


def _apply_speaker(speaker: Speaker, data: SpeakerData) -> None:
    name = (data.name or "").strip()
    if not name:
        raise DomainError("name", _l("The speaker needs a name."))
    email = (data.email or "").strip() or None
    if email is not None:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            raise DomainError("email", _l("This e-mail address is not valid.")) from None
    association = None
    if data.association_id is not None:
        association = db.session.get(Association, data.association_id)
        if association is None:
            raise DomainError("association_id", _l("This association does not exist."))
    speaker.name = name
    speaker.association = association
    for text in ("affiliation", "title", "bio"):
        for language in ("fr", "en"):
            value = (getattr(data, f"{text}_{language}") or "").strip()
            setattr(speaker, f"{text}_{language}", value)
    speaker.email = email


# ---------------------------------------------------------------------------------------------
# Sessions


@dataclass
class SpeakerEntry:
    """One speaker of a session and their role; the list order is the order shown."""

    speaker_id: int
    role: str = "speaker"


@dataclass(kw_only=True)
class SessionData:
    """What an organiser types about a session (its title in one language at least)."""

    title_fr: str = ""
    title_en: str = ""
    kind: str
    starts_at: datetime
    ends_at: datetime
    room_id: int | None = None
    language: str = "fr"
    interpretation: bool = False
    expected_audience: int | None = None
    summary_fr: str = ""
    summary_en: str = ""
    description_fr: str = ""
    description_en: str = ""
    speakers: list[SpeakerEntry] = field(default_factory=list)


def _session_query(edition: Edition):
    # One query for the sessions and their rooms, one for every speaker link of the sessions
    # the first selects (subqueryload repeats it as a subquery): two queries however long
    # the day. selectinload would send the sessions' ids in IN lists of at most 500, one
    # more query per 500 sessions.
    return (
        sa.select(ProgrammeSession)
        .where(ProgrammeSession.edition_id == edition.id)
        .options(
            joinedload(ProgrammeSession.room),
            subqueryload(ProgrammeSession.speaker_links)
            .joinedload(SessionSpeaker.speaker)
            .joinedload(Speaker.association),
        )
        .order_by(ProgrammeSession.starts_at, ProgrammeSession.ends_at, ProgrammeSession.id)
    )


def list_sessions(
    edition: Edition, kind: str | None = None, language: str | None = None
) -> list[ProgrammeSession]:
    """The sessions of ``edition`` in time order, rooms and speakers loaded, maybe filtered.

    A language filter of ``fr`` or ``en`` keeps the bilingual sessions too.
    """
    query = _session_query(edition)
    if kind:
        query = query.where(ProgrammeSession.kind == kind)
    if language:
        query = query.where(ProgrammeSession.language.in_({language, "both"}))
    return list(db.session.scalars(query))


def get_session(edition: Edition, session_id: int) -> ProgrammeSession | None:
    """Session ``session_id`` if it belongs to ``edition``, rooms and speakers loaded."""
    return db.session.scalar(_session_query(edition).where(ProgrammeSession.id == session_id))


def create_session(edition: Edition, data: SessionData) -> ProgrammeSession:
    """A new session in ``edition``'s programme."""
    session = ProgrammeSession(edition_id=edition.id, edition=edition)
    _apply_session(session, edition, data)
    db.session.add(session)
    db.session.flush()
    mark_changed(edition)
    return session


def update_session(session: ProgrammeSession, data: SessionData) -> ProgrammeSession:
    """Change a session; calendar applications see the new version (SEQUENCE + 1)."""
    _apply_session(session, session.edition, data)
    session.sequence += 1
    session.updated_at = utcnow()
    db.session.flush()
    mark_changed(session.edition)
    return session


def session_days(edition: Edition) -> list[date]:
    """The days a session may be on: the day before, the colloquium's day, the day after."""
    return [edition.date + timedelta(days=offset) for offset in (-1, 0, 1)]


def session_times(
    edition: Edition, day: date | None, starts: time | None, ends: time | None
) -> tuple[datetime, datetime]:
    """A session's start and end as aware datetimes from times of one day in the edition's zone.

    An end at 00:00 is midnight at the end of that day. A time the clocks skip (02:30 on the
    last Sunday of March in Paris) is refused; one they repeat is its first occurrence.
    """
    if day is None or day not in session_days(edition):
        raise DomainError("day", _l("Choose one of the days offered."))
    if starts is None:
        raise DomainError("starts_at", _l("Give the start time."))
    if ends is None:
        raise DomainError("ends_at", _l("Give the end time."))
    starts_at = _local_moment(edition, day, starts, "starts_at")
    end_day = day + timedelta(days=1) if ends == time(0, 0) and starts != time(0, 0) else day
    ends_at = _local_moment(edition, end_day, ends, "ends_at")
    if ends_at <= starts_at:
        raise DomainError("ends_at", _l("A session must end after it starts."))
    return starts_at, ends_at


def _local_moment(edition: Edition, day: date, clock: time, field_name: str) -> datetime:
    moment = datetime.combine(day, clock.replace(second=0, microsecond=0), edition.tz)
    if moment.astimezone(UTC).astimezone(edition.tz).replace(tzinfo=None) != moment.replace(
        tzinfo=None
    ):
        raise DomainError(
            field_name, _l("This time does not exist that day: the clocks go forward.")
        )
    return moment


def session_conflicts(session: ProgrammeSession) -> list[Conflict]:
    """The warnings about the programme that concern ``session``."""
    return [
        conflict
        for conflict in programme_conflicts(session.edition)
        if session.id in conflict.session_ids
    ]


def delete_session(session: ProgrammeSession) -> None:
    """Remove a session from the programme."""
    edition = session.edition
    db.session.delete(session)
    db.session.flush()
    mark_changed(edition)


def _check_within_window(edition: Edition, starts_at: datetime, ends_at: datetime) -> None:
    """Refuse a session outside ``session_window``: a typo in a year, not a plan.

    Inside the window but outside the day itself is allowed, with a warning (conflicts are
    warnings to organisers, not refusals), so that the eve's reception can be in the programme.
    """
    window = session_window(edition)
    for field_name, moment in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not within(moment, window):
            first, last = (bound.date() for bound in window)
            raise DomainError(
                field_name,
                _l(
                    "A session must take place between %(first)s at 00:00 and %(last)s at "
                    "24:00, from the day before the colloquium to the day after.",
                    first=long_date(first),
                    last=long_date(last - timedelta(days=1)),
                ),
            )


def _apply_session(session: ProgrammeSession, edition: Edition, data: SessionData) -> None:
    title_fr = (data.title_fr or "").strip()
    title_en = (data.title_en or "").strip()
    if not title_fr and not title_en:
        raise DomainError("title_fr", _l("The session needs a title."))
    if data.kind not in SESSION_KINDS:
        raise DomainError("kind", _l("Choose a kind of session."))
    if data.language not in LANGUAGES:
        raise DomainError("language", _l("Choose a language."))
    if data.starts_at is None or data.starts_at.tzinfo is None:
        raise DomainError("starts_at", _l("Give the start time."))
    if data.ends_at is None or data.ends_at.tzinfo is None:
        raise DomainError("ends_at", _l("Give the end time."))
    _check_within_window(edition, data.starts_at, data.ends_at)
    if data.ends_at <= data.starts_at:
        raise DomainError("ends_at", _l("A session must end after it starts."))
    if data.expected_audience is not None and data.expected_audience < 0:
        raise DomainError("expected_audience", _l("The expected audience cannot be negative."))
    if data.expected_audience is not None and data.expected_audience > MAX_SEATS:
        raise DomainError("expected_audience", _l("Enter at most %(max)d people.", max=MAX_SEATS))
    room = None
    if data.room_id is not None:
        room = get_room(edition, data.room_id)
        if room is None:
            raise DomainError("room_id", _l("This room is not part of this edition."))
    seen: set[int] = set()
    speakers: list[tuple[Speaker, str]] = []
    for entry in data.speakers:
        if entry.role not in SPEAKER_ROLES:
            raise DomainError("speakers", _l("Choose a role for each speaker."))
        if entry.speaker_id in seen:
            raise DomainError("speakers", _l("A speaker can be listed only once in a session."))
        seen.add(entry.speaker_id)
        speaker = get_speaker(edition, entry.speaker_id)
        if speaker is None:
            raise DomainError("speakers", _l("This speaker is not part of this edition."))
        speakers.append((speaker, entry.role))

    session.title_fr = title_fr
    session.title_en = title_en
    session.kind = data.kind
    for text in ("summary", "description"):
        for language in ("fr", "en"):
            setattr(
                session, f"{text}_{language}", (getattr(data, f"{text}_{language}") or "").strip()
            )
    session.starts_at = data.starts_at
    session.ends_at = data.ends_at
    session.room = room
    session.language = data.language
    session.interpretation = bool(data.interpretation)
    session.expected_audience = data.expected_audience

    # A speaker who stays keeps their row, so the unique (session, speaker) pair never meets
    # itself; the rows of speakers taken off the session are deleted as orphans.
    existing = {link.speaker_id: link for link in session.speaker_links}
    links = []
    for position, (speaker, role) in enumerate(speakers):
        link = existing.get(speaker.id) or SessionSpeaker(speaker=speaker)
        link.role = role
        link.position = position
        links.append(link)
    session.speaker_links = links


# ---------------------------------------------------------------------------------------------
# Conflict warnings


def programme_conflicts(
    edition: Edition, sessions: list[ProgrammeSession] | None = None
) -> list[Conflict]:
    """Warnings about ``edition``'s programme: double bookings, the day, rooms, seats.

    Intervals are half-open: a session ending at 11:00 and one starting at 11:00 do not overlap.
    """
    sessions = list_sessions(edition) if sessions is None else sessions
    tz = edition.tz
    conflicts = [
        *rooms_used_twice_at_once(sessions, tz),
        *speakers_in_two_places_at_once(sessions, tz),
    ]
    day = colloquium_day(edition)
    # Session by session, so that one session's warnings are listed together.
    for session in sessions:
        conflicts += outside_the_day(session, day)
        conflicts += without_a_room(session)
        conflicts += over_capacity(session)
    return conflicts


# ---------------------------------------------------------------------------------------------
# Next year


@dataclass
class CopyResult:
    rooms: int
    sessions: int


def copy_programme(source: Edition, target: Edition, with_sessions: bool = False) -> CopyResult:
    """Copy ``source``'s rooms (those ``target`` lacks) and maybe its session skeleton.

    The skeleton keeps titles, kinds, summaries, rooms, languages and local times, moved to
    ``target``'s date; descriptions and speakers change every year and are not copied.
    """
    if source.id == target.id:
        raise DomainError("target", _l("Choose another edition to copy into."))
    rooms = {room.name.lower(): room for room in list_rooms(target)}
    copied_rooms = 0
    mapping: dict[int, Room] = {}
    for room in list_rooms(source):
        existing = rooms.get(room.name.lower())
        if existing is None:
            existing = Room(
                edition_id=target.id,
                edition=target,
                name=room.name,
                seats=room.seats,
                access_notes_fr=room.access_notes_fr,
                access_notes_en=room.access_notes_en,
            )
            db.session.add(existing)
            copied_rooms += 1
        mapping[room.id] = existing
    copied_sessions = 0
    if with_sessions:
        for session in list_sessions(source):
            # A session saved before the window existed may lie years away: moving it would
            # overflow the calendar, and it is a typo to fix rather than to copy.
            if not (
                within(session.starts_at, session_window(source))
                and within(session.ends_at, session_window(source))
            ):
                raise DomainError(
                    "target",
                    _l(
                        "“%(title)s” is not between the day before and the day after the "
                        "colloquium: correct its times before copying the sessions.",
                        title=written(session, "title"),
                    ),
                )
            starts = _moved(session.starts_at, source, target)
            ends = _moved(session.ends_at, source, target)
            if ends <= starts:  # a clock change can swallow a short session: keep its length
                ends = starts + (session.ends_at - session.starts_at)
            _check_within_window(target, starts, ends)
            db.session.add(
                ProgrammeSession(
                    edition_id=target.id,
                    edition=target,
                    title_fr=session.title_fr,
                    title_en=session.title_en,
                    kind=session.kind,
                    summary_fr=session.summary_fr,
                    summary_en=session.summary_en,
                    starts_at=starts,
                    ends_at=ends,
                    room=mapping.get(session.room_id) if session.room_id else None,
                    language=session.language,
                    interpretation=session.interpretation,
                    expected_audience=session.expected_audience,
                )
            )
            copied_sessions += 1
    db.session.flush()
    mark_changed(target)
    return CopyResult(rooms=copied_rooms, sessions=copied_sessions)


def _moved(moment: datetime, source: Edition, target: Edition) -> datetime:
    """The same wall-clock time, as many days from ``target``'s date as from ``source``'s."""
    local = moment.astimezone(source.tz)
    day = target.date + (local.date() - source.date)
    return datetime.combine(day, local.time(), target.tz)


# ---------------------------------------------------------------------------------------------
# Public reading


def published_session(session_id: int) -> ProgrammeSession | None:
    """Session ``session_id`` if its edition's programme is public, speakers loaded."""
    return db.session.scalar(
        sa.select(ProgrammeSession)
        .join(ProgrammeSession.edition)
        .where(ProgrammeSession.id == session_id, Edition.programme_published.is_(True))
        .options(
            joinedload(ProgrammeSession.edition),
            joinedload(ProgrammeSession.room),
            selectinload(ProgrammeSession.speaker_links).joinedload(SessionSpeaker.speaker),
        )
    )


def published_speaker(speaker_id: int) -> Speaker | None:
    """Speaker ``speaker_id`` if they speak in a published programme, sessions loaded.

    A speaker who is in no session yet may not have said yes: they stay private.
    """
    return db.session.scalar(
        sa.select(Speaker)
        .join(Speaker.edition)
        .where(
            Speaker.id == speaker_id,
            Edition.programme_published.is_(True),
            Speaker.session_links.any(),
        )
        .options(
            joinedload(Speaker.edition),
            joinedload(Speaker.association),
            selectinload(Speaker.session_links)
            .joinedload(SessionSpeaker.session)
            .joinedload(ProgrammeSession.room),
        )
    )


def speaker_photo(speaker_id: int) -> Speaker | None:
    """A published speaker with a photo, the photo loaded."""
    return db.session.scalar(
        sa.select(Speaker)
        .join(Speaker.edition)
        .where(
            Speaker.id == speaker_id,
            Edition.programme_published.is_(True),
            Speaker.photo_etag.is_not(None),
            Speaker.session_links.any(),
        )
        .options(sa.orm.undefer(Speaker.photo))
    )


def speakers_of(sessions: list[ProgrammeSession]) -> list[Speaker]:
    """The distinct speakers of ``sessions``, by name (no extra query when links are loaded)."""
    seen: dict[int, Speaker] = {}
    for session in sessions:
        for link in session.speaker_links:
            seen.setdefault(link.speaker_id, link.speaker)
    return sorted(seen.values(), key=lambda s: (fold_text(s.name), s.name, s.id))
