"""The organisers' programme pages: who may see them, and what they do."""

import io
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from colloquium.accounts import services as accounts
from colloquium.accounts.models import User
from colloquium.editions.models import Edition
from colloquium.extensions import db
from colloquium.programme import services
from colloquium.programme.models import ProgrammeSession, Room, Speaker
from tests.factories import (
    COMING_YEAR,
    NEXT_YEAR,
    at,
    make_association,
    make_edition,
    make_room,
    make_session,
    make_speaker,
    make_user,
)
from tests.web import csrf_token, log_in, post_form

ORGANISER = "organiser@example.org"


def png_bytes(size=(60, 40)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (31, 78, 122)).save(out, format="PNG")
    return out.getvalue()


def programme_with_one_of_each():
    edition = make_edition(COMING_YEAR)
    room = make_room(edition, "Salle A", seats=50)
    speaker = make_speaker(edition, "Ana Lopes", email="ana@example.org")
    services.set_speaker_photo(speaker, png_bytes())
    session = make_session(edition, "Ouverture", room=room, speakers=[speaker])
    make_edition(NEXT_YEAR)
    db.session.commit()
    return edition, room, speaker, session


def organiser(client):
    make_user(ORGANISER, role="organiser")
    log_in(client, ORGANISER)


# --- permissions ---------------------------------------------------------------------------------

GET_PAGES = (
    "/admin/programme/",
    f"/admin/programme/{COMING_YEAR}",
    f"/admin/programme/{COMING_YEAR}/rooms/new",
    f"/admin/programme/{COMING_YEAR}/rooms/{{room}}",
    f"/admin/programme/{COMING_YEAR}/rooms/{{room}}/delete",
    f"/admin/programme/{COMING_YEAR}/speakers/new",
    f"/admin/programme/{COMING_YEAR}/speakers/{{speaker}}",
    f"/admin/programme/{COMING_YEAR}/speakers/{{speaker}}/photo",
    f"/admin/programme/{COMING_YEAR}/speakers/{{speaker}}/delete",
    f"/admin/programme/{COMING_YEAR}/sessions/new",
    f"/admin/programme/{COMING_YEAR}/sessions/new?from={{session}}",
    f"/admin/programme/{COMING_YEAR}/sessions/{{session}}",
    f"/admin/programme/{COMING_YEAR}/sessions/{{session}}/delete",
    f"/admin/programme/{COMING_YEAR}/publish",
    f"/admin/programme/{COMING_YEAR}/unpublish",
)
POST_ACTIONS = (
    f"/admin/programme/{COMING_YEAR}/publish",
    f"/admin/programme/{COMING_YEAR}/unpublish",
    f"/admin/programme/{COMING_YEAR}/copy",
    f"/admin/programme/{COMING_YEAR}/sessions/{{session}}/duplicate",
    f"/admin/programme/{COMING_YEAR}/sessions/{{session}}/delete",
    f"/admin/programme/{COMING_YEAR}/rooms/{{room}}/delete",
    f"/admin/programme/{COMING_YEAR}/speakers/{{speaker}}/delete",
)


def fill(url, room, speaker, session):
    return url.format(room=room.id, speaker=speaker.id, session=session.id)


@pytest.mark.parametrize("who", ["anonymous", "editor", "deactivated organiser", "organiser"])
def test_permission_table(app, client, who):
    edition, room, speaker, session = programme_with_one_of_each()
    association = make_association("aide-et-refuge")
    if who == "editor":
        make_user("editor@example.org", role="editor", association=association)
        log_in(client, "editor@example.org")
        token = csrf_token(client, "/associations/aide-et-refuge/edit")
    elif who == "anonymous":
        token = csrf_token(client, "/login")
    else:
        user = make_user(ORGANISER, role="organiser")
        log_in(client, ORGANISER)
        token = csrf_token(client, f"/admin/programme/{COMING_YEAR}")
        if who == "deactivated organiser":
            accounts.deactivate_user(db.session.get(User, user.id))
            db.session.commit()
    expected = {"anonymous": 302, "deactivated organiser": 302, "editor": 404, "organiser": 200}[
        who
    ]
    for url in GET_PAGES:
        response = client.get(fill(url, room, speaker, session))
        assert response.status_code == expected, url
        if expected == 302:
            assert response.headers["Location"].startswith("/login?next="), url
    if who == "organiser":
        return  # what the actions do is tested below
    for url in POST_ACTIONS:
        data = {"csrf_token": token, "confirmed": "yes"}
        response = client.post(fill(url, room, speaker, session), data=data)
        assert response.status_code == expected, url
    db.session.expire_all()
    assert db.session.get(Edition, edition.id).programme_published is False
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgrammeSession)) == 1
    assert db.session.get(Room, room.id) and db.session.get(Speaker, speaker.id)


