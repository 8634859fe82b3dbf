"""Every public page runs the same number of SQL queries whatever the size of the day.

Each page is counted in French and in English on a small day (10 sessions, 5 member
associations), then again after the day has grown to 200 sessions and 60 associations, the
measured session with more speakers and the measured speaker in more sessions; and again
past 500 sessions and 500 associations, where a collection loaded with ``selectinload``
would take one more query.
The times are printed by ``tests/benchmarks/growth.py``, never asserted here.
"""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from colloquium.associations import services as associations
from colloquium.extensions import db
from colloquium.programme import services as programme
from tests.factories import (
    at,
    make_association,
    make_edition,
    make_room,
    make_session,
    make_speaker,
)

PAGES = [
    "/",
    "/programme",
    "/programme/sessions/{session}",
    "/programme/speakers/{speaker}",
    "/associations",
    "/associations/{association}",
    "/api/v1/programme",
    "/api/v1/associations",
    "/programme.ics",
    "/resources",
]


def _members(start, stop):
    for number in range(start, stop):
        make_association(f"membre-{number:03d}", f"Membre {number:03d}")


def _sessions(edition, start, stop, rooms, speakers):
    for number in range(start, stop):
        minutes = (number * 15) % (10 * 60)
        starts = f"{8 + minutes // 60:02d}:{minutes % 60:02d}"
        ends = f"{8 + (minutes + 10) // 60:02d}:{(minutes + 10) % 60:02d}"
        make_session(
            edition,
            title=f"Atelier {number}",
            title_en=f"Workshop {number}",
            starts=starts,
            ends=ends,
            room=rooms[number % len(rooms)],
            speakers=[speakers[0], speakers[1 + number % (len(speakers) - 1)]],
            kind="workshop",
            summary="Retours d\u2019expérience.",
            summary_en="Lessons learnt.",
        )


def programme_member():
    """The measured association, whose profile lists the speaker it sends."""
    from colloquium.associations.models import Association

    return db.session.query(Association).filter_by(slug="membre-000").one()


def _counts(client, count_queries, url):
    counts = {}
    for lang in ("fr", "en"):
        with count_queries() as queries:
            page = client.get(f"{url}?lang={lang}")
        assert page.status_code == 200, url
        counts[lang] = len(queries)
    return counts


@pytest.mark.parametrize("page", PAGES)
def test_each_public_page_runs_as_many_queries_at_200_sessions_as_at_10(
    client, count_queries, page
):
    _members(0, 5)
    edition = make_edition()
    rooms = [make_room(edition, f"Salle {n}") for n in range(4)]
    speakers = [make_speaker(edition, f"Intervenante {n:03d}") for n in range(12)]
    speakers[0].association_id = programme_member().id
    _sessions(edition, 0, 10, rooms, speakers)
    programme.set_published(edition, True)
    db.session.commit()
    measured = programme.list_sessions(edition)[0]
    url = page.format(session=measured.id, speaker=speakers[0].id, association="membre-000")
    small = _counts(client, count_queries, url)

    _members(5, 60)
    more = [make_speaker(edition, f"Intervenante {n:03d}") for n in range(12, 60)]
    _sessions(edition, 10, 200, rooms, speakers + more)
    programme.update_session(
        measured,
        programme.SessionData(
            title_fr=measured.title_fr,
            kind=measured.kind,
            starts_at=measured.starts_at,
            ends_at=measured.ends_at,
            room_id=measured.room_id,
            speakers=[programme.SpeakerEntry(s.id, "speaker") for s in more[:8]],
        ),
    )
    db.session.commit()
    assert _counts(client, count_queries, url) == small


def _bulk_programme(edition, sessions, rooms, speakers):
    """Add ``sessions`` sessions of two speakers each in three INSERT statements (fast)."""
    from colloquium.programme.models import ProgrammeSession, SessionSpeaker

    first = at(edition, "08:00")
    rows = [
        {
            "edition_id": edition.id,
            "title_fr": f"Atelier en masse {number}",
            "title_en": f"Bulk workshop {number}",
            "kind": "workshop",
            "summary_fr": "Retours d\u2019expérience.",
            "starts_at": first + timedelta(minutes=(number * 15) % 600),
            "ends_at": first + timedelta(minutes=(number * 15) % 600 + 10),
            "room_id": rooms[number % len(rooms)].id,
        }
        for number in range(sessions)
    ]
    ids = db.session.scalars(sa.insert(ProgrammeSession).returning(ProgrammeSession.id), rows)
    db.session.execute(
        sa.insert(SessionSpeaker),
        [
            {"session_id": session_id, "speaker_id": speaker.id, "position": position}
            for number, session_id in enumerate(ids.all())
            for position, speaker in enumerate(
                (speakers[0], speakers[1 + number % (len(speakers) - 1)])
            )
        ],
    )


def _bulk_members(start, stop):
    """Add member associations ``start`` to ``stop``, each with two areas, in two INSERTs."""
    from colloquium.associations.models import Association, AssociationArea

    ids = db.session.scalars(
        sa.insert(Association).returning(Association.id),
        [
            {"slug": f"membre-{number:04d}", "name": f"Membre {number:04d}", "city": "Lyon"}
            for number in range(start, stop)
        ],
    )
    db.session.execute(
        sa.insert(AssociationArea),
        [
            {"association_id": association_id, "area": area}
            for association_id in ids.all()
            for area in ("victim_support", "prevention")
        ],
    )


# SQLAlchemy's selectinload sends at most 500 ids per IN list: a page that loads a
# collection that way over every session or member runs one query more per 500 of them.
PAST_ONE_IN_LIST = 510


@pytest.mark.parametrize("page", PAGES)
def test_each_public_page_runs_as_many_queries_past_500_sessions_and_members(
    client, count_queries, page
):
    _members(0, 5)
    edition = make_edition()
    rooms = [make_room(edition, f"Salle {n}") for n in range(4)]
    speakers = [make_speaker(edition, f"Intervenante {n:03d}") for n in range(12)]
    speakers[0].association_id = programme_member().id
    _sessions(edition, 0, 10, rooms, speakers)
    programme.set_published(edition, True)
    db.session.commit()
    measured = programme.list_sessions(edition)[0]
    url = page.format(session=measured.id, speaker=speakers[0].id, association="membre-000")
    small = _counts(client, count_queries, url)

    _bulk_members(5, PAST_ONE_IN_LIST)
    _bulk_programme(edition, PAST_ONE_IN_LIST, rooms, speakers)
    db.session.commit()
    assert len(programme.list_sessions(edition)) == 10 + PAST_ONE_IN_LIST
    assert associations.count_members() == PAST_ONE_IN_LIST
    assert _counts(client, count_queries, url) == small
