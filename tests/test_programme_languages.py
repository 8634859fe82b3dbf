"""The programme in French and in English: pages, calendars, open data, forms, the migration."""

import json
from datetime import UTC, datetime

import icalendar
import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from colloquium.extensions import db
from colloquium.programme import services
from colloquium.programme.models import ProgrammeSession, Room, Speaker
from tests.factories import (
    COMING_YEAR,
    DEFAULT_PASSWORD,
    make_edition,
    make_room,
    make_session,
    make_speaker,
    make_user,
)
from tests.web import log_in, post_form

ORGANISER = "organiser@example.org"
DAY = f"{COMING_YEAR}-10-17"


def bilingual_programme():
    """A published edition: one session and speaker in both languages, one in French only."""
    edition = make_edition(COMING_YEAR)
    room = make_room(
        edition,
        "Salle Olympe de Gouges",
        access_notes_fr="Rez-de-chaussée, boucle magnétique.",
        access_notes_en="Ground floor, hearing loop.",
    )
    ana = make_speaker(
        edition,
        "Ana Lopes",
        title_fr="Juriste",
        title_en="Lawyer",
        affiliation_fr="Maison d'accueil",
        affiliation_en="Shelter house",
        bio_fr="Vingt ans **de terrain**.",
        bio_en="Twenty years **in the field**.",
    )
    bea = make_speaker(edition, "Bea Marin", title="Médecin", bio="Seulement en français.")
    both = make_session(
        edition,
        "Ouverture du colloque",
        "09:00",
        "09:30",
        room=room,
        kind="opening",
        title_en="Opening of the colloquium",
        summary_fr="Mot d'accueil.",
        summary_en="Words of welcome.",
        description_fr="Le *programme* de la journée.",
        description_en="The day's *programme*.",
        speakers=[ana],
    )
    french = make_session(
        edition,
        "Atelier hébergement",
        "10:00",
        "11:00",
        room=room,
        kind="workshop",
        summary="Des cas pratiques.",
        speakers=[bea],
    )
    english = make_session(
        edition, "", "11:00", "12:00", room=room, kind="panel", title_en="Only in English"
    )
    services.set_published(edition, True)
    db.session.commit()
    return {
        "edition": edition,
        "room": room,
        "ana": ana,
        "bea": bea,
        "both": both,
        "french": french,
        "english": english,
    }


# --- public pages --------------------------------------------------------------------------------


def test_the_programme_reads_in_the_page_language(app, client):
    bilingual_programme()
    french = client.get(f"/programme/{COMING_YEAR}?lang=fr").get_data(as_text=True)
    english = client.get(f"/programme/{COMING_YEAR}?lang=en").get_data(as_text=True)
    assert "Ouverture du colloque" in french and "Mot d&#39;accueil." in french
    assert "Opening of the colloquium" not in french
    assert "Opening of the colloquium" in english and "Words of welcome." in english
    assert "Ouverture du colloque" not in english
    assert "Maison d&#39;accueil" in french and "Shelter house" in english
    # Only in the other language: shown, marked with its language for screen readers.
    assert '<span lang="fr">Atelier hébergement</span>' in english
    assert '<span lang="fr">Des cas pratiques.</span>' in english
    assert '<span lang="en">Only in English</span>' in french
    assert 'lang="en">Opening' not in english


def test_sessions_in_french_read_in_french_in_an_english_list(app, client):
    bilingual_programme()
    english = client.get(f"/programme/{COMING_YEAR}?lang=en").get_data(as_text=True)
    assert "In French" in english and "En français" not in english
    french = client.get(f"/programme/{COMING_YEAR}?lang=fr").get_data(as_text=True)
    assert "En français" in french


def test_a_session_page_in_both_languages(app, client):
    p = bilingual_programme()
    url = f"/programme/sessions/{p['both'].id}"
    french = client.get(f"{url}?lang=fr").get_data(as_text=True)
    english = client.get(f"{url}?lang=en").get_data(as_text=True)
    assert "<h1>Ouverture du colloque</h1>" in french
    assert "<h1>Opening of the colloquium</h1>" in english
    assert "Rez-de-chaussée, boucle magnétique." in french
    assert "Ground floor, hearing loop." in english
    assert "Juriste, <span" not in french and "Juriste, Maison d&#39;accueil" in french
    assert "Lawyer, Shelter house" in english
    assert "Le <em>programme</em> de la journée." in french
    assert "The day's <em>programme</em>." in english
    assert "<title>Opening of the colloquium" in english