def test_back_office_pages_are_not_cached(app, client):
    programme_with_one_of_each()
    organiser(client)
    response = client.get(f"/admin/programme/{COMING_YEAR}")
    assert response.headers["Cache-Control"] == "no-store"
    assert "ana@example.org" in response.get_data(as_text=True)


def test_an_unknown_edition_or_thing_is_a_404(app, client):
    _edition, _room, speaker, session = programme_with_one_of_each()
    other = make_edition(COMING_YEAR + 2)
    foreign_room = make_room(other, "Ailleurs")
    organiser(client)
    for url in (
        "/admin/programme/2099",
        f"/admin/programme/{COMING_YEAR}/rooms/999",
        f"/admin/programme/{COMING_YEAR}/rooms/{foreign_room.id}",
        f"/admin/programme/{COMING_YEAR + 2}/sessions/{session.id}",
        f"/admin/programme/{COMING_YEAR + 2}/speakers/{speaker.id}",
    ):
        assert client.get(url).status_code == 404, url


# --- the edition page ----------------------------------------------------------------------------


def test_the_edition_picker_lists_every_edition(app, client):
    programme_with_one_of_each()
    organiser(client)
    page = client.get("/admin/programme/").get_data(as_text=True)
    assert (
        f'href="/admin/programme/{COMING_YEAR}"' in page
        and f'href="/admin/programme/{NEXT_YEAR}"' in page
    )


def test_warnings_are_shown_but_do_not_block(app, client):
    edition, room, speaker, _session = programme_with_one_of_each()
    make_session(edition, "Conflit", "09:30", "10:30", room=room, speakers=[speaker])
    organiser(client)
    page = client.get(f"/admin/programme/{COMING_YEAR}?lang=en").get_data(as_text=True)
    assert (
        "Salle A is used by “Ouverture” and “Conflit” at the same time (09:30\u201310:00)." in page
    )
    assert "Ana Lopes is expected in “Ouverture” and “Conflit”" in page


def test_the_day_view_shows_rooms_as_columns_gaps_and_overlaps(app, client):
    edition, room, _speaker, _session = programme_with_one_of_each()  # Salle A 09:00-10:00
    other = make_room(edition, "Salle B")
    make_session(edition, "Chevauche", "09:30", "10:30", room=room)
    make_session(edition, "Après la pause", "11:00", "12:00", room=other)
    make_session(edition, "Sans salle", "09:00", "09:15")
    organiser(client)
    page = client.get(f"/admin/programme/{COMING_YEAR}?lang=en").get_data(as_text=True)
    table = page[page.index('<table class="timetable">') : page.index("</table>")]
    headers = re.findall(r'<th scope="col">([^<]*)</th>', table)
    assert headers == ["Time", "Salle A", "Salle B", "No room"]
    rows = re.findall(r'<th scope="row" class="timetable-hour">([^<]*)</th>', table)
    assert rows[0] == "09:00" and rows[-1] == "11:45" and len(rows) == 12
    # Salle A: one cell from 09:00 to 10:30 holding the two sessions, marked as overlapping.
    assert 'rowspan="6" class="timetable-session timetable-overlap"' in table
    assert 'rowspan="4" class="timetable-session"' in table  # Salle B, 11:00-12:00
    assert 'rowspan="1" class="timetable-session"' in table  # no room, 09:00-09:15
    assert table.count('class="timetable-gap"') == 12 * 3 - 6 - 4 - 1


def test_the_day_view_counts_quarter_hours_across_a_clock_change(app):
    from colloquium.programme.timetable import timetable

    # The last Sunday of October: Paris goes back from 03:00 to 02:00. 01:00-04:00 lasts four hours.
    october_31 = date(COMING_YEAR, 10, 31)
    clock_change = october_31 - timedelta(days=(october_31.weekday() + 1) % 7)
    edition = make_edition(COMING_YEAR, date=clock_change)
    room = make_room(edition)
    make_session(edition, "Nuit", "01:00", "04:00", room=room)
    table = timetable(edition, services.list_sessions(edition), services.list_rooms(edition))
    assert len(table.rows) == 16
    assert [label for label, _ in table.rows][:2] == ["01:00", "01:15"]
    assert table.rows[0][1][0].rowspan == 16


