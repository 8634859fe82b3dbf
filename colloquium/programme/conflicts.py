"""Warnings for organisers about a programme, one function per rule; none blocks saving."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from flask_babel import lazy_gettext as _l

from colloquium.editions.models import Edition
from colloquium.i18n import written
from colloquium.programme.models import ProgrammeSession


@dataclass(frozen=True)
class Conflict:
    """A warning for organisers; it never blocks saving."""

    # room_double_booked | speaker_double_booked | outside_day | no_room | over_capacity;
    # before publishing also no_speaker | no_bio (``speaker_id`` then names the speaker).
    kind: str
    message: str
    session_ids: tuple[int, ...]
    speaker_id: int | None = None


def colloquium_day(edition: Edition) -> tuple[datetime, datetime]:
    """Midnight to midnight of the colloquium's date, in the edition's time zone."""
    starts = datetime.combine(edition.date, time(0, 0), edition.tz)
    ends = datetime.combine(edition.date + timedelta(days=1), time(0, 0), edition.tz)
    return starts, ends


def session_window(edition: Edition) -> tuple[datetime, datetime]:
    """When a session may take place at all: 00:00 the day before to 24:00 the day after.

    Wider than the day (an evening reception the day before is planned, with a warning), and
    bounded so that a typo such as 2207 for 2027 is refused rather than drawn for 180 years.
    """
    starts = datetime.combine(edition.date - timedelta(days=1), time(0, 0), edition.tz)
    ends = datetime.combine(edition.date + timedelta(days=2), time(0, 0), edition.tz)
    return starts, ends


def within(moment: datetime, window: tuple[datetime, datetime]) -> bool:
    """True when ``moment`` lies in ``window`` (both ends included)."""
    starts, ends = window
    # A moment years away is outside whatever its time zone: deciding it by the year first
    # keeps any arithmetic on it (converting year 1 or 9999 to UTC overflows) out of reach.
    if abs(moment.year - starts.year) > 1:
        return False
    return starts <= moment <= ends


# ---------------------------------------------------------------------------------------------
# Rules about two sessions at once: they look at the whole programme. Intervals are half-open:
# a session ending at 11:00 and one starting at 11:00 do not overlap.


def rooms_used_twice_at_once(sessions: list[ProgrammeSession], tz: tzinfo) -> list[Conflict]:
    """One warning per pair of sessions that share time in the same room."""
    by_room: dict[int, list[ProgrammeSession]] = defaultdict(list)
    for session in sessions:
        if session.room is not None:
            by_room[session.room.id].append(session)
    conflicts: list[Conflict] = []
    for room_sessions in by_room.values():
        for first, second in _overlapping_pairs(room_sessions):
            start, end = _shared_time(first, second, tz)
            conflicts.append(
                Conflict(
                    "room_double_booked",
                    _l(
                        "%(room)s is used by “%(first)s” and “%(second)s” at the same time "
                        "(%(start)s–%(end)s).",  # noqa: RUF001 (an en dash between times)
                        room=first.room.name,
                        first=written(first, "title"),
                        second=written(second, "title"),
                        start=start,
                        end=end,
                    ),
                    (first.id, second.id),
                )
            )
    return conflicts


def speakers_in_two_places_at_once(sessions: list[ProgrammeSession], tz: tzinfo) -> list[Conflict]:
    """One warning per pair of sessions that share time and a speaker (per speaker)."""
    by_speaker: dict[int, list[ProgrammeSession]] = defaultdict(list)
    speaker_names: dict[int, str] = {}
    for session in sessions:
        for link in session.speaker_links:
            by_speaker[link.speaker_id].append(session)
            speaker_names[link.speaker_id] = link.speaker.name
    conflicts: list[Conflict] = []
    for speaker_id, speaker_sessions in by_speaker.items():
        for first, second in _overlapping_pairs(speaker_sessions):
            start, end = _shared_time(first, second, tz)
            conflicts.append(
                Conflict(
                    "speaker_double_booked",
                    _l(
                        "%(speaker)s is expected in “%(first)s” and “%(second)s” at the same "
                        "time (%(start)s–%(end)s).",  # noqa: RUF001 (an en dash between times)
                        speaker=speaker_names[speaker_id],
                        first=written(first, "title"),
                        second=written(second, "title"),
                        start=start,
                        end=end,
                    ),
                    (first.id, second.id),
                )
            )
    return conflicts


def _overlapping_pairs(
    sessions: list[ProgrammeSession],
) -> Iterator[tuple[ProgrammeSession, ProgrammeSession]]:
    """Every pair of ``sessions`` that share time, the earlier one first."""
    ordered = sorted(sessions, key=lambda s: (s.starts_at, s.ends_at, s.id or 0))
    for index, first in enumerate(ordered):
        for second in ordered[index + 1 :]:
            if second.starts_at >= first.ends_at:
                break
            yield first, second


def _shared_time(first: ProgrammeSession, second: ProgrammeSession, tz: tzinfo) -> tuple[str, str]:
    """When two overlapping sessions share time, as local hours ("10:59", "11:00")."""
    start = max(first.starts_at, second.starts_at)
    end = min(first.ends_at, second.ends_at)
    return start.astimezone(tz).strftime("%H:%M"), end.astimezone(tz).strftime("%H:%M")


# ---------------------------------------------------------------------------------------------
# Rules about one session: each gives at most one warning.


def outside_the_day(session: ProgrammeSession, day: tuple[datetime, datetime]) -> list[Conflict]:
    """A warning if ``session`` starts before or ends after ``day`` (see ``colloquium_day``)."""
    day_starts, day_ends = day
    if session.starts_at >= day_starts and session.ends_at <= day_ends:
        return []
    return [
        Conflict(
            "outside_day",
            _l(
                "“%(title)s” is not within the day of the colloquium.",
                title=written(session, "title"),
            ),
            (session.id,),
        )
    ]


def without_a_room(session: ProgrammeSession) -> list[Conflict]:
    """A warning if ``session`` has no room yet."""
    if session.room is not None:
        return []
    return [
        Conflict(
            "no_room",
            _l("“%(title)s” has no room.", title=written(session, "title")),
            (session.id,),
        )
    ]


def over_capacity(session: ProgrammeSession) -> list[Conflict]:
    """A warning if more people are expected than ``session``'s room seats (when both known)."""
    room = session.room
    if (
        room is None
        or session.expected_audience is None
        or room.seats is None
        or session.expected_audience <= room.seats
    ):
        return []
    return [
        Conflict(
            "over_capacity",
            _l(
                "“%(title)s” expects %(audience)d people but %(room)s seats %(seats)d.",
                title=written(session, "title"),
                audience=session.expected_audience,
                room=room.name,
                seats=room.seats,
            ),
            (session.id,),
        )
    ]