def test_a_french_only_session_page_falls_back_with_its_language(app, client):
    p = bilingual_programme()
    english = client.get(f"/programme/sessions/{p['french'].id}?lang=en").get_data(as_text=True)
    assert '<h1><span lang="fr">Atelier hébergement</span></h1>' in english
    assert "In French" in english


def test_a_speaker_page_in_both_languages(app, client):
    p = bilingual_programme()
    url = f"/programme/speakers/{p['ana'].id}"
    french = client.get(f"{url}?lang=fr").get_data(as_text=True)
    english = client.get(f"{url}?lang=en").get_data(as_text=True)
    assert "Juriste, Maison d&#39;accueil" in french and "Vingt ans <strong>" in french
    assert "Lawyer, Shelter house" in english and "Twenty years <strong>" in english
    assert "Opening of the colloquium" in english
    bea = client.get(f"/programme/speakers/{p['bea'].id}?lang=en").get_data(as_text=True)
    assert '<span lang="fr">Médecin</span>' in bea
    assert '<div class="prose" lang="fr">' in bea and "Seulement en français." in bea


@pytest.mark.parametrize(
    "url",
    [
        "/programme/{year}",
        "/programme/sessions/{session}",
        "/programme/speakers/{speaker}",
        "/admin/programme/{year}",
    ],
)
def test_both_languages_run_the_same_queries(app, client, count_queries, url):
    p = bilingual_programme()
    make_user(ORGANISER, role="organiser")
    log_in(client, ORGANISER)
    target = url.format(year=COMING_YEAR, session=p["both"].id, speaker=p["ana"].id)
    counts = []
    for language in ("fr", "en", "fr"):
        with count_queries() as queries:
            response = client.get(f"{target}?lang={language}")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[1] == counts[2], counts


# --- calendars -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/programme.ics", "/programme/{year}.ics", "/programme/sessions/{session}.ics"]
)
def test_calendars_follow_lang(app, client, url):
    p = bilingual_programme()
    target = url.format(year=COMING_YEAR, session=p["both"].id)
    summaries = {}
    for language in ("fr", "en"):
        calendar = icalendar.Calendar.from_ical(client.get(f"{target}?lang={language}").data)
        events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
        event = events[f"session-{p['both'].id}@colloquium.test"]
        summaries[language] = (str(event["SUMMARY"]), str(event["DESCRIPTION"]))
    assert summaries["fr"][0] == "Ouverture du colloque"
    assert summaries["en"][0] == "Opening of the colloquium"
    assert (
        "Mot d'accueil." in summaries["fr"][1]
        and "Ana Lopes, Maison d'accueil" in summaries["fr"][1]
    )
    assert (
        "Words of welcome." in summaries["en"][1]
        and "Ana Lopes, Shelter house" in summaries["en"][1]
    )


def test_a_calendar_falls_back_to_the_other_language(app, client):
    p = bilingual_programme()
    calendar = icalendar.Calendar.from_ical(client.get("/programme.ics?lang=fr").data)
    titles = {str(event["SUMMARY"]) for event in calendar.walk("VEVENT")}
    assert "Only in English" in titles and "Atelier hébergement" in titles
    assert p["english"].title_fr == ""


# --- open data -----------------------------------------------------------------------------------