@pytest.mark.parametrize(
    "url",
    [
        "/admin/programme/",
        f"/admin/programme/{COMING_YEAR}",
        f"/admin/programme/{COMING_YEAR}/sessions/new",
        f"/admin/programme/{COMING_YEAR}/sessions/new?from={{session}}",
        f"/admin/programme/{COMING_YEAR}/sessions/{{session}}",
        f"/admin/programme/{COMING_YEAR}/sessions/{{session}}/delete",
        f"/admin/programme/{COMING_YEAR}/publish",
        f"/admin/programme/{COMING_YEAR}/unpublish",
        f"/admin/programme/{COMING_YEAR}/rooms/new",
        f"/admin/programme/{COMING_YEAR}/rooms/{{room}}",
        f"/admin/programme/{COMING_YEAR}/speakers/new",
        f"/admin/programme/{COMING_YEAR}/speakers/{{speaker}}",
    ],
)
def test_back_office_query_counts_do_not_grow(app, client, count_queries, url):
    edition = make_edition(COMING_YEAR)
    rooms = [make_room(edition, f"Salle {n}") for n in range(4)]
    speakers = [make_speaker(edition, f"Personne {n}") for n in range(10)]
    organiser(client)
    counts = []
    for start, stop in ((0, 5), (5, 200)):
        for n in range(start, stop):
            session = make_session(
                edition,
                f"Session {n}",
                f"{8 + n % 10:02d}:00",
                f"{8 + n % 10:02d}:30",
                room=rooms[n % 4],
                speakers=[speakers[n % 10], (speakers[(n + 1) % 10], "chair")],
            )
            if n == 0:
                first = session
        db.session.commit()
        target = url.format(session=first.id, room=rooms[0].id, speaker=speakers[0].id)
        with count_queries() as queries:
            assert client.get(target).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 12, counts


# --- actions -------------------------------------------------------------------------------------


def test_publish_and_unpublish(app, client):
    programme_with_one_of_each()
    organiser(client)
    page = f"/admin/programme/{COMING_YEAR}"
    assert client.get(f"/programme/{COMING_YEAR}").status_code == 404
    response = post_form(
        client, f"{page}/publish", {"confirmed": "yes"}, form_url=f"{page}/publish"
    )
    assert response.status_code == 302
    assert client.get(f"/programme/{COMING_YEAR}").status_code == 200
    post_form(client, f"{page}/unpublish", {"confirmed": "yes"}, form_url=f"{page}/unpublish")
    assert client.get(f"/programme/{COMING_YEAR}").status_code == 404


