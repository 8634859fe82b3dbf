"""The programme editor as an organiser uses it: warnings after saving, the day view's speaker
clashes, Duplicate that saves nothing, publishing that asks first, times of the day, and as many
speaker rows as needed without saving."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from colloquium.audit.models import AuditEntry
from colloquium.editions.models import Edition
from colloquium.extensions import db
from colloquium.programme import services
from colloquium.programme.forms import MAX_SPEAKER_ROWS
from colloquium.programme.models import ProgrammeSession
from tests.factories import (
    COMING_YEAR,
    DEFAULT_PASSWORD,
    at,
    make_edition,
    make_room,
    make_session,
    make_speaker,
    make_user,
)
from tests.test_browser_accessibility import axe_source as axe_source  # a fixture
from tests.web import csrf_token, log_in, post_form

ORGANISER = "organiser@example.org"
PAGE = f"/admin/programme/{COMING_YEAR}"
DAY = f"{COMING_YEAR}-10-17"


def _organiser(client):
    make_user(ORGANISER, role="organiser")
    assert log_in(client, ORGANISER).status_code == 302


def _sessions() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ProgrammeSession))


def _audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def _programme():
    """Salle A and Salle B; "Ouverture" in Salle A 09:00-10:00 with Ana Lopes (no biography)."""
    edition = make_edition(COMING_YEAR)
    room = make_room(edition, "Salle A", seats=50)
    other_room = make_room(edition, "Salle B", seats=50)
    ana = make_speaker(edition, "Ana Lopes")
    bea = make_speaker(edition, "Bea Marin", bio="Juriste.")
    session = make_session(edition, "Ouverture", room=room, speakers=[ana], kind="opening")
    db.session.commit()
    return edition, room, other_room, ana, bea, session


def _form(**changes) -> dict:
    data = {
        "title_fr": "Atelier",
        "kind": "workshop",
        "day": DAY,
        "starts_at": "11:00",
        "ends_at": "12:00",
        "room_id": "",
        "language": "fr",
    }
    return {**data, **changes}


def _flashes(page: str, category: str) -> list[str]:
    return re.findall(rf'<p class="flash flash-{category}">([^<]*)</p>', page)


# --- 1. Saved with a conflict: a warning, not a green "added" -------------------------------------


def test_a_session_without_conflict_is_added_as_before(app, client):
    _edition, room, *_ = _programme()
    _organiser(client)
    url = f"{PAGE}/sessions/new?lang=en"
    response = post_form(client, url, _form(room_id=str(room.id)))
    assert response.headers["Location"] == f"{PAGE}#sessions"
    page = client.get(f"{PAGE}?lang=en").get_data(as_text=True)
    assert _flashes(page, "success") == ["The session is added."]
    assert not _flashes(page, "warning")


def test_a_session_saved_in_a_room_already_used_lands_on_its_page_with_the_warning(app, client):
    _edition, room, _other, *_ = _programme()
    _organiser(client)
    response = post_form(
        client,
        f"{PAGE}/sessions/new?lang=en",
        _form(title_fr="Conflit", starts_at="09:30", ends_at="10:30", room_id=str(room.id)),
    )
    created = db.session.scalar(
        sa.select(ProgrammeSession).where(ProgrammeSession.title_fr == "Conflit")
    )
    assert created is not None  # a conflict warns, it never refuses
    assert response.headers["Location"] == f"{PAGE}/sessions/{created.id}"
    page = client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert _flashes(page, "warning") == ["Saved, but with 1 warning: see it above the form."]
    assert not _flashes(page, "success") and "The session is added." not in page
    warnings = page[
        page.index('id="session-warnings"') : page.index(
            "</ul>", page.index('id="session-warnings"')
        )
    ]
    assert (
        "Salle A is used by “Ouverture” and “Conflit” at the same time (09:30\u201310:00)."
        in warnings
    )
    assert warnings.index("session-warnings") < page.index("<form")


def test_an_edit_that_puts_a_speaker_in_two_places_warns_with_their_name(app, client):
    edition, _room, other_room, ana, _bea, _session = _programme()
    moved = make_session(edition, "Atelier", "11:00", "12:00", room=other_room)
    db.session.commit()
    _organiser(client)
    url = f"{PAGE}/sessions/{moved.id}?lang=fr"
    response = post_form(
        client,
        url,
        _form(
            starts_at="09:30",
            ends_at="10:30",
            room_id=str(other_room.id),
            **{"speakers-0-speaker_id": str(ana.id), "speakers-0-role": "speaker"},
        ),
    )
    assert response.headers["Location"] == f"{PAGE}/sessions/{moved.id}"
    page = client.get(f"{PAGE}/sessions/{moved.id}?lang=fr").get_data(as_text=True)
    assert len(_flashes(page, "warning")) == 1
    assert "Ana Lopes" in page[page.index('id="session-warnings"') :]
    assert not _flashes(page, "success")


def test_a_session_on_the_eve_without_a_room_warns_of_both(app, client):
    _programme()
    _organiser(client)
    response = post_form(
        client,
        f"{PAGE}/sessions/new?lang=en",
        _form(title_fr="Réception", day=f"{COMING_YEAR}-10-16", starts_at="19:00", ends_at="21:00"),
    )
    page = client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert _flashes(page, "warning") == ["Saved, but with 2 warnings: see them above the form."]
    assert "“Réception” is not within the day of the colloquium." in page
    assert "“Réception” has no room." in page


def test_a_refused_session_is_still_an_error_next_to_its_field(app, client):
    _programme()
    _organiser(client)
    response = post_form(
        client, f"{PAGE}/sessions/new?lang=en", _form(starts_at="12:00", ends_at="11:00")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="ends_at-error"' in page and "A session must end after it starts." in page
    assert _sessions() == 1


# --- 2. Speaker clashes in the day view -----------------------------------------------------------


def test_the_day_view_marks_both_sessions_of_a_speaker_clash(app, client):
    edition, _room, other_room, ana, _bea, _session = _programme()
    make_session(edition, "Atelier B", "09:30", "10:30", room=other_room, speakers=[ana])
    db.session.commit()
    _organiser(client)
    page = client.get(f"{PAGE}?lang=en").get_data(as_text=True)
    table = page[page.index('<table class="timetable">') : page.index("</table>")]
    cells = re.findall(r'<td rowspan="\d+" class="([^"]*)">(.*?)</td>', table, re.S)
    clashing = [body for classes, body in cells if "timetable-clash" in classes]
    assert len(clashing) == 2
    for body in clashing:
        assert "Speaker clash" in body
        assert "Ana Lopes is expected in “Ouverture” and “Atelier B”" in body
    assert "timetable-overlap" not in table  # different rooms: no room overlap


def test_the_day_view_has_no_clash_without_a_shared_speaker(app):
    from colloquium.programme.timetable import timetable

    edition, _room, other_room, _ana, bea, _session = _programme()
    make_session(edition, "Atelier B", "09:30", "10:30", room=other_room, speakers=[bea])
    table = timetable(edition, services.list_sessions(edition), services.list_rooms(edition))
    assert table.clashes == {}
    assert not any(getattr(cell, "clash", False) for _, cells in table.rows for cell in cells)


# --- 3. Duplicate saves and publishes nothing ----------------------------------------------------


def test_duplicate_publishes_nothing_until_the_form_is_saved(app, client):
    edition, room, _other, ana, _bea, session = _programme()
    services.set_published(edition, True)
    db.session.commit()
    _organiser(client)
    before = client.get(f"/api/v1/programme/{COMING_YEAR}").get_json()["sessions"]
    response = post_form(client, f"{PAGE}/sessions/{session.id}/duplicate", {}, form_url=PAGE)
    assert response.status_code == 303
    assert _sessions() == 1
    assert client.get(f"/api/v1/programme/{COMING_YEAR}").get_json()["sessions"] == before
    form_url = response.headers["Location"] + "&lang=en"
    form = client.get(form_url).get_data(as_text=True)
    assert "A copy of “Ouverture”: change what differs, then save." in form
    assert 'value="Ouverture"' in form and 'value="09:00"' in form and 'value="10:00"' in form
    assert f'<option selected value="{room.id}">Salle A</option>' in form
    assert f'<option selected value="{ana.id}">Ana Lopes</option>' in form
    assert _sessions() == 1
    # The organiser changes the time and saves: only now is there a second session.
    response = post_form(
        client,
        form_url,
        _form(
            title_fr="Ouverture (bis)",
            kind="opening",
            starts_at="14:00",
            ends_at="15:00",
            room_id=str(room.id),
            **{"speakers-0-speaker_id": str(ana.id), "speakers-0-role": "speaker"},
        ),
    )
    assert response.headers["Location"] == f"{PAGE}#sessions"
    assert _sessions() == 2


def test_the_duplicate_button_is_a_link_to_the_prefilled_form(app, client):
    *_, session = _programme()
    _organiser(client)
    page = client.get(f"{PAGE}?lang=en").get_data(as_text=True)
    assert f'href="{PAGE}/sessions/new?from={session.id}">Duplicate' in page
    assert f"/sessions/{session.id}/duplicate" not in page


@pytest.mark.parametrize(
    ("value", "status"),
    [("999", 404), ("0", 404), ("-1", 404), (str(2**31), 404), ("9" * 30, 404), ("abc", 200)],
)
def test_a_hostile_from_is_a_404_or_a_blank_form(app, client, value, status):
    _programme()
    _organiser(client)
    response = client.get(f"{PAGE}/sessions/new?from={value}")
    assert response.status_code == status
    assert _sessions() == 1


def test_a_session_of_another_edition_cannot_be_the_model(app, client):
    _programme()
    other = make_edition(COMING_YEAR + 2)
    foreign = make_session(other, "Ailleurs")
    db.session.commit()
    _organiser(client)
    assert client.get(f"{PAGE}/sessions/new?from={foreign.id}").status_code == 404


# --- 4. Publishing and unpublishing ask first, and are audit-logged ---------------------------


def test_the_publish_page_lists_the_open_warnings(app, client):
    edition, _room, other_room, ana, _bea, _session = _programme()
    make_session(edition, "Sans salle", "11:00", "12:00", speakers=[ana])
    make_session(edition, "Table vide", "14:00", "15:00", room=other_room, kind="panel")
    db.session.commit()
    _organiser(client)
    page = client.get(f"{PAGE}/publish?lang=en").get_data(as_text=True)
    assert "Publish the programme" in page and 'name="confirmed" value="yes"' in page
    assert "“Sans salle” has no room." in page
    assert "“Table vide” has no speaker yet." in page
    assert "Ana Lopes has no biography yet." in page and "Bea Marin" not in page
    assert "3 things to check first" in page
    db.session.expire_all()
    assert db.session.get(Edition, edition.id).programme_published is False  # a GET writes nothing


def test_publish_without_the_confirmation_changes_nothing(app, client):
    edition, *_ = _programme()
    _organiser(client)
    response = post_form(client, f"{PAGE}/publish", {}, form_url=PAGE)
    assert response.status_code == 303
    assert response.headers["Location"] == f"{PAGE}/publish"
    db.session.expire_all()
    assert db.session.get(Edition, edition.id).programme_published is False
    assert _audit("programme.publish") == []
    assert client.get(f"/programme/{COMING_YEAR}").status_code == 404


def test_publish_once_confirmed_is_audit_logged_with_counts(app, client):
    edition, *_ = _programme()
    _organiser(client)
    url = f"{PAGE}/publish"
    response = post_form(client, url + "?lang=en", {"confirmed": "yes"}, form_url=url)
    assert response.headers["Location"] == PAGE
    assert client.get(f"/programme/{COMING_YEAR}").status_code == 200
    [entry] = _audit("programme.publish")
    assert entry.target == f"edition:{COMING_YEAR}"
    assert entry.details == {"sessions": 1, "warnings": 1}  # Ana Lopes has no biography
    assert entry.actor_email == ORGANISER
    # Publishing again from a page left open says so and logs nothing more.
    post_form(client, url, {"confirmed": "yes"}, form_url=PAGE)
    assert len(_audit("programme.publish")) == 1
    db.session.expire_all()
    assert db.session.get(Edition, edition.id).programme_published is True


def test_unpublish_asks_then_is_audit_logged(app, client):
    edition, *_ = _programme()
    services.set_published(edition, True)
    db.session.commit()
    _organiser(client)
    url = f"{PAGE}/unpublish"
    question = client.get(url + "?lang=en").get_data(as_text=True)
    assert "Unpublish the programme" in question and "Yes, unpublish" in question
    assert post_form(client, url, {}, form_url=PAGE).status_code == 303
    assert client.get(f"/programme/{COMING_YEAR}").status_code == 200
    assert _audit("programme.unpublish") == []
    post_form(client, url, {"confirmed": "yes"}, form_url=url)
    assert client.get(f"/programme/{COMING_YEAR}").status_code == 404
    [entry] = _audit("programme.unpublish")
    assert (entry.target, entry.details) == (
        f"edition:{COMING_YEAR}",
        {"sessions": 1, "warnings": 1},
    )


def test_the_programme_page_links_to_the_questions_instead_of_posting(app, client):
    _programme()
    _organiser(client)
    page = client.get(f"{PAGE}?lang=en").get_data(as_text=True)
    assert f'href="{PAGE}/publish">Publish the programme</a>' in page
    assert f'action="{PAGE}/publish"' not in page


def test_a_forged_publish_is_refused(app, client):
    edition, *_ = _programme()
    _organiser(client)
    client.post(f"{PAGE}/publish", data={"confirmed": "yes", "csrf_token": "forged"})
    db.session.expire_all()
    assert db.session.get(Edition, edition.id).programme_published is False
    assert _audit("programme.publish") == []


# --- 5. Times of the edition's day --------------------------------------------------------------


def _last_sunday(year: int, month: int) -> date:
    last = date(year, month, 31)
    return last - timedelta(days=(last.weekday() + 1) % 7)


def test_times_are_paris_time_on_the_day_in_summer_time(app, client):
    edition = make_edition(COMING_YEAR, date=date(COMING_YEAR, 10, 17))  # before the clock change
    _organiser(client)
    post_form(client, f"{PAGE}/sessions/new", _form(starts_at="09:00", ends_at="10:00"))
    session = db.session.scalar(sa.select(ProgrammeSession))
    assert session.starts_at == datetime(COMING_YEAR, 10, 17, 7, 0, tzinfo=UTC)
    assert session.ends_at == datetime(COMING_YEAR, 10, 17, 8, 0, tzinfo=UTC)
    form = client.get(f"{PAGE}/sessions/{session.id}").get_data(as_text=True)
    assert 'value="09:00"' in form and 'value="10:00"' in form
    assert edition.timezone == "Europe/Paris"


def test_times_after_the_clock_change_are_winter_time(app, client):
    day = _last_sunday(COMING_YEAR, 10) + timedelta(days=1)
    make_edition(COMING_YEAR, date=day)
    _organiser(client)
    post_form(
        client,
        f"{PAGE}/sessions/new",
        _form(day=day.isoformat(), starts_at="09:00", ends_at="10:00"),
    )
    session = db.session.scalar(sa.select(ProgrammeSession))
    assert session.starts_at == datetime(day.year, day.month, day.day, 8, 0, tzinfo=UTC)


def test_on_the_night_the_clocks_go_back_hours_are_counted_right(app, client):
    day = _last_sunday(COMING_YEAR, 10)
    make_edition(COMING_YEAR, date=day)
    _organiser(client)
    post_form(
        client,
        f"{PAGE}/sessions/new",
        _form(day=day.isoformat(), starts_at="01:00", ends_at="04:00"),
    )
    session = db.session.scalar(sa.select(ProgrammeSession))
    assert session.ends_at - session.starts_at == timedelta(hours=4)
    assert session.starts_at == datetime(day.year, day.month, day.day - 1, 23, 0, tzinfo=UTC)


def test_a_time_the_clocks_skip_is_refused(app, client):
    day = _last_sunday(COMING_YEAR, 3)
    make_edition(
        COMING_YEAR,
        date=day,
        registration_opens_at=datetime(COMING_YEAR - 1, 12, 1, tzinfo=UTC),
        registration_closes_at=datetime(COMING_YEAR, 3, 1, tzinfo=UTC),
    )
    _organiser(client)
    response = post_form(
        client,
        f"{PAGE}/sessions/new?lang=en",
        _form(day=day.isoformat(), starts_at="02:30", ends_at="04:00"),
    )
    page = response.get_data(as_text=True)
    assert 'id="starts_at-error"' in page and "the clocks go forward" in page
    assert _sessions() == 0


def test_an_end_at_midnight_is_the_end_of_the_day(app, client):
    edition = make_edition(COMING_YEAR)
    _organiser(client)
    post_form(client, f"{PAGE}/sessions/new", _form(starts_at="22:00", ends_at="00:00"))
    session = db.session.scalar(sa.select(ProgrammeSession))
    assert (session.starts_at, session.ends_at) == (at(edition, "22:00"), at(edition, "00:00", 1))
    form = client.get(f"{PAGE}/sessions/{session.id}").get_data(as_text=True)
    assert f'<option selected value="{DAY}">' in form and 'value="00:00"' in form


def test_a_session_saved_before_keeps_its_day_and_times(app, client):
    edition = make_edition(COMING_YEAR)
    eve = make_session(edition, "Veille", "19:00", "21:00")
    eve.starts_at, eve.ends_at = at(edition, "19:00", -1), at(edition, "21:00", -1)
    db.session.commit()
    _organiser(client)
    url = f"{PAGE}/sessions/{eve.id}"
    form = client.get(url).get_data(as_text=True)
    assert f'<option selected value="{COMING_YEAR}-10-16">' in form
    assert 'value="19:00"' in form and 'value="21:00"' in form
    # Saved as shown, it does not move.
    post_form(
        client,
        url,
        _form(title_fr="Veille", day=f"{COMING_YEAR}-10-16", starts_at="19:00", ends_at="21:00"),
    )
    db.session.expire_all()
    saved = db.session.get(ProgrammeSession, eve.id)
    assert (saved.starts_at, saved.ends_at) == (at(edition, "19:00", -1), at(edition, "21:00", -1))


@pytest.mark.parametrize(
    "value",
    [
        "25:00",
        "09:60",
        "9h",
        "a\x00b",
        "x" * 5000,
        "-1:00",
        "",
        "09:00 UTC",
        "2027-10-17T09:00",
        "99999999999999999999",
    ],
)
def test_hostile_times_are_a_field_error(app, client, value):
    make_edition(COMING_YEAR)
    _organiser(client)
    response = post_form(client, f"{PAGE}/sessions/new?lang=en", _form(starts_at=value))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="starts_at-error"' in page
    assert _sessions() == 0


def test_a_time_with_seconds_is_accepted(app, client):
    edition = make_edition(COMING_YEAR)
    _organiser(client)
    post_form(client, f"{PAGE}/sessions/new", _form(starts_at="09:00:00", ends_at="10:00:30"))
    session = db.session.scalar(sa.select(ProgrammeSession))
    assert (session.starts_at, session.ends_at) == (at(edition, "09:00"), at(edition, "10:00"))


def test_the_service_turns_times_into_moments(app):
    edition = make_edition(COMING_YEAR)
    starts, ends = services.session_times(
        edition, edition.date, datetime(2000, 1, 1, 9).time(), datetime(2000, 1, 1, 10).time()
    )
    assert (starts, ends) == (at(edition, "09:00"), at(edition, "10:00"))
    with pytest.raises(services.DomainError) as refused:
        services.session_times(
            edition, edition.date + timedelta(days=2), starts.time(), ends.time()
        )
    assert refused.value.field == "day"


# --- 6. More speakers than rows, without saving ------------------------------------------------


def _speaker_rows(page: str) -> int:
    return len(re.findall(r'name="speakers-\d+-speaker_id"', page))


def test_add_a_speaker_row_keeps_what_was_typed_and_saves_nothing(app, client):
    edition = make_edition(COMING_YEAR)
    people = [make_speaker(edition, f"Personne {n}") for n in range(6)]
    db.session.commit()
    _organiser(client)
    url = f"{PAGE}/sessions/new?lang=en"
    assert _speaker_rows(client.get(url).get_data(as_text=True)) == 4
    rows = {}
    for n in range(4):
        rows[f"speakers-{n}-speaker_id"] = str(people[n].id)
        rows[f"speakers-{n}-role"] = "chair" if n == 0 else "speaker"
    response = post_form(
        client, url, _form(title_fr="Grand panel", summary_fr="Gardé", more_speakers="1", **rows)
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and _sessions() == 0
    assert _speaker_rows(page) == 5
    assert 'value="Grand panel"' in page and "Gardé" in page and 'value="11:00"' in page
    assert f'<option selected value="{people[3].id}">Personne 3</option>' in page
    assert 'role="alert"' not in page  # no check was made
    # The fifth row is filled, then saved: a session of five speakers.
    rows["speakers-4-speaker_id"] = str(people[4].id)
    rows["speakers-4-role"] = "speaker"
    response = post_form(client, url, _form(title_fr="Grand panel", **rows))
    assert response.status_code == 302
    session = db.session.scalar(sa.select(ProgrammeSession))
    assert [link.speaker_id for link in session.speaker_links] == [p.id for p in people[:5]]
    # Its page offers one empty row more than the five filled ones.
    page = client.get(f"{PAGE}/sessions/{session.id}").get_data(as_text=True)
    assert _speaker_rows(page) == 6


def test_speaker_rows_stop_at_the_bound_with_a_message(app, client):
    make_edition(COMING_YEAR)
    _organiser(client)
    url = f"{PAGE}/sessions/new?lang=en"
    rows = {f"speakers-{n}-role": "speaker" for n in range(MAX_SPEAKER_ROWS)}
    response = post_form(client, url, _form(more_speakers="1", **rows))
    page = response.get_data(as_text=True)
    assert _speaker_rows(page) == MAX_SPEAKER_ROWS
    assert f"A session can list at most {MAX_SPEAKER_ROWS} speakers." in page
    assert 'id="speakers-error"' in page
    assert _sessions() == 0


def test_a_form_with_hundreds_of_rows_keeps_the_bound(app, client):
    edition = make_edition(COMING_YEAR)
    speaker = make_speaker(edition)
    db.session.commit()
    _organiser(client)
    rows = {f"speakers-{n}-speaker_id": str(speaker.id) for n in range(0, 500, 7)}
    response = post_form(client, f"{PAGE}/sessions/new?lang=en", _form(**rows))
    assert response.status_code == 200  # one speaker listed twice: refused, no crash
    assert _speaker_rows(response.get_data(as_text=True)) == MAX_SPEAKER_ROWS
    assert _sessions() == 0


def test_the_add_row_button_is_a_plain_submit_after_the_default_save(app, client):
    make_edition(COMING_YEAR)
    _organiser(client)
    page = client.get(f"{PAGE}/sessions/new?lang=en").get_data(as_text=True)
    form = page[page.index("<form") :]
    assert form.index(">Save</button>") < form.index('name="more_speakers"')
    assert '<input type="time"' in form or 'type="time"' in form


# --- 7. Fixed query counts of the editor's pages ----------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        PAGE,
        f"{PAGE}/publish",
        f"{PAGE}/unpublish",
        f"{PAGE}/sessions/new",
        f"{PAGE}/sessions/new?from={{session}}",
        f"{PAGE}/sessions/{{session}}",
    ],
)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_editor_pages_run_a_fixed_number_of_queries(app, client, count_queries, url, language):
    edition = make_edition(COMING_YEAR)
    rooms = [make_room(edition, f"Salle {n}") for n in range(3)]
    speakers = [make_speaker(edition, f"Personne {n}") for n in range(5)]
    _organiser(client)
    counts = []
    for start, stop in ((0, 1), (1, 20)):
        for n in range(start, stop):
            session = make_session(
                edition,
                f"Session {n}",
                f"{8 + n % 8:02d}:00",
                f"{8 + n % 8:02d}:45",
                room=rooms[n % 3] if n % 4 != 1 else None,  # size 1 has a room too
                speakers=[speakers[n % 5], (speakers[(n + 2) % 5], "chair")],
            )
            if n == 0:
                first = session
        db.session.commit()
        target = url.format(session=first.id)
        target += ("&" if "?" in target else "?") + f"lang={language}"
        with count_queries() as queries:
            assert client.get(target).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_confirmation_token_of_the_question_page_is_the_sessions(app, client):
    _programme()
    _organiser(client)
    assert csrf_token(client, f"{PAGE}/publish")


# --- In a real browser: the new pages pass axe and fit a phone --------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_editor_pages_pass_axe_on_a_phone(app, page, axe_source, language):
    from tests.test_browser_accessibility import log_in_organiser, violations

    edition, _room, other_room, ana, _bea, session = _programme()
    clash = make_session(edition, "Atelier B", "09:30", "10:30", room=other_room, speakers=[ana])
    make_user(ORGANISER, role="organiser")
    db.session.commit()
    ids = (session.id, clash.id)
    db.session.rollback()  # the live server writes: no read transaction left open here
    page.set_viewport_size({"width": 390, "height": 800})
    log_in_organiser(page, ORGANISER, DEFAULT_PASSWORD)
    problems = []
    for url in (
        PAGE,
        f"{PAGE}/sessions/{ids[1]}",
        f"{PAGE}/sessions/new?from={ids[0]}",
        f"{PAGE}/publish",
        f"{PAGE}/unpublish",
    ):
        page.goto(url + ("&" if "?" in url else "?") + f"lang={language}")
        problems += [f"{url}: {problem}" for problem in violations(page, axe_source)]
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            problems.append(f"{url}: {width} px wide")
    # Saving with the clash in the browser lands on the session's page with the warning.
    page.goto(f"{PAGE}/sessions/{ids[1]}?lang=en")
    page.locator("main form button.button-primary").click()
    assert "Saved, but with 1 warning" in page.locator(".flash-warning").first.inner_text()
    assert problems == []
