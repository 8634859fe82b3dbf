"""iCalendar and JSON exports of the published programme."""

from datetime import datetime
from types import SimpleNamespace

import icalendar

from colloquium.extensions import db
from colloquium.programme import services
from colloquium.programme.models import ProgrammeSession
from tests.factories import (
    FAR_YEAR,
    at,
    make_association,
    make_edition,
    make_room,
    make_session,
    make_speaker,
)


def published():
    edition = make_edition(FAR_YEAR, venue_name="Maison fictive", city="Paris")
    room = make_room(edition, "Salle Olympe de Gouges", seats=80, access_notes="Rez-de-chaussée")
    ana = make_speaker(
        edition, "Ana Lopes", affiliation="Asso A", title="Juriste", email="ana@example.org"
    )
    bea = make_speaker(
        edition, "Bea Marin", association_id=make_association("aide-et-refuge", "Aide et refuge").id
    )
    make_speaker(edition, "Pas encore là", email="secret@example.org")
    first = make_session(
        edition,
        "Ouverture",
        "09:00",
        "09:30",
        room=room,
        kind="opening",
        summary="Mot d'accueil",
        speakers=[(bea, "chair"), ana],
        language="both",
        interpretation=True,
    )
    second = make_session(edition, "Atelier", "14:00", "15:30", room=None, kind="workshop")
    services.set_published(edition, True)
    db.session.commit()
    return SimpleNamespace(edition=edition, first=first, second=second, ana=ana, bea=bea)


# --- iCalendar -----------------------------------------------------------------------------------


def test_the_programme_calendar_parses_back(app, client):
    p = published()
    edition, first, second = p.edition, p.first, p.second
    response = client.get(f"/programme/{edition.year}.ics")
    assert response.status_code == 200
    assert response.content_type == "text/calendar; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    calendar = icalendar.Calendar.from_ical(response.data)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    [timezone] = calendar.walk("VTIMEZONE")
    assert timezone["TZID"] == "Europe/Paris"
    # The time zone's rules cover the edition's year (far past the library's 2038 default).
    transitions = [c.decoded("DTSTART").year for c in timezone.walk() if c.name == "DAYLIGHT"]
    assert transitions and min(transitions) <= edition.year
    events = {str(event["UID"]): event for event in calendar.walk("VEVENT")}
    assert set(events) == {
        f"session-{first.id}@colloquium.test",
        f"session-{second.id}@colloquium.test",
    }
    event = events[f"session-{first.id}@colloquium.test"]
    assert event["SUMMARY"] == "Ouverture"
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert event.decoded("DTSTART") == at(edition, "09:00")
    assert event.decoded("DTEND") == at(edition, "09:30")
    assert event.decoded("DTSTART").utcoffset().total_seconds() == 2 * 3600
    assert int(event["SEQUENCE"]) == 0
    assert isinstance(event.decoded("DTSTAMP"), datetime) and event["LAST-MODIFIED"]
    assert "Salle Olympe de Gouges" in str(event["LOCATION"]) and "Paris" in str(event["LOCATION"])
    description = str(event["DESCRIPTION"])
    assert "Ana Lopes, Asso A" in description and "Bea Marin" in description
    assert str(event["URL"]) == f"http://colloquium.test/programme/sessions/{first.id}"
    assert b"ana@example.org" not in response.data and b"Pas encore" not in response.data


def test_the_current_programme_calendar(app, client):
    published()
    calendar = icalendar.Calendar.from_ical(client.get("/programme.ics").data)
    assert len(calendar.walk("VEVENT")) == 2


def test_one_session_calendar_and_stable_uid_across_changes(app, client):
    p = published()
    edition, first = p.edition, p.first
    url = f"/programme/sessions/{first.id}.ics"
    before = icalendar.Calendar.from_ical(client.get(url).data)
    services.update_session(
        db.session.get(ProgrammeSession, first.id),
        services.SessionData(
            title_fr="Ouverture (nouvel horaire)",
            kind="opening",
            starts_at=at(edition, "09:15"),
            ends_at=at(edition, "09:45"),
        ),
    )
    after = icalendar.Calendar.from_ical(client.get(url).data)
    [old], [new] = before.walk("VEVENT"), after.walk("VEVENT")
    assert old["UID"] == new["UID"]
    assert int(new["SEQUENCE"]) == int(old["SEQUENCE"]) + 1
    assert new.decoded("DTSTART") == at(edition, "09:15")
    assert len(after.walk("VTIMEZONE")) == 1


def test_calendars_answer_304_when_unchanged(app, client):
    published()
    first = client.get("/programme.ics")
    etag = first.headers["ETag"]
    assert client.get("/programme.ics", headers={"If-None-Match": etag}).status_code == 304


# --- JSON ----------------------------------------------------------------------------------------