def test_create_a_room_and_a_refused_duplicate(app, client):
    programme_with_one_of_each()
    organiser(client)
    url = f"/admin/programme/{COMING_YEAR}/rooms/new"
    response = post_form(
        client, url, {"name": "Salle B", "seats": "30", "access_notes_fr": "Étage"}
    )
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Room).where(Room.name == "Salle B")).seats == 30
    response = post_form(client, url + "?lang=en", {"name": "salle b", "seats": "12"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This edition already has a room with this name." in page
    assert 'aria-invalid="true"' in page and 'value="salle b"' in page


def test_create_a_session_with_ordered_speakers(app, client):
    edition, room, speaker, _session = programme_with_one_of_each()
    other = make_speaker(edition, "Bea Marin")
    db.session.commit()
    organiser(client)
    form = client.get(f"/admin/programme/{COMING_YEAR}/sessions/new").get_data(as_text=True)
    assert 'type="time"' in form and 'value="09:00"' in form and 'value="10:00"' in form
    assert f'<option selected value="{COMING_YEAR}-10-17">' in form
    assert 'name="speakers-3-speaker_id"' in form
    response = post_form(
        client,
        f"/admin/programme/{COMING_YEAR}/sessions/new",
        {
            "title_fr": "Table ronde européenne",
            "kind": "round_table",
            "day": f"{COMING_YEAR}-10-17",
            "starts_at": "14:00",
            "ends_at": "15:30",
            "room_id": str(room.id),
            "language": "both",
            "interpretation": "y",
            "expected_audience": "40",
            "speakers-0-speaker_id": str(other.id),
            "speakers-0-role": "chair",
            "speakers-1-speaker_id": "",
            "speakers-1-role": "speaker",
            "speakers-2-speaker_id": str(speaker.id),
            "speakers-2-role": "speaker",
        },
    )
    assert response.status_code == 302
    created = db.session.scalar(
        sa.select(ProgrammeSession).where(ProgrammeSession.title_fr == "Table ronde européenne")
    )
    assert created.starts_at == at(edition, "14:00") and created.ends_at == at(edition, "15:30")
    assert (created.language, created.interpretation, created.expected_audience) == (
        "both",
        True,
        40,
    )
    assert [(link.speaker.name, link.role) for link in created.speaker_links] == [
        ("Bea Marin", "chair"),
        ("Ana Lopes", "speaker"),
    ]
    edit = client.get(f"/admin/programme/{COMING_YEAR}/sessions/{created.id}").get_data(
        as_text=True
    )
    assert 'value="14:00"' in edit and 'value="15:30"' in edit
    assert f'<option selected value="{other.id}">Bea Marin</option>' in edit


@pytest.mark.parametrize(
    ("changes", "message", "field"),
    [
        (
            {"ends_at": "08:00"},
            "A session must end after it starts.",
            "ends_at",
        ),
        ({"title_fr": ""}, "Write it in French or in English (or both).", "title_fr"),
        (
            {"speakers-1-speaker_id": "{speaker}"},
            "A speaker can be listed only once in a session.",
            "speakers",
        ),
    ],
)
def test_a_refused_session_keeps_what_was_typed(app, client, changes, message, field):
    _edition, _room, speaker, _session = programme_with_one_of_each()
    organiser(client)
    data = {
        "title_fr": "Mon atelier",
        "kind": "workshop",
        "day": f"{COMING_YEAR}-10-17",
        "starts_at": "09:00",
        "ends_at": "10:00",
        "room_id": "",
        "language": "fr",
        "summary_fr": "Texte saisi",
        "speakers-0-speaker_id": str(speaker.id),
        "speakers-0-role": "speaker",
    }
    data.update({key: value.format(speaker=speaker.id) for key, value in changes.items()})
    response = post_form(client, f"/admin/programme/{COMING_YEAR}/sessions/new?lang=en", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page and 'role="alert"' in page
    assert f'id="{field}-error"' in page
    assert "Texte saisi" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgrammeSession)) == 1


def test_a_csrf_failure_shows_the_form_again_with_the_input(app, client):
    programme_with_one_of_each()
    organiser(client)
    response = client.post(
        f"/admin/programme/{COMING_YEAR}/sessions/new?lang=en",
        data={"title_fr": "Gardé malgré tout", "kind": "panel", "csrf_token": "forged"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The form had expired" in page and 'value="Gardé malgré tout"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgrammeSession)) == 1


def test_duplicate_opens_a_prefilled_form_and_saves_nothing(app, client):
    _edition, _room, speaker, session = programme_with_one_of_each()
    organiser(client)
    page = f"/admin/programme/{COMING_YEAR}"
    response = post_form(client, f"{page}/sessions/{session.id}/duplicate", {}, form_url=page)
    assert response.status_code == 303
    assert response.headers["Location"] == f"{page}/sessions/new?from={session.id}"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProgrammeSession)) == 1
    form = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="Ouverture"' in form
    assert f'<option selected value="{speaker.id}">Ana Lopes</option>' in form


@pytest.mark.parametrize("thing", ["sessions", "rooms", "speakers"])
def test_delete_asks_first(app, client, thing):
    _edition, room, speaker, session = programme_with_one_of_each()
    ids = {"sessions": session.id, "rooms": room.id, "speakers": speaker.id}
    model = {"sessions": ProgrammeSession, "rooms": Room, "speakers": Speaker}[thing]
    organiser(client)
    url = f"/admin/programme/{COMING_YEAR}/{thing}/{ids[thing]}/delete"
    question = client.get(url + "?lang=en").get_data(as_text=True)
    assert "Yes, delete" in question
    db.session.expire_all()
    assert db.session.get(model, ids[thing]) is not None
    assert post_form(client, url, {}).status_code == 302
    db.session.expire_all()
    assert db.session.get(model, ids[thing]) is None


def test_speaker_with_photo_and_association(app, client):
    _edition, *_ = programme_with_one_of_each()
    association = make_association("aide-et-refuge", "Aide et refuge")
    organiser(client)
    url = f"/admin/programme/{COMING_YEAR}/speakers/new"
    token = csrf_token(client, url)
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "name": "Lia Nouvelle",
            "email": "lia@example.org",
            "association_id": str(association.id),
            "photo": (io.BytesIO(png_bytes((900, 600))), "lia.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    speaker = db.session.scalar(sa.select(Speaker).where(Speaker.name == "Lia Nouvelle"))
    assert speaker.association_id == association.id
    assert speaker.photo_content_type == "image/jpeg" and speaker.photo_etag


def test_a_speaker_photo_that_is_not_an_image_is_refused(app, client):
    programme_with_one_of_each()
    organiser(client)
    url = f"/admin/programme/{COMING_YEAR}/speakers/new?lang=en"
    token = csrf_token(client, url)
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "name": "Lia Nouvelle",
            "association_id": "",
            "photo": (io.BytesIO(b"%PDF-1.4 not an image"), "lia.png"),
        },
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="photo-error"' in page and "not a PNG, JPEG or WebP image" in page
    assert 'value="Lia Nouvelle"' in page
    assert db.session.scalar(sa.select(Speaker).where(Speaker.name == "Lia Nouvelle")) is None


def test_copy_to_next_year(app, client):
    _edition, _room, _speaker, _session = programme_with_one_of_each()
    organiser(client)
    page = f"/admin/programme/{COMING_YEAR}"
    response = post_form(
        client, f"{page}/copy", {"target": f"{NEXT_YEAR}", "with_sessions": "y"}, form_url=page
    )
    assert response.headers["Location"] == f"/admin/programme/{NEXT_YEAR}"
    target = db.session.scalar(sa.select(Edition).where(Edition.year == NEXT_YEAR))
    [copy] = services.list_sessions(target)
    assert copy.title_fr == "Ouverture" and copy.starts_at == at(target, "09:00")
    assert [r.name for r in services.list_rooms(target)] == ["Salle A"]


def test_editing_a_speaker_keeps_or_removes_the_photo(app, client):
    _edition, _room, speaker, session = programme_with_one_of_each()
    etag = speaker.photo_etag
    organiser(client)
    url = f"/admin/programme/{COMING_YEAR}/speakers/{speaker.id}"
    form = client.get(url).get_data(as_text=True)
    assert 'value="ana@example.org"' in form and f"speakers/{speaker.id}/photo" in form
    assert (
        post_form(client, url, {"name": "Ana Lopes-Silva", "association_id": ""}).status_code == 302
    )
    db.session.expire_all()
    speaker = db.session.get(Speaker, speaker.id)
    assert (speaker.name, speaker.photo_etag) == ("Ana Lopes-Silva", etag)
    assert db.session.get(ProgrammeSession, session.id).sequence == 1  # calendars name her
    post_form(client, url, {"name": "Ana Lopes-Silva", "association_id": "", "remove_photo": "y"})
    db.session.expire_all()
    assert db.session.get(Speaker, speaker.id).photo is None


def test_copy_needs_a_valid_target(app, client):
    programme_with_one_of_each()
    organiser(client)
    page = f"/admin/programme/{COMING_YEAR}"
    for target in (f"{COMING_YEAR}", "1999", ""):
        response = post_form(client, f"{page}/copy?lang=en", {"target": target}, form_url=page)
        assert response.headers["Location"] == f"/admin/programme/{COMING_YEAR}#copy", target
        assert "Choose the edition to copy into." in client.get(page).get_data(as_text=True)
    target = db.session.scalar(sa.select(Edition).where(Edition.year == NEXT_YEAR))
    assert services.list_rooms(target) == []


def test_without_another_edition_copy_explains_what_to_do(app, client):
    make_edition(COMING_YEAR)
    organiser(client)
    page = client.get(f"/admin/programme/{COMING_YEAR}?lang=en").get_data(as_text=True)
    assert '<a href="/admin/editions/new">Create the next edition</a> first' in page
    assert "/copy" not in page


def test_renaming_a_room_to_a_taken_name_is_refused(app, client):
    edition, room, _speaker, _session = programme_with_one_of_each()
    make_room(edition, "Salle B")
    organiser(client)
    response = post_form(
        client, f"/admin/programme/{COMING_YEAR}/rooms/{room.id}?lang=en", {"name": "Salle B"}
    )
    assert response.status_code == 200
    assert "This edition already has a room with this name." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Room, room.id).name == "Salle A"


def test_editing_a_session_to_end_before_it_starts_is_refused(app, client):
    _edition, _room, _speaker, session = programme_with_one_of_each()
    organiser(client)
    url = f"/admin/programme/{COMING_YEAR}/sessions/{session.id}?lang=en"
    response = post_form(
        client,
        url,
        {
            "title_fr": "Ouverture déplacée",
            "kind": "opening",
            "day": f"{COMING_YEAR}-10-17",
            "starts_at": "11:00",
            "ends_at": "10:00",
            "room_id": "",
            "language": "fr",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "A session must end after it starts." in page
    assert 'value="Ouverture déplacée"' in page
    db.session.expire_all()
    assert db.session.get(ProgrammeSession, session.id).title_fr == "Ouverture"


def test_a_speaker_without_photo_has_no_photo_address(app, client):
    edition, *_ = programme_with_one_of_each()
    plain = make_speaker(edition, "Sans photo")
    organiser(client)
    assert (
        client.get(f"/admin/programme/{COMING_YEAR}/speakers/{plain.id}/photo").status_code == 404
    )
