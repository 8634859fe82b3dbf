"""How the day's sessions are laid out in time: for the public page and the back office."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from colloquium.editions.models import Edition
from colloquium.programme.conflicts import session_window, speakers_in_two_places_at_once
from colloquium.programme.models import ProgrammeSession, Room

SLOT = timedelta(minutes=15)


def time_blocks(sessions: list[ProgrammeSession]) -> list[list[ProgrammeSession]]:
    """Sessions (in time order) grouped into runs that overlap: what happens in parallel."""
    blocks: list[list[ProgrammeSession]] = []
    block_end = None
    for session in sessions:
        if not blocks or session.starts_at >= block_end:
            blocks.append([])
            block_end = session.ends_at
        blocks[-1].append(session)
        block_end = max(block_end, session.ends_at)
    return blocks


# ---------------------------------------------------------------------------------------------
# The day view: rooms as columns, quarter-hour rows


@dataclass
class TimetableCell:
    """Sessions sharing rows in one room's column; more than one that overlap is a conflict.

    ``clash`` says that a speaker of one of them is expected elsewhere at the same time.
    """

    rowspan: int
    sessions: list[ProgrammeSession]
    overlap: bool
    clash: bool = False


GAP = "gap"  # an empty quarter hour in a room: nothing is planned there
COVERED = None  # a row already taken by a cell above (its rowspan)


@dataclass
class Timetable:
    """The day view: its columns (rooms, ``None`` for "no room") and its labelled rows.

    ``left_out`` are the sessions wholly outside ``session_window``, not drawn (see below);
    ``clashes`` the warnings about speakers in two places at once, by session id.
    """

    columns: list[Room | None]
    rows: list[tuple[str, list]]
    left_out: list[ProgrammeSession]
    clashes: dict[int, list[str]] = field(default_factory=dict)


def timetable(
    edition: Edition, sessions: list[ProgrammeSession], rooms: list[Room]
) -> Timetable | None:
    """The day as rows of quarter hours and one column per room (plus "no room" if needed).

    Drawn within ``session_window`` only (at most three days of rows): a session saved
    before that rule, years away, is left out and its overhang clipped, rather than one row
    per quarter hour until then (a session ending in 2207 once took the page down).
    """
    if not sessions:
        return None
    tz = edition.tz
    window_start, window_end = session_window(edition)

    def outside(session: ProgrammeSession) -> bool:
        return session.ends_at <= window_start or session.starts_at >= window_end

    left_out = [session for session in sessions if outside(session)]
    sessions = [session for session in sessions if not outside(session)]
    if not sessions:
        return Timetable([], [], left_out)
    clashes: dict[int, list[str]] = {}
    for conflict in speakers_in_two_places_at_once(sessions, tz):
        for session_id in conflict.session_ids:
            clashes.setdefault(session_id, []).append(conflict.message)
    columns: list[Room | None] = list(rooms)
    if any(session.room is None for session in sessions):
        columns.append(None)
    earliest = max(min(session.starts_at for session in sessions), window_start).astimezone(tz)
    # Arithmetic in UTC: subtracting two local times across a clock change would be off by
    # an hour; labels are local.
    start = earliest.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
    end = min(max(session.ends_at for session in sessions), window_end)
    slot_count = -(-(end - start) // SLOT)

    def first_slot(moment: datetime) -> int:
        return (moment - start) // SLOT

    def after_last_slot(moment: datetime) -> int:
        return -(-(moment - start) // SLOT)

    grid = [[GAP] * len(columns) for _ in range(slot_count)]
    for index, column in enumerate(columns):
        in_column = [
            s
            for s in sessions
            if (s.room.id if s.room else None) == (column.id if column else None)
        ]
        clusters: list[tuple[int, int, list[ProgrammeSession]]] = []
        for session in in_column:  # already in time order
            top = first_slot(max(session.starts_at, start))
            bottom = max(after_last_slot(min(session.ends_at, end)), top + 1)
            if clusters and top < clusters[-1][1]:
                cluster_top, cluster_bottom, members = clusters[-1]
                clusters[-1] = (cluster_top, max(cluster_bottom, bottom), [*members, session])
            else:
                clusters.append((top, bottom, [session]))
        for top, bottom, members in clusters:
            overlap = any(
                first.overlaps(second)
                for n, first in enumerate(members)
                for second in members[n + 1 :]
            )
            clash = any(member.id in clashes for member in members)
            grid[top][index] = TimetableCell(bottom - top, members, overlap, clash)
            for row in range(top + 1, bottom):
                grid[row][index] = COVERED
    rows = [
        ((start + n * SLOT).astimezone(tz).strftime("%H:%M"), cells) for n, cells in enumerate(grid)
    ]
    return Timetable(columns, rows, left_out, clashes)