# The shape documented in README.md ("Open data: the programme as JSON"): name -> type(s).
NULLABLE = type(None)
DOCUMENT = {
    "version": int,
    "language": str,
    "edition": dict,
    "rooms": list,
    "speakers": list,
    "sessions": list,
}
EDITION = {
    "year": int,
    "title": str,
    "title_fr": str,
    "title_en": str,
    "theme": str,
    "theme_fr": str,
    "theme_en": str,
    "date": str,
    "timezone": str,
    "venue": dict,
    "updated_at": (str, NULLABLE),
    "url": str,
    "ical_url": str,
}
VENUE = {"name": str, "address": str, "city": str}
ROOM = {
    "id": int,
    "name": str,
    "seats": (int, NULLABLE),
    "access_notes": str,
    "access_notes_fr": str,
    "access_notes_en": str,
}
SPEAKER = {
    "id": int,
    "name": str,
    "title": str,
    "title_fr": str,
    "title_en": str,
    "affiliation": str,
    "affiliation_fr": str,
    "affiliation_en": str,
    "bio": str,
    "bio_fr": str,
    "bio_en": str,
    "photo_url": (str, NULLABLE),
    "association": (dict, NULLABLE),
    "url": str,
}
ASSOCIATION = {"slug": str, "name": str, "url": str}
SESSION = {
    "id": int,
    "title": str,
    "title_fr": str,
    "title_en": str,
    "kind": str,
    "summary": str,
    "summary_fr": str,
    "summary_en": str,
    "description": str,
    "description_fr": str,
    "description_en": str,
    "starts_at": str,
    "ends_at": str,
    "room_id": (int, NULLABLE),
    "language": str,
    "interpretation": bool,
    "speakers": list,
    "url": str,
    "ical_url": str,
}
SESSION_SPEAKER = {"speaker_id": int, "role": str}


def check_shape(value: dict, shape: dict, where: str) -> None:
    """Exactly the documented keys, each of the documented type."""
    assert set(value) == set(shape), f"{where}: {sorted(set(value) ^ set(shape))}"
    for key, expected in shape.items():
        assert isinstance(value[key], expected), f"{where}.{key} = {value[key]!r}"
        if expected is int:
            assert not isinstance(value[key], bool), f"{where}.{key}"


def check_document(document: dict) -> None:
    check_shape(document, DOCUMENT, "document")
    check_shape(document["edition"], EDITION, "edition")
    check_shape(document["edition"]["venue"], VENUE, "edition.venue")
    datetime.fromisoformat(document["edition"]["date"])
    for room in document["rooms"]:
        check_shape(room, ROOM, "rooms[]")
    speaker_ids = set()
    for speaker in document["speakers"]:
        check_shape(speaker, SPEAKER, "speakers[]")
        if speaker["association"] is not None:
            check_shape(speaker["association"], ASSOCIATION, "speakers[].association")
        speaker_ids.add(speaker["id"])
    room_ids = {room["id"] for room in document["rooms"]}
    for session in document["sessions"]:
        check_shape(session, SESSION, "sessions[]")
        assert session["kind"] in {
            "opening", "keynote", "panel", "round_table", "workshop", "testimony", "break",
            "closing",
        }  # fmt: skip
        assert session["language"] in {"fr", "en", "both"}
        for name in ("starts_at", "ends_at"):
            assert datetime.fromisoformat(session[name]).utcoffset() is not None, name
        assert session["room_id"] is None or session["room_id"] in room_ids
        for link in session["speakers"]:
            check_shape(link, SESSION_SPEAKER, "sessions[].speakers[]")
            assert link["role"] in {"speaker", "moderator", "chair"}
            assert link["speaker_id"] in speaker_ids


def test_the_json_follows_the_documented_shape(app, client):
    p = published()
    edition, ana, bea = p.edition, p.ana, p.bea
    response = client.get(f"/api/v1/programme/{edition.year}")
    assert response.status_code == 200
    assert response.content_type == "application/json"
    document = response.get_json()
    check_document(document)
    assert document["edition"]["year"] == edition.year
    [opening, workshop] = document["sessions"]
    assert opening["starts_at"] == f"{edition.year}-10-17T09:00:00+02:00"
    assert opening["speakers"] == [
        {"speaker_id": bea.id, "role": "chair"},
        {"speaker_id": ana.id, "role": "speaker"},
    ]
    assert workshop["room_id"] is None
    assert {s["name"] for s in document["speakers"]} == {"Ana Lopes", "Bea Marin"}
    by_name = {s["name"]: s for s in document["speakers"]}
    assert by_name["Ana Lopes"]["association"] is None
    assert by_name["Bea Marin"]["association"] == {
        "slug": "aide-et-refuge",
        "name": "Aide et refuge",
        "url": "http://colloquium.test/associations/aide-et-refuge",
    }
    assert document["rooms"][0]["access_notes"] == "Rez-de-chaussée"
    assert b"@example.org" not in response.data and b"Pas encore" not in response.data


def test_the_current_programme_json(app, client):
    edition = published().edition
    document = client.get("/api/v1/programme").get_json()
    check_document(document)
    assert document["edition"]["year"] == edition.year


def test_the_json_has_an_etag_and_cors(app, client):
    first = published().first
    response = client.get("/api/v1/programme")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "no-cache" in response.headers["Cache-Control"]
    etag = response.headers["ETag"]
    cached = client.get("/api/v1/programme", headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.data == b""
    assert cached.headers["Access-Control-Allow-Origin"] == "*"
    services.update_room(first.room, services.RoomData(name="Salle renommée", seats=80))
    changed = client.get("/api/v1/programme", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_the_api_preflight_allows_reading_only(app, client):
    published()
    response = client.options("/api/v1/programme")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert client.post("/api/v1/programme").status_code in (400, 405)


def test_the_api_answers_json_404_before_publishing(app, client):
    edition = make_edition(FAR_YEAR)
    make_session(edition, "Secret", room=make_room(edition))
    for url in ("/api/v1/programme", f"/api/v1/programme/{FAR_YEAR}", "/api/v1/programme/2000"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.get_json() == {"error": "not_found"}
