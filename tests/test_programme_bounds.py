"""Bounds of the programme: a session lies near the colloquium, numbers stay plausible, and
the day view stays small whatever the database already holds."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from colloquium.errors import DomainError
from colloquium.extensions import db
from colloquium.programme import services
from colloquium.programme.models import ProgrammeSession, Room
from colloquium.programme.timetable import SLOT, timetable
from tests.factories import (
    COMING_YEAR,
    NEXT_YEAR,
    at,
    make_edition,
    make_room,
    make_session,
    make_user,
)
from tests.web import log_in, post_form

ORGANISER = "organiser@example.org"
# Three days of quarter hours, and one more hour when the clocks go back in between.
MAX_ROWS = (3 * 24 + 1) * 4


def _sessions() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ProgrammeSession))


def _data(edition, starts_at, ends_at, **values) -> services.SessionData:
    return services.SessionData(
        title_fr="Atelier", kind="workshop", starts_at=starts_at, ends_at=ends_at, **values
    )


def _typo(edition, title: str, starts_at: datetime, ends_at: datetime) -> ProgrammeSession:
    """A session as an older version saved it, before the window: straight into the table."""
    session = ProgrammeSession(
        edition_id=edition.id,
        edition=edition,
        title_fr=title,
        kind="workshop",
        starts_at=starts_at,
        ends_at=ends_at,
    )
    db.session.add(session)
    db.session.commit()
    return session


def _organiser(client):
    make_user(ORGANISER, role="organiser")
    assert log_in(client, ORGANISER).status_code == 302


# --- The window: from 00:00 the day before to 24:00 the day after ----------------------------


@pytest.mark.parametrize(
    ("starts", "ends", "field"),
    [
        (("23:45", -2), ("10:00", 0), "starts_at"),  # a quarter hour before the window
        (("09:00", 0), ("00:15", 2), "ends_at"),  # a quarter hour after it
        (("09:00", 0), ("10:00", 180 * 365), "ends_at"),  # 2207 for 2027
        (("09:00", -366), ("10:00", 0), "starts_at"),  # the year before
    ],
)
def test_a_session_outside_the_window_is_refused(app, starts, ends, field):
    edition = make_edition(COMING_YEAR)
    with pytest.raises(DomainError) as refused:
        services.create_session(edition, _data(edition, at(edition, *starts), at(edition, *ends)))
    assert refused.value.field == field
    db.session.rollback()
    assert _sessions() == 0


def test_the_window_includes_both_of_its_ends_and_warns_outside_the_day(app):
    edition = make_edition(COMING_YEAR)
    eve = services.create_session(
        edition, _data(edition, at(edition, "00:00", -1), at(edition, "01:00", -1))
    )
    after = services.create_session(
        edition, _data(edition, at(edition, "23:00", 1), at(edition, "00:00", 2))
    )
    kinds = [(c.kind, c.session_ids) for c in services.programme_conflicts(edition)]
    assert ("outside_day", (eve.id,)) in kinds and ("outside_day", (after.id,)) in kinds


def test_moving_a_session_out_of_the_window_is_refused_and_changes_nothing(app):
    edition = make_edition(COMING_YEAR)
    session = make_session(edition)
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        services.update_session(
            session, _data(edition, at(edition, "09:00"), at(edition, "10:00", 3))
        )
    assert refused.value.field == "ends_at"
    db.session.rollback()
    assert db.session.get(ProgrammeSession, session.id).ends_at == at(edition, "10:00")


def test_the_window_follows_the_editions_date_and_time_zone(app):
    from datetime import date

    edition = make_edition(
        COMING_YEAR,
        date=date(COMING_YEAR, 1, 1),
        timezone="America/Martinique",
        registration_opens_at=datetime(COMING_YEAR - 1, 6, 1, tzinfo=UTC),
        registration_closes_at=datetime(COMING_YEAR - 1, 12, 30, tzinfo=UTC),
    )
    # 31 December of the year before, 00:00 in Martinique: inside, though another year.
    services.create_session(
        edition, _data(edition, at(edition, "00:00", -1), at(edition, "02:00", -1))
    )
    with pytest.raises(DomainError):  # 23:59 the day before that, in Martinique
        services.create_session(
            edition, _data(edition, at(edition, "23:59", -2), at(edition, "02:00", -1))
        )


@pytest.mark.parametrize(
    "day",
    [
        f"{COMING_YEAR + 180}-10-17",
        "0001-01-01",
        "9999-12-31",
        f"{COMING_YEAR}-10-19",  # two days after
        f"{COMING_YEAR}-10-15",  # two days before
        "",
        "17/10",
    ],
)
def test_the_session_form_offers_only_the_days_of_the_window(app, client, day):
    make_edition(COMING_YEAR)
    _organiser(client)
    data = {
        "title_fr": "Mon atelier",
        "kind": "workshop",
        "day": day,
        "starts_at": "09:00",
        "ends_at": "10:00",
        "room_id": "",
        "language": "fr",
    }
    response = post_form(client, f"/admin/programme/{COMING_YEAR}/sessions/new?lang=en", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="day-error"' in page
    assert _sessions() == 0


def test_the_days_offered_speak_french(app, client):
    make_edition(COMING_YEAR)
    _organiser(client)
    page = client.get(f"/admin/programme/{COMING_YEAR}/sessions/new?lang=fr").get_data(as_text=True)
    for day in (16, 17, 18):
        assert f"{day} octobre {COMING_YEAR}</option>" in page


def test_duplicating_a_session_outside_the_window_offers_it_on_the_day(app, client):
    edition = make_edition(COMING_YEAR)
    typo = _typo(
        edition,
        "Coquille",
        at(edition, "09:00"),
        at(edition, "10:00").replace(year=COMING_YEAR + 180),
    )
    _organiser(client)
    response = post_form(
        client,
        f"/admin/programme/{COMING_YEAR}/sessions/{typo.id}/duplicate?lang=en",
        {},
        form_url=f"/admin/programme/{COMING_YEAR}",
    )
    assert response.headers["Location"].endswith(f"/sessions/new?from={typo.id}")
    page = client.get(response.headers["Location"] + "&lang=en").get_data(as_text=True)
    assert f'<option selected value="{COMING_YEAR}-10-17">' in page
    assert _sessions() == 1


def test_copying_a_programme_with_a_session_outside_the_window_copies_nothing(app):
    edition = make_edition(COMING_YEAR)
    target = make_edition(NEXT_YEAR)
    make_room(edition, "Salle A")
    make_session(edition, "Accueil", starts="18:00", ends="20:00")
    _typo(edition, "Coquille", at(edition, "09:00"), datetime(COMING_YEAR + 180, 1, 1, tzinfo=UTC))
    with pytest.raises(DomainError) as refused:
        services.copy_programme(edition, target, with_sessions=True)
    assert refused.value.field == "target" and "Coquille" in str(refused.value.message)
    db.session.rollback()
    assert _sessions() == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Room)) == 1


def test_a_session_on_the_eve_is_copied_to_the_next_editions_eve(app):
    edition = make_edition(COMING_YEAR)
    target = make_edition(NEXT_YEAR)
    services.create_session(
        edition, _data(edition, at(edition, "19:00", -1), at(edition, "21:00", -1))
    )
    services.copy_programme(edition, target, with_sessions=True)
    (copied,) = services.list_sessions(target)
    assert (copied.starts_at, copied.ends_at) == (at(target, "19:00", -1), at(target, "21:00", -1))


# --- Numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seats", ["100001", str(2**31), str(2**63), "99999999999999999999"])
def test_a_room_with_too_many_seats_is_a_field_error(app, client, seats):
    make_edition(COMING_YEAR)
    _organiser(client)
    response = post_form(
        client,
        f"/admin/programme/{COMING_YEAR}/rooms/new?lang=en",
        {"name": "Salle", "seats": seats},
    )
    assert response.status_code == 200
    assert 'id="seats-error"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Room)) == 0


def test_a_room_of_exactly_the_maximum_is_saved(app, client):
    make_edition(COMING_YEAR)
    _organiser(client)
    response = post_form(
        client, f"/admin/programme/{COMING_YEAR}/rooms/new", {"name": "Stade", "seats": "100000"}
    )
    assert response.status_code == 302


@pytest.mark.parametrize("audience", ["100001", str(2**63)])
def test_an_expected_audience_too_large_is_a_field_error(app, client, audience):
    make_edition(COMING_YEAR)
    _organiser(client)
    data = {
        "title_fr": "Mon atelier",
        "kind": "workshop",
        "day": f"{COMING_YEAR}-10-17",
        "starts_at": "09:00",
        "ends_at": "10:00",
        "language": "fr",
        "expected_audience": audience,
    }
    response = post_form(client, f"/admin/programme/{COMING_YEAR}/sessions/new?lang=en", data)
    assert 'id="expected_audience-error"' in response.get_data(as_text=True)
    assert _sessions() == 0


def test_the_services_refuse_implausible_numbers_too(app):
    edition = make_edition(COMING_YEAR)
    with pytest.raises(DomainError) as refused:
        services.create_room(edition, services.RoomData(name="Salle", seats=100_001))
    assert refused.value.field == "seats"
    with pytest.raises(DomainError) as refused:
        services.create_session(
            edition,
            _data(edition, at(edition, "09:00"), at(edition, "10:00"), expected_audience=10**6),
        )
    assert refused.value.field == "expected_audience"


# --- The day view, whatever the database holds -----------------------------------------------


def test_the_day_view_clips_a_session_saved_years_long(app):
    edition = make_edition(COMING_YEAR)
    room = make_room(edition)
    make_session(edition, "Ouverture", "09:00", "10:00", room=room)
    long = _typo(
        edition,
        "Coquille",
        at(edition, "11:00"),
        at(edition, "12:00").replace(year=COMING_YEAR + 180),
    )
    table = timetable(edition, services.list_sessions(edition), services.list_rooms(edition))
    assert len(table.rows) <= MAX_ROWS
    # From 09:00 on the day to 24:00 on the day after: 39 hours.
    assert len(table.rows) == 39 * 4
    assert table.left_out == []
    (cell,) = [row[1][1] for row in table.rows if row[1][1] not in (None, "gap")]
    assert cell.sessions == [long] and cell.rowspan == 37 * 4


def test_the_day_view_leaves_out_sessions_wholly_outside_the_window(app):
    edition = make_edition(COMING_YEAR)
    make_session(edition, "Ouverture", "09:00", "10:00")
    far = _typo(
        edition,
        "Coquille",
        at(edition, "09:00").replace(year=COMING_YEAR + 180),
        at(edition, "10:00").replace(year=COMING_YEAR + 180),
    )
    ancient = _typo(
        edition, "Antique", datetime(1, 1, 2, tzinfo=UTC), datetime(1, 1, 3, tzinfo=UTC)
    )
    table = timetable(edition, services.list_sessions(edition), [])
    assert len(table.rows) == 4
    assert table.left_out == [ancient, far]


def test_the_day_view_of_old_bad_rows_answers_and_says_what_it_leaves_out(app, client):
    edition = make_edition(COMING_YEAR)
    make_session(edition, "Ouverture", "09:00", "10:00")
    _typo(
        edition,
        "Coquille",
        at(edition, "09:00").replace(year=COMING_YEAR + 180),
        at(edition, "10:00").replace(year=COMING_YEAR + 180),
    )
    _typo(edition, "Interminable", at(edition, "11:00"), datetime(9999, 12, 31, tzinfo=UTC))
    _typo(edition, "Antique", datetime(1, 1, 2, tzinfo=UTC), at(edition, "09:00"))
    _organiser(client)
    for language, notice in [
        ("en", "1 session is not drawn"),
        ("fr", "1 séance n\u2019est pas affichée"),
    ]:
        response = client.get(f"/admin/programme/{COMING_YEAR}?lang={language}")
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert notice in page
        assert page.count("<tr>") <= MAX_ROWS + 20  # the day view's rows, plus other tables


def test_the_day_view_of_a_programme_inside_the_window_is_unchanged(app):
    edition = make_edition(COMING_YEAR)
    make_session(edition, "Ouverture", "09:00", "10:30")
    table = timetable(edition, services.list_sessions(edition), [])
    assert table.left_out == []
    assert [label for label, _ in table.rows][:2] == ["09:00", "09:15"]
    assert len(table.rows) * SLOT == at(edition, "10:30") - at(edition, "09:00")
