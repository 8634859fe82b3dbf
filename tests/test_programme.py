"""The programme's rules: validation, conflict warnings, publishing dates, copying to next year."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from colloquium.errors import DomainError
from colloquium.extensions import db
from colloquium.programme import services
from colloquium.programme.models import ProgrammeSession, SessionSpeaker
from tests.factories import (
    COMING_YEAR,
    NEXT_YEAR,
    at,
    make_edition,
    make_room,
    make_session,
    make_speaker,
)


def kinds(conflicts):
    return sorted(conflict.kind for conflict in conflicts)


def session_data(edition, **changes):
    values = {
        "title_fr": "Atelier",
        "kind": "workshop",
        "starts_at": at(edition, "14:00"),
        "ends_at": at(edition, "15:00"),
    }
    values.update(changes)
    return services.SessionData(**values)


# --- refused -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("starts", "ends"), [("11:00", "10:00"), ("10:00", "10:00")])
def test_a_session_must_end_after_it_starts(app, starts, ends):
    edition = make_edition()
    with pytest.raises(DomainError) as caught:
        services.create_session(
            edition, session_data(edition, starts_at=at(edition, starts), ends_at=at(edition, ends))
        )
    assert caught.value.field == "ends_at"
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgrammeSession)) == 0


def test_the_database_refuses_a_session_ending_before_it_starts(app):
    edition = make_edition()
    db.session.add(
        ProgrammeSession(
            edition_id=edition.id,
            title_fr="À l'envers",
            kind="panel",
            starts_at=at(edition, "11:00"),
            ends_at=at(edition, "10:00"),
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_speaker_cannot_be_listed_twice_in_one_session(app):
    edition = make_edition()
    speaker = make_speaker(edition)
    entries = [services.SpeakerEntry(speaker.id), services.SpeakerEntry(speaker.id, "moderator")]
    with pytest.raises(DomainError) as caught:
        services.create_session(edition, session_data(edition, speakers=entries))
    assert caught.value.field == "speakers"


def test_the_database_refuses_a_speaker_twice_in_one_session(app):
    edition = make_edition()
    speaker = make_speaker(edition)
    session = make_session(edition, speakers=[speaker])
    db.session.add(SessionSpeaker(session_id=session.id, speaker_id=speaker.id, position=1))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title_fr": "  "}, "title_fr"),
        ({"kind": "party"}, "kind"),
        ({"language": "de"}, "language"),
        ({"expected_audience": -1}, "expected_audience"),
        ({"room_id": 999_999}, "room_id"),
        ({"speakers": [services.SpeakerEntry(999_999)]}, "speakers"),
    ],
)
def test_a_session_with_a_bad_value_is_refused(app, changes, field):
    edition = make_edition()
    with pytest.raises(DomainError) as caught:
        services.create_session(edition, session_data(edition, **changes))
    assert caught.value.field == field


def test_a_session_cannot_use_another_editions_room_or_speaker(app):
    edition, other = make_edition(COMING_YEAR), make_edition(NEXT_YEAR)
    room, speaker = make_room(other), make_speaker(other)
    with pytest.raises(DomainError) as caught:
        services.create_session(edition, session_data(edition, room_id=room.id))
    assert caught.value.field == "room_id"
    with pytest.raises(DomainError) as caught:
        services.create_session(
            edition, session_data(edition, speakers=[services.SpeakerEntry(speaker.id)])
        )
    assert caught.value.field == "speakers"


def test_a_speaker_role_must_be_known(app):
    edition = make_edition()
    speaker = make_speaker(edition)
    with pytest.raises(DomainError) as caught:
        services.create_session(
            edition, session_data(edition, speakers=[services.SpeakerEntry(speaker.id, "star")])
        )
    assert caught.value.field == "speakers"


def test_room_names_are_unique_within_an_edition(app):
    edition, other = make_edition(COMING_YEAR), make_edition(NEXT_YEAR)
    make_room(edition, "Salle Olympe de Gouges")
    with pytest.raises(DomainError) as caught:
        make_room(edition, "salle olympe de gouges")
    assert caught.value.field == "name"
    assert make_room(other, "Salle Olympe de Gouges").edition_id == other.id


@pytest.mark.parametrize(
    ("values", "field"),
    [({"name": ""}, "name"), ({"name": "Salle", "seats": -3}, "seats")],
)
def test_a_room_with_a_bad_value_is_refused(app, values, field):
    edition = make_edition()
    with pytest.raises(DomainError) as caught:
        services.create_room(edition, services.RoomData(**values))
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": " "}, "name"),
        ({"name": "Ada", "email": "not-an-address"}, "email"),
        ({"name": "Ada", "association_id": 999_999}, "association_id"),
    ],
)
def test_a_speaker_with_a_bad_value_is_refused(app, values, field):
    edition = make_edition()
    with pytest.raises(DomainError) as caught:
        services.create_speaker(edition, services.SpeakerData(**values))
    assert caught.value.field == field


# --- editing -------------------------------------------------------------------------------------


def test_speakers_keep_the_order_and_roles_given(app):
    edition = make_edition()
    first, second, third = (make_speaker(edition, name) for name in ("Ana", "Bea", "Cyd"))
    session = make_session(edition, speakers=[(third, "chair"), first, (second, "moderator")])
    assert [(link.speaker.name, link.role) for link in session.speaker_links] == [
        ("Cyd", "chair"),
        ("Ana", "speaker"),
        ("Bea", "moderator"),
    ]
    services.update_session(
        session,
        session_data(
            edition,
            speakers=[services.SpeakerEntry(second.id), services.SpeakerEntry(third.id, "chair")],
        ),
    )
    db.session.commit()
    db.session.expire_all()
    session = db.session.get(ProgrammeSession, session.id)
    assert [(link.speaker.name, link.role) for link in session.speaker_links] == [
        ("Bea", "speaker"),
        ("Cyd", "chair"),
    ]
    assert session.sequence == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionSpeaker)) == 2


def test_deleting_a_room_keeps_its_sessions_without_a_room(app):
    edition = make_edition()
    room = make_room(edition)
    session = make_session(edition, room=room)
    services.delete_room(room)
    db.session.commit()
    db.session.expire_all()
    session = db.session.get(ProgrammeSession, session.id)
    assert session.room is None and session.sequence == 1
    assert kinds(services.programme_conflicts(edition)) == ["no_room"]


def test_deleting_a_speaker_takes_them_off_their_sessions(app):
    edition = make_edition()
    speaker, other = make_speaker(edition, "Ana"), make_speaker(edition, "Bea")
    session = make_session(edition, speakers=[speaker, other])
    services.delete_speaker(speaker)
    db.session.commit()
    db.session.expire_all()
    session = db.session.get(ProgrammeSession, session.id)
    assert [link.speaker.name for link in session.speaker_links] == ["Bea"]


def test_deleting_a_session_removes_its_speaker_links_only(app):
    edition = make_edition()
    speaker = make_speaker(edition)
    session = make_session(edition, speakers=[speaker])
    services.delete_session(session)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionSpeaker)) == 0
    assert services.list_speakers(edition) == [speaker]


def test_speakers_and_rooms_sort_accented_names_among_their_letters(app):
    edition = make_edition()
    names = ["Zoé Petit", "Émilie Roux", "éric Blanc", "Adèle Morel", "Eva Durand"]
    speakers = [make_speaker(edition, name) for name in names]
    session = make_session(edition, speakers=speakers)
    ordered = ["Adèle Morel", "Émilie Roux", "éric Blanc", "Eva Durand", "Zoé Petit"]
    assert [s.name for s in services.list_speakers(edition)] == ordered
    assert [s.name for s in services.speakers_of([session])] == ordered
    for name in ["Zénith", "Écrin", "Auditorium"]:
        make_room(edition, name)
    assert [r.name for r in services.list_rooms(edition)] == ["Auditorium", "Écrin", "Zénith"]


# --- conflict warnings ---------------------------------------------------------------------------


def test_a_clean_programme_has_no_warning(app):
    edition = make_edition()
    room, other_room = make_room(edition, "A"), make_room(edition, "B")
    speaker = make_speaker(edition)
    make_session(edition, "Un", "09:00", "10:00", room=room, speakers=[speaker])
    make_session(edition, "Deux", "09:00", "10:00", room=other_room)
    make_session(edition, "Trois", "10:00", "11:00", room=room, speakers=[speaker])
    assert services.programme_conflicts(edition) == []


def test_touching_intervals_are_not_overlaps(app):
    edition = make_edition()
    room, speaker = make_room(edition), make_speaker(edition)
    make_session(edition, "Matin", "10:00", "11:00", room=room, speakers=[speaker])
    make_session(edition, "Suite", "11:00", "12:00", room=room, speakers=[speaker])
    assert services.programme_conflicts(edition) == []


def test_a_room_used_twice_at_once(app):
    edition = make_edition()
    room = make_room(edition, "Salle Simone Veil")
    first = make_session(edition, "Un", "10:00", "11:00", room=room)
    second = make_session(edition, "Deux", "10:59", "12:00", room=room)
    [conflict] = services.programme_conflicts(edition)
    assert conflict.kind == "room_double_booked"
    assert set(conflict.session_ids) == {first.id, second.id}
    assert "Salle Simone Veil" in str(conflict.message) and "10:59\u201311:00" in str(
        conflict.message
    )


def test_a_session_inside_another_in_the_same_room(app):
    edition = make_edition()
    room = make_room(edition)
    make_session(edition, "Long", "09:00", "12:00", room=room)
    make_session(edition, "Court", "10:00", "10:30", room=room)
    make_session(edition, "Autre", "11:00", "11:30", room=room)
    assert kinds(services.programme_conflicts(edition)) == ["room_double_booked"] * 2


def test_a_speaker_in_two_places_at_once(app):
    edition = make_edition()
    speaker = make_speaker(edition, "Ana Lopes")
    room_a, room_b = make_room(edition, "A"), make_room(edition, "B")
    make_session(edition, "Un", "14:00", "15:30", room=room_a, speakers=[speaker])
    make_session(edition, "Deux", "15:00", "16:00", room=room_b, speakers=[(speaker, "chair")])
    [conflict] = services.programme_conflicts(edition)
    assert conflict.kind == "speaker_double_booked"
    assert "Ana Lopes" in str(conflict.message)


def test_a_session_outside_the_day_in_the_editions_time_zone(app):
    edition = make_edition()
    room = make_room(edition)
    make_session(edition, "Veille", "18:00", "19:00", room=room)
    late = make_session(edition, "Tard", "23:00", "23:59", room=room)
    db.session.flush()
    # 23:00-00:30 local runs past midnight in Paris although it is the same day in UTC.
    late.ends_at = at(edition, "00:30", days=1)
    early = services.create_session(
        edition,
        session_data(
            edition,
            title_fr="Avant",
            room_id=room.id,
            starts_at=at(edition, "23:00", days=-1),
            ends_at=at(edition, "00:30"),
        ),
    )
    conflicts = services.programme_conflicts(edition)
    assert kinds(conflicts) == ["outside_day", "outside_day"]
    assert {c.session_ids for c in conflicts} == {(late.id,), (early.id,)}


def test_the_day_ends_at_local_midnight(app):
    edition = make_edition()
    room = make_room(edition)
    make_session(edition, "Jusqu'à minuit", "23:00", "23:30", room=room).ends_at = at(
        edition, "00:00", days=1
    )
    make_session(edition, "Dès minuit", "00:00", "01:00", room=make_room(edition, "B"))
    assert services.programme_conflicts(edition) == []


def test_a_session_without_a_room(app):
    edition = make_edition()
    session = make_session(edition, room=None)
    [conflict] = services.programme_conflicts(edition)
    assert (conflict.kind, conflict.session_ids) == ("no_room", (session.id,))


def test_more_expected_audience_than_seats(app):
    edition = make_edition()
    small, unknown = make_room(edition, "Petite salle", seats=30), make_room(edition, "X", None)
    make_session(edition, "Exactement", "09:00", "10:00", room=small, expected_audience=30)
    make_session(edition, "Trop", "10:00", "11:00", room=small, expected_audience=31)
    make_session(edition, "Inconnu", "10:00", "11:00", room=unknown, expected_audience=500)
    [conflict] = services.programme_conflicts(edition)
    assert conflict.kind == "over_capacity"
    assert "31" in str(conflict.message) and "30" in str(conflict.message)


def test_warnings_do_not_block_saving(app):
    edition = make_edition()
    room = make_room(edition)
    make_session(edition, "Un", "10:00", "11:00", room=room)
    make_session(edition, "Deux", "10:00", "11:00", room=room)
    db.session.commit()
    assert len(services.list_sessions(edition)) == 2


# --- publishing ----------------------------------------------------------------------------------


def test_changes_before_publishing_do_not_date_the_programme(app):
    edition = make_edition()
    make_session(edition)
    assert edition.programme_updated_at is None


def test_publishing_and_every_later_change_dates_the_programme(app):
    edition = make_edition()
    room = make_room(edition)
    services.set_published(edition, True)
    published_at = edition.programme_updated_at
    assert edition.programme_published and published_at is not None
    edition.programme_updated_at = published_at - timedelta(hours=1)
    for change in (
        lambda: make_session(edition, room=room),
        lambda: services.update_room(room, services.RoomData(name="Nouvelle salle")),
        lambda: make_speaker(edition),
    ):
        before = edition.programme_updated_at
        change()
        assert edition.programme_updated_at > before
        edition.programme_updated_at = before


def test_unpublishing_hides_the_programme(app):
    edition = make_edition()
    services.set_published(edition, True)
    assert services.published_edition(edition.year) is edition
    services.set_published(edition, False)
    assert services.published_edition(edition.year) is None


# --- next year -----------------------------------------------------------------------------------


def test_copy_rooms_only(app):
    source, target = make_edition(COMING_YEAR), make_edition(NEXT_YEAR)
    make_room(source, "A", seats=10, access_notes="Ascenseur")
    make_room(source, "B", seats=20)
    make_room(target, "B", seats=99)
    make_session(source, room=None)
    result = services.copy_programme(source, target)
    assert (result.rooms, result.sessions) == (1, 0)
    assert [(r.name, r.seats, r.access_notes_fr) for r in services.list_rooms(target)] == [
        ("A", 10, "Ascenseur"),
        ("B", 99, ""),
    ]
    assert services.list_sessions(target) == []


def test_copy_the_session_skeleton_to_the_new_date(app):
    source, target = make_edition(COMING_YEAR), make_edition(NEXT_YEAR)
    room, speaker = make_room(source, "A"), make_speaker(source)
    make_session(
        source,
        "Ouverture",
        "09:00",
        "09:30",
        room=room,
        speakers=[speaker],
        kind="opening",
        description="Texte de l'an dernier",
        language="both",
        interpretation=True,
    )
    result = services.copy_programme(source, target, with_sessions=True)
    assert (result.rooms, result.sessions) == (1, 1)
    [copy] = services.list_sessions(target)
    assert copy.starts_at == at(target, "09:00") and copy.ends_at == at(target, "09:30")
    assert copy.room.edition_id == target.id and copy.room.name == "A"
    assert (copy.kind, copy.language, copy.interpretation) == ("opening", "both", True)
    assert copy.description_fr == "" and copy.speaker_links == []
    assert services.programme_conflicts(target) == []


def test_copy_into_the_same_edition_is_refused(app):
    edition = make_edition()
    with pytest.raises(DomainError):
        services.copy_programme(edition, edition)