def _document(client, url, **headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200
    return json.loads(response.data)


@pytest.mark.parametrize("url", ["/api/v1/programme", f"/api/v1/programme/{COMING_YEAR}"])
def test_the_api_gives_the_language_asked_and_both(app, client, url):
    bilingual_programme()
    english = _document(client, f"{url}?lang=en")
    assert english["language"] == "en"
    session = next(s for s in english["sessions"] if s["kind"] == "opening")
    assert session["title"] == "Opening of the colloquium"
    assert session["title_fr"] == "Ouverture du colloque"
    assert session["title_en"] == "Opening of the colloquium"
    assert session["summary"] == "Words of welcome." and session["summary_fr"] == "Mot d'accueil."
    assert session["description_en"] == "The day's *programme*."
    room = english["rooms"][0]
    assert room["access_notes"] == "Ground floor, hearing loop."
    assert room["access_notes_fr"] == "Rez-de-chaussée, boucle magnétique."
    ana = next(s for s in english["speakers"] if s["name"] == "Ana Lopes")
    assert (ana["title"], ana["affiliation"]) == ("Lawyer", "Shelter house")
    assert ana["bio_fr"] == "Vingt ans **de terrain**."
    french = _document(client, f"{url}?lang=fr")
    assert french["language"] == "fr"
    session = next(s for s in french["sessions"] if s["kind"] == "opening")
    assert session["title"] == "Ouverture du colloque"


def test_the_api_falls_back_and_follows_accept_language(app, client):
    bilingual_programme()
    english = _document(client, "/api/v1/programme", Accept_Language="en-GB,en;q=0.9")
    assert english["language"] == "en"
    workshop = next(s for s in english["sessions"] if s["kind"] == "workshop")
    assert workshop["title"] == "Atelier hébergement" and workshop["title_en"] == ""
    french = _document(client, "/api/v1/programme")
    assert french["language"] == "fr"
    panel = next(s for s in french["sessions"] if s["kind"] == "panel")
    assert panel["title"] == "Only in English" and panel["title_fr"] == ""
    # ?lang= wins over the header.
    asked = _document(client, "/api/v1/programme?lang=fr", Accept_Language="en")
    assert asked["language"] == "fr"


# --- back office ---------------------------------------------------------------------------------


def _organiser(client):
    make_user(ORGANISER, role="organiser")
    log_in(client, ORGANISER)


def test_the_editor_marks_what_lacks_a_language(app, client):
    bilingual_programme()
    _organiser(client)
    page = client.get(f"/admin/programme/{COMING_YEAR}?lang=en").get_data(as_text=True)
    # The French-only session and speaker lack English; the English-only session lacks French.
    assert page.count("No English text") == 2
    assert page.count("No French text") == 1
    assert "Opening of the colloquium" in page


def test_conflict_messages_use_the_page_language(app, client):
    p = bilingual_programme()
    p["both"].room = None
    db.session.commit()
    _organiser(client)
    english = client.get(f"/admin/programme/{COMING_YEAR}?lang=en").get_data(as_text=True)
    assert "“Opening of the colloquium” has no room." in english
    french = client.get(f"/admin/programme/{COMING_YEAR}?lang=fr").get_data(as_text=True)
    assert "«\u00a0Ouverture du colloque\u00a0» n\u2019a pas de salle." in french


def test_the_forms_put_both_languages_side_by_side(app, client):
    p = bilingual_programme()
    _organiser(client)
    base = f"/admin/programme/{COMING_YEAR}"
    for url in (
        f"{base}/sessions/{p['both'].id}",
        f"{base}/speakers/{p['ana'].id}",
        f"{base}/rooms/{p['room'].id}",
    ):
        page = client.get(f"{url}?lang=en").get_data(as_text=True)
        assert '<div class="language-pair">' in page
        assert 'lang="fr"' in page and 'lang="en"' in page
    page = client.get(f"{base}/sessions/{p['both'].id}?lang=en").get_data(as_text=True)
    assert 'for="title_fr"' in page and 'for="title_en"' in page
    assert "Title (in French)" in page and "Title (in English)" in page
    assert 'value="Opening of the colloquium"' in page


def _pair_boxes(browser, live_server, width: int) -> tuple[list[dict], int]:
    context = browser.new_context(base_url=live_server, viewport={"width": width, "height": 900})
    page = context.new_page()
    try:
        page.goto("/login?lang=en")
        page.fill("input[name=email]", ORGANISER)
        page.fill("input[name=password]", DEFAULT_PASSWORD)
        page.locator("main form button[type=submit]").last.click()
        page.wait_for_url("**/admin/")
        page.goto(f"/admin/programme/{COMING_YEAR}/sessions/new?lang=en")
        boxes = [page.locator(f"#{name}").bounding_box() for name in ("title_fr", "title_en")]
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
    finally:
        context.close()
    return boxes, overflow


@pytest.mark.browser
def test_the_two_languages_sit_side_by_side_and_stack_on_a_phone(browser, live_server):
    make_edition(COMING_YEAR)
    make_user(ORGANISER, role="organiser")
    db.session.commit()  # the live server reads it from another connection
    (french, english), overflow = _pair_boxes(browser, live_server, 1280)
    assert round(french["y"]) == round(english["y"]) and french["x"] < english["x"]
    assert overflow == 0
    (french, english), overflow = _pair_boxes(browser, live_server, 390)
    assert french["y"] + french["height"] <= english["y"]
    assert round(french["x"]) == round(english["x"])
    assert overflow == 0


def _session_form(**changes) -> dict:
    data = {
        "title_fr": "",
        "title_en": "",
        "kind": "workshop",
        "day": DAY,
        "starts_at": "15:00",
        "ends_at": "16:00",
        "room_id": "",
        "language": "en",
    }
    return {**data, **changes}


def test_one_language_is_enough_for_a_session_title(app, client):
    bilingual_programme()
    _organiser(client)
    url = f"/admin/programme/{COMING_YEAR}/sessions/new?lang=en"
    response = post_form(client, url, _session_form(title_en="Policy round-up"))
    assert response.status_code == 302
    saved = db.session.scalar(
        sa.select(ProgrammeSession).where(ProgrammeSession.title_en == "Policy round-up")
    )
    assert saved.title_fr == ""
    refused = post_form(client, url, _session_form(summary_en="Kept"))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "Write it in French or in English (or both)." in page
    assert 'id="title_fr-error"' in page and "Kept" in page


def test_a_speaker_and_a_room_are_saved_in_both_languages(app, client):
    p = bilingual_programme()
    _organiser(client)
    base = f"/admin/programme/{COMING_YEAR}"
    post_form(
        client,
        f"{base}/speakers/new",
        {
            "name": "Chloé Roy",
            "title_fr": "Chercheuse",
            "title_en": "Researcher",
            "bio_en": "Works on *labour* exploitation.",
            "association_id": "",
        },
    )
    chloe = db.session.scalar(sa.select(Speaker).where(Speaker.name == "Chloé Roy"))
    assert (chloe.title_fr, chloe.title_en, chloe.bio_fr) == ("Chercheuse", "Researcher", "")
    post_form(
        client,
        f"{base}/rooms/{p['room'].id}",
        {"name": "Salle Olympe de Gouges", "access_notes_fr": "", "access_notes_en": "Lift."},
    )
    room = db.session.get(Room, p["room"].id)
    assert (room.access_notes_fr, room.access_notes_en) == ("", "Lift.")


def test_duplicating_a_session_copies_both_languages(app, client):
    p = bilingual_programme()
    _organiser(client)
    page = client.get(
        f"/admin/programme/{COMING_YEAR}/sessions/new?from={p['both'].id}&lang=en"
    ).get_data(as_text=True)
    assert 'value="Ouverture du colloque"' in page
    assert 'value="Opening of the colloquium"' in page
    assert "Words of welcome." in page and "Mot d&#39;accueil." in page
    assert "A copy of “Opening of the colloquium”" in page


def test_the_publish_page_warns_in_the_page_language(app, client):
    p = bilingual_programme()
    services.set_published(p["edition"], False)
    p["both"].room = None
    db.session.commit()
    _organiser(client)
    page = client.get(f"/admin/programme/{COMING_YEAR}/publish?lang=en").get_data(as_text=True)
    assert "“Opening of the colloquium” has no room." in page


# --- mail ----------------------------------------------------------------------------------------


def test_attendees_read_access_notes_in_their_language(app):
    from colloquium.mail.outbox import render_mail

    p = bilingual_programme()
    for language, notes in (
        ("fr", "Rez-de-chaussée, boucle magnétique."),
        ("en", "Ground floor, hearing loop."),
    ):
        mail = render_mail(
            "registration/confirmed",
            language,
            {
                "first_name": "Ada",
                "reference": "R-TEST42",
                "edition_title": "Colloque",
                "edition_date": p["edition"].date,
                "access_notes": services.rooms_with_notes([p["room"]]),
                "manage_url": "http://colloquium.test/registration/t",
            },
        )
        assert notes in mail.text and notes in mail.html
    p["room"].access_notes_en = ""
    mail = render_mail(
        "registration/confirmed",
        "en",
        {
            "first_name": "Ada",
            "reference": "R-TEST42",
            "edition_title": "Colloque",
            "edition_date": p["edition"].date,
            "access_notes": services.rooms_with_notes([p["room"]]),
            "manage_url": "http://colloquium.test/registration/t",
        },
    )
    assert '<span lang="fr">Rez-de-chaussée, boucle magnétique.</span>' in mail.html


# --- migration -----------------------------------------------------------------------------------


def test_the_migration_keeps_the_texts_both_ways(make_app):
    app = make_app(create_schema=False)
    now = datetime(COMING_YEAR, 1, 1, tzinfo=UTC).replace(tzinfo=None)
    with app.app_context():
        upgrade(revision="0011")
        run = db.session.execute
        run(
            sa.text(
                "INSERT INTO edition (id, year, date, capacity, created_at, updated_at) "
                "VALUES (1, :year, :day, 100, :now, :now)"
            ),
            {"year": COMING_YEAR, "day": datetime(COMING_YEAR, 10, 17).date(), "now": now},
        )
        run(
            sa.text(
                "INSERT INTO room (id, edition_id, name, access_notes) "
                "VALUES (1, 1, 'Salle A', 'Ascenseur au fond')"
            )
        )
        run(
            sa.text(
                "INSERT INTO speaker (id, edition_id, name, affiliation, title, bio) "
                "VALUES (1, 1, 'Ana', 'Maison', 'Juriste', 'Vingt ans')"
            )
        )
        run(
            sa.text(
                "INSERT INTO programme_session (id, edition_id, title, kind, summary, "
                "description, starts_at, ends_at, created_at, updated_at) VALUES (1, 1, "
                "'Ouverture', 'opening', 'Accueil', 'Le *jour*', :now, :later, :now, :now)"
            ),
            {"now": now, "later": now.replace(hour=1)},
        )
        db.session.commit()

        upgrade(revision="0012")
        row = run(
            sa.text("SELECT title_fr, title_en, summary_fr, description_fr FROM programme_session")
        ).one()
        assert tuple(row) == ("Ouverture", "", "Accueil", "Le *jour*")
        row = run(sa.text("SELECT affiliation_fr, title_fr, bio_fr, bio_en FROM speaker")).one()
        assert tuple(row) == ("Maison", "Juriste", "Vingt ans", "")
        assert run(sa.text("SELECT access_notes_fr FROM room")).scalar() == "Ascenseur au fond"
        # A text written only in English goes back into the single column.
        run(
            sa.text(
                "UPDATE programme_session SET summary_fr = '', summary_en = 'Welcome', "
                "title_en = 'Opening'"
            )
        )
        run(sa.text("UPDATE room SET access_notes_fr = '', access_notes_en = 'Lift'"))
        db.session.commit()

        downgrade(revision="0011")
        row = run(sa.text("SELECT title, summary, description FROM programme_session")).one()
        assert tuple(row) == ("Ouverture", "Welcome", "Le *jour*")
        assert run(sa.text("SELECT access_notes FROM room")).scalar() == "Lift"
        row = run(sa.text("SELECT affiliation, title, bio FROM speaker")).one()
        assert tuple(row) == ("Maison", "Juriste", "Vingt ans")
        db.session.commit()
        columns = {column["name"] for column in sa.inspect(db.engine).get_columns("speaker")}
        assert "bio_en" not in columns and "bio" in columns

        upgrade()
        assert run(sa.text("SELECT title_fr FROM programme_session")).scalar() == "Ouverture"


# --- demo ----------------------------------------------------------------------------------------


def test_the_demo_programme_is_written_in_both_languages(runner):
    from colloquium.editions import services as editions

    assert runner.invoke(args=["demo"]).exit_code == 0
    edition = editions.current_edition()
    sessions = services.list_sessions(edition)
    assert sessions
    for session in sessions:
        assert session.title_fr and session.title_en, session.title_fr
        assert bool(session.summary_fr) == bool(session.summary_en), session.title_fr
    for speaker in services.list_speakers(edition):
        assert speaker.title_fr and speaker.title_en and speaker.bio_fr and speaker.bio_en
    for room in services.list_rooms(edition):
        assert room.access_notes_fr and room.access_notes_en
