"""The data the read benchmarks measure: the demo day, topped up to a given size.

``build_day()`` loads ``flask demo`` (the edition, the 26 member associations, the published
programme, the resources) and adds rooms, speakers and sessions through the programme
services until the day has the sizes asked for; ``add_members()`` adds member associations.
Nothing here commits: the caller does, once.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from colloquium import demo
from colloquium.associations import demo as associations_demo
from colloquium.associations.models import Association, AssociationArea
from colloquium.editions import services as editions
from colloquium.programme import services as programme
from colloquium.resources import demo as resources_demo

FIRST_START = time(8, 0)


def build_day(sessions: int = 40, speakers: int = 60, rooms: int = 4):
    """The demo edition with at least ``sessions`` sessions, ``speakers`` and ``rooms``."""
    for _line in demo.load_demo():
        pass
    edition = editions.get_edition(demo.coming_year())
    return top_up(edition, sessions, speakers, rooms)


def build_sized(sessions: int, members: int, session):
    """A published programme of exactly ``sessions`` sessions and ``members`` associations.

    The demo's member associations and brochures, not its programme (14 sessions).
    """
    for _line in associations_demo.load():
        pass
    for _line in resources_demo.load():
        pass
    add_members(members, session)
    edition = editions.create_edition(
        demo.coming_year(), editions.EditionChanges(capacity=demo.DEMO_CAPACITY)
    )
    top_up(edition, sessions, min(60, max(4, sessions)), 4)
    programme.set_published(edition, True)
    return edition


def top_up(edition, sessions: int, speakers: int, rooms: int):
    """Add rooms, speakers and sessions to ``edition`` up to the sizes given."""
    room_list = programme.list_rooms(edition)
    for number in range(len(room_list), rooms):
        room_list.append(
            programme.create_room(edition, programme.RoomData(f"Salle {number + 1}", 60))
        )
    speaker_list = programme.list_speakers(edition)
    for number in range(len(speaker_list), speakers):
        speaker_list.append(
            programme.create_speaker(
                edition,
                programme.SpeakerData(
                    name=f"Intervenante {number + 1:04d}",
                    title_fr="Juriste",
                    title_en="Lawyer",
                    affiliation_fr="Association fictive",
                    affiliation_en="Fictional association",
                    bio_fr="Accompagne des victimes de la traite depuis dix ans.",
                    bio_en="Has supported victims of trafficking for ten years.",
                ),
            )
        )
    existing = len(programme.list_sessions(edition))
    for number in range(existing, sessions):
        room = room_list[number % len(room_list)]
        slot = number // len(room_list)
        starts = datetime.combine(edition.date, FIRST_START, edition.tz) + timedelta(
            minutes=(slot * 20) % (12 * 60)
        )
        chosen = [speaker_list[(number * 3 + k) % len(speaker_list)] for k in range(2)]
        programme.create_session(
            edition,
            programme.SessionData(
                title_fr=f"Atelier {number + 1} : accompagner les victimes",
                title_en=f"Workshop {number + 1}: supporting victims",
                kind="workshop",
                starts_at=starts,
                ends_at=starts + timedelta(minutes=45),
                room_id=room.id,
                summary_fr="Retours d\u2019expérience et outils pratiques.",
                summary_en="Lessons learnt and practical tools.",
                speakers=[programme.SpeakerEntry(s.id, "speaker") for s in chosen],
            ),
        )
    return edition


def add_members(count: int, session) -> None:
    """Add member associations (in the caller's transaction) up to ``count`` in all."""
    existing = session.query(Association).count()
    for number in range(existing, count):
        association = Association(
            slug=f"association-{number + 1:04d}",
            name=f"Association {number + 1:04d}",
            city="Lyon",
            summary_fr="Accueil et accompagnement des victimes.",
            summary_en="Shelter and support for victims.",
        )
        association.area_links = [AssociationArea(area="victim_support")]
        session.add(association)
    session.flush()