# ---------------------------------------------------------------------------------------------
# Before publishing: what the public pages would show half-done.

# Kinds of session that the public expects to name someone (not a break, opening or closing).
KINDS_WITH_SPEAKERS = ("keynote", "panel", "round_table", "workshop", "testimony")


def without_a_speaker(session: ProgrammeSession) -> list[Conflict]:
    """A warning if ``session`` is of a kind that names speakers and names none yet."""
    if session.kind not in KINDS_WITH_SPEAKERS or session.speaker_links:
        return []
    return [
        Conflict(
            "no_speaker",
            _l("“%(title)s” has no speaker yet.", title=written(session, "title")),
            (session.id,),
        )
    ]


def speakers_without_a_bio(sessions: list[ProgrammeSession]) -> list[Conflict]:
    """One warning per speaker of ``sessions`` whose public page would have no biography."""
    seen: set[int] = set()
    conflicts: list[Conflict] = []
    for session in sessions:
        for link in session.speaker_links:
            if link.speaker_id in seen or (
                link.speaker.bio_fr.strip() or link.speaker.bio_en.strip()
            ):
                continue
            seen.add(link.speaker_id)
            conflicts.append(
                Conflict(
                    "no_bio",
                    _l("%(speaker)s has no biography yet.", speaker=link.speaker.name),
                    (),
                    speaker_id=link.speaker_id,
                )
            )
    return conflicts
