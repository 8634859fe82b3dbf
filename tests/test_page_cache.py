"""Public pages kept once per content version: every change shows at once, nothing personal
is ever kept or served to someone else, conditional GET, several workers, bounded memory."""

import pytest
import sqlalchemy as sa
from flask import Flask

from colloquium import create_app
from colloquium.associations import services as associations
from colloquium.associations.models import Association
from colloquium.content.cache import PageCache, StoredPage
from colloquium.content.models import ContentVersion
from colloquium.content.tracking import (
    NOT_SHOWN_COLUMNS,
    NOT_SHOWN_TABLES,
    PUBLIC_TABLES,
    execute_unshown,
)
from colloquium.editions import services as editions
from colloquium.editions.models import Edition
from colloquium.extensions import db
from colloquium.programme import services as programme
from colloquium.programme.models import Room
from colloquium.registration import services as registrations
from colloquium.registration.models import Registration
from colloquium.resources import services as brochures
from tests.factories import (
    make_association,
    make_edition,
    make_registration,
    make_room,
    make_session,
    make_speaker,
    make_user,
)
from tests.test_resources_brochures import pdf
from tests.web import csrf_token, log_in

PAGES = (
    "/programme",
    "/programme/{year}",
    "/programme/sessions/{session}",
    "/programme/speakers/{speaker}",
    "/programme.ics",
    "/programme/{year}.ics",
    "/programme/sessions/{session}.ics",
    "/api/v1/programme",
    "/api/v1/programme/{year}",
    "/associations",
    "/associations?q=refuge&area=victim_support",
    "/associations/refuge",
    "/api/v1/associations",
    "/about",
    "/resources",
)


def version() -> int:
    """The content version as stored."""
    db.session.expire_all()
    return db.session.get(ContentVersion, 1).version


def day():
    """A published programme: a room, a speaker of an association, a session; and the rest."""
    edition = make_edition(title="Colloque du cache")
    association = make_association("refuge", "Refuge du Nord", areas=["victim_support"])
    room = make_room(edition, "Salle Weiss", access_notes="Entrée rue Haute")
    speaker = make_speaker(edition, "Ana Lopez", association_id=association.id)
    session = make_session(edition, "Atelier accueil", room=room, speakers=[speaker])
    programme.set_published(edition, True)
    db.session.commit()
    return edition, room, speaker, session, association


def urls(edition, speaker, session) -> list[str]:
    """Every cached page of ``day()``."""
    return [
        page.format(year=edition.year, session=session.id, speaker=speaker.id) for page in PAGES
    ]


def text_of(client, url: str, **kwargs) -> str:
    """The page at ``url``, which must answer 200."""
    response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


# --- Which tables count ----------------------------------------------------------------------


def test_every_table_is_either_public_content_or_said_not_to_be_shown(app):
    """A new table fails here until someone decides whether the cached pages show it."""
    tables = {table.name for table in db.metadata.sorted_tables}
    assert not PUBLIC_TABLES & set(NOT_SHOWN_TABLES)
    assert tables == PUBLIC_TABLES | set(NOT_SHOWN_TABLES), (
        f"unclassified: {sorted(tables - PUBLIC_TABLES - set(NOT_SHOWN_TABLES))}; "
        f"no such table: {sorted((PUBLIC_TABLES | set(NOT_SHOWN_TABLES)) - tables)}"
    )
    assert all(reason.strip() for reason in NOT_SHOWN_TABLES.values())
    for table, columns in NOT_SHOWN_COLUMNS.items():
        assert table in PUBLIC_TABLES
        assert columns <= set(db.metadata.tables[table].columns.keys())


def test_the_seat_counter_alone_never_raises_the_version(app):
    """Confirmations and cancellations move seats; no cached page shows them."""
    edition = make_edition(capacity=10)
    first, _token = make_registration(edition, "ada@example.org")
    second, _token = make_registration(edition, "bob@example.org")
    before = version()
    registrations.confirm_registration(first)
    registrations.confirm_registration(second)
    db.session.commit()
    registrations.cancel_registration(second)
    db.session.commit()
    registrations.update_details(first, registrations.DetailChanges(first_name="Adeline"))
    db.session.commit()
    assert db.session.get(Edition, edition.id).seats_taken == 1
    assert version() == before


def test_the_home_page_shows_the_seats_and_is_never_kept(app, client):
    edition = make_edition(capacity=10)
    registration, _token = make_registration(edition)
    assert "10 seats left of 10" in text_of(client, "/?lang=en")
    registrations.confirm_registration(registration)
    assert "9 seats left of 10" in text_of(client, "/?lang=en")
    assert len(app.extensions["page_cache"]) == 0


def test_registering_by_the_form_leaves_the_version_alone(app, client):
    """A registration writes the attendee, the outbox and the audit log: none of it counts."""
    edition = make_edition()
    before = version()
    form = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.org",
        "attendee_type": "ngo",
        "language": "en",
        "consent_privacy": "y",
    }
    response = client.post(
        "/register", data={**form, "csrf_token": csrf_token(client, "/register")}
    )
    assert response.headers["Location"] == "/register/sent"
    assert db.session.scalar(sa.select(Registration.edition_id)) == edition.id
    assert version() == before


def test_a_bulk_update_on_a_public_table_counts_and_one_elsewhere_does_not(app):
    edition = make_edition()
    before = version()
    db.session.execute(sa.update(Edition).where(Edition.id == edition.id).values(city="Lille"))
    db.session.commit()
    assert version() == before + 1
    db.session.execute(sa.delete(Room).where(Room.edition_id == edition.id))
    db.session.commit()
    assert version() == before + 2
    db.session.execute(sa.update(Registration).values(language="en"))
    db.session.execute(sa.update(Edition).values(seats_taken=Edition.seats_taken))
    db.session.commit()
    assert version() == before + 2
    # One UPDATE per flush, whatever the number of rows it changed.
    db.session.add_all([Room(edition=edition, name="A"), Room(edition=edition, name="B")])
    db.session.commit()
    assert version() == before + 3


def test_an_insert_whose_rows_the_orm_loads_counts_by_its_own_table(app):
    """A DML statement wrapped by ``from_statement`` counts by the table it writes to."""
    edition = make_edition()
    before = version()
    rooms = Room.__table__
    insert = sa.insert(rooms).values(edition_id=edition.id, name="Salle B").returning(*rooms.c)
    assert db.session.scalar(sa.select(Room).from_statement(insert)).name == "Salle B"
    db.session.commit()
    assert version() == before + 1
    db.session.execute(sa.select(Edition).from_statement(sa.select(Edition.__table__)))
    registration, _token = make_registration(edition, "ada@example.org")
    table = Registration.__table__
    update = sa.update(table).where(table.c.id == registration.id).values(language="en")
    db.session.scalar(sa.select(Registration).from_statement(update.returning(*table.c)))
    db.session.commit()
    assert registration.language == "en"
    assert version() == before + 1


def test_only_writes_no_page_shows_may_skip_the_sessions_events(app):
    """``execute_unshown`` runs past the session's events: it refuses what those would count."""
    edition = make_edition(capacity=10)
    registration, _token = make_registration(edition, "ada@example.org")
    before = version()
    seats = sa.update(Edition).where(Edition.id == edition.id).values(seats_taken=3)
    assert execute_unshown(db.session, seats.returning(Edition.seats_taken), {}).scalar() == 3
    table = Registration.__table__
    language = sa.update(table).where(table.c.id == registration.id).values(language="en")
    assert execute_unshown(db.session, language, {}).rowcount == 1
    refused = [
        sa.update(Edition).where(Edition.id == edition.id).values(city="Lille"),
        sa.update(Edition).values(seats_taken=4, capacity=20),
        sa.update(Edition.__table__).values({Edition.__table__.c.city: "Lille"}),
        sa.insert(Room.__table__).values(edition_id=edition.id, name="Salle B"),
        sa.delete(Room),
    ]
    for statement in refused:
        with pytest.raises(ValueError, match="changes what pages show"):
            execute_unshown(db.session, statement, {})
    db.session.commit()
    assert db.session.scalar(sa.select(Edition.city)) != "Lille"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Room)) == 0
    assert (db.session.get(Edition, edition.id).seats_taken, version()) == (3, before)


def test_a_change_rolled_back_leaves_the_version_as_it_was(app):
    edition = make_edition()
    before = version()
    make_room(edition, "Salle annulée")
    db.session.rollback()
    assert version() == before


# --- Every change shows at once --------------------------------------------------------------


def test_sessions_speakers_links_and_rooms_show_at_once(app, client):
    edition, room, speaker, session, _association = day()
    session_page = f"/programme/sessions/{session.id}"
    speaker_page = f"/programme/speakers/{speaker.id}"
    for url in ("/programme", session_page, speaker_page, "/api/v1/programme", "/programme.ics"):
        assert "Atelier accueil" in text_of(client, url)
    assert "Entrée rue Haute" in text_of(client, session_page)

    data = programme.SessionData(
        title_fr="Atelier renommé",
        kind=session.kind,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        room_id=room.id,
        speakers=[],
    )
    programme.update_session(session, data)
    for url in ("/programme", session_page, "/api/v1/programme", "/programme.ics"):
        assert "Atelier renommé" in text_of(client, url), url
    # The link to the speaker is gone: the speaker no longer speaks in a published session.
    assert client.get(speaker_page).status_code == 404

    other = make_session(edition, "Plénière", "11:00", "12:00", speakers=[speaker])
    assert "Plénière" in text_of(client, speaker_page)
    programme.update_speaker(
        speaker, programme.SpeakerData(name="Ana López-Martín", bio_fr="Juriste.")
    )
    assert "Ana López-Martín" in text_of(client, speaker_page)
    assert "Ana López-Martín" in text_of(client, f"/programme/sessions/{other.id}")

    programme.update_room(
        room, programme.RoomData(name="Salle Weiss", seats=40, access_notes_fr="Par la cour")
    )
    assert "Par la cour" in text_of(client, session_page)
    programme.delete_session(other)
    assert client.get(f"/programme/sessions/{other.id}").status_code == 404


def test_edition_texts_publishing_and_unpublishing_show_at_once(app, client):
    edition, _room, _speaker, session, _association = day()
    organiser = make_user("orga@example.org", role="organiser")
    assert "Colloque du cache" in text_of(client, "/programme")
    editions.update_edition(edition, editions.EditionChanges(title_fr="Colloque renommé"))
    assert "Colloque renommé" in text_of(client, "/programme")
    assert client.get("/api/v1/programme").get_json()["edition"]["title"] == "Colloque renommé"

    programme.unpublish_programme(edition, organiser)
    assert "Atelier accueil" not in text_of(client, "/programme")
    assert client.get(f"/programme/sessions/{session.id}").status_code == 404
    assert client.get("/api/v1/programme").status_code == 404
    programme.publish_programme(edition, organiser)
    assert "Atelier accueil" in text_of(client, "/programme")
    assert client.get("/programme.ics").status_code == 200


def test_association_edits_reverts_and_imports_show_at_once(app, client):
    association = make_association("refuge", "Refuge du Nord", summary="Accueil de jour")
    for url in ("/associations", "/associations/refuge", "/api/v1/associations"):
        assert "Accueil de jour" in text_of(client, url)

    revision = associations.update_profile(
        association, associations.ProfileValues(summary_fr="Hébergement en urgence")
    )
    for url in ("/associations", "/associations/refuge"):
        assert "Hébergement en urgence" in text_of(client, url), url
    [member] = client.get("/api/v1/associations").get_json()["associations"]
    assert member["summary"] == "Hébergement en urgence"

    associations.update_profile(association, associations.ProfileValues(areas=["health"]))
    assert "Refuge du Nord" not in text_of(client, "/associations?area=victim_support")
    assert "Refuge du Nord" in text_of(client, "/associations?area=health")

    associations.revert_revision(revision, author=None)
    assert "Accueil de jour" in text_of(client, "/associations/refuge")

    associations.import_csv("slug,name,city\nphare,Le Phare,Brest\n")
    assert "Le Phare" in text_of(client, "/associations")
    assert "Le Phare" in text_of(client, "/api/v1/associations")

    associations.set_membership(association, False, author=None)
    assert client.get("/associations/refuge").status_code == 404
    assert "Refuge du Nord" not in text_of(client, "/associations")


def test_brochures_uploaded_reordered_and_removed_show_at_once(app, client):
    organiser = make_user("orga@example.org", role="organiser")
    assert "Guide du repérage" not in text_of(client, "/resources")

    def upload(title):
        """A brochure of that title, uploaded as the back office does."""
        return brochures.add_brochure(
            brochures.BrochureUpload(title, "", "", "", f"{title}.pdf", pdf()), organiser
        )

    guide, charte = upload("Guide du repérage"), upload("Charte des membres")
    page = text_of(client, "/resources")
    assert page.index("Guide du repérage") < page.index("Charte des membres")
    brochures.move_brochure(charte, -1)
    page = text_of(client, "/resources")
    assert page.index("Charte des membres") < page.index("Guide du repérage")
    brochures.remove_brochure(guide, organiser)
    assert "Guide du repérage" not in text_of(client, "/resources")


# --- A hit, conditional GET ------------------------------------------------------------------


def test_a_page_already_rendered_costs_one_query(app, client, count_queries):
    edition, _room, speaker, session, _association = day()
    for url in urls(edition, speaker, session):
        first = client.get(url)
        with count_queries() as queries:
            again = client.get(url)
        assert len(queries) == 1, (url, queries)
        assert again.status_code == 200 and again.data == first.data, url
        assert again.headers["ETag"] == first.headers["ETag"], url
        assert again.headers["Content-Type"] == first.headers["Content-Type"], url


def test_if_none_match_gets_a_304_until_the_content_changes(app, client):
    edition, room, speaker, session, _association = day()
    for url in urls(edition, speaker, session):
        response = client.get(url)
        etag = response.headers["ETag"]
        assert response.last_modified is not None, url
        assert "no-cache" in response.headers["Cache-Control"], url
        unchanged = client.get(url, headers={"If-None-Match": etag})
        assert unchanged.status_code == 304 and unchanged.data == b"", url
        assert "Content-Security-Policy" in unchanged.headers  # the hooks still ran
    url = f"/programme/sessions/{session.id}"
    etag = client.get(url).headers["ETag"]
    programme.update_room(room, programme.RoomData(name="Salle Weiss", seats=40))
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_a_hit_keeps_the_headers_of_the_app_and_of_the_page(app, client):
    edition, _room, _speaker, _session, _association = day()
    for _ in range(2):
        calendar = client.get("/programme.ics")
        assert calendar.headers["Content-Type"] == "text/calendar; charset=utf-8"
        assert f"programme-{edition.year}.ics" in calendar.headers["Content-Disposition"]
        api = client.get("/api/v1/programme")
        assert api.headers["Access-Control-Allow-Origin"] == "*"
        assert api.headers["Vary"] == "Accept-Language"
        page = client.get("/programme?lang=en")
        assert page.headers["X-Frame-Options"] == "DENY"
        assert set(page.headers["Vary"].split(", ")) == {"Cookie", "Accept-Language"}
        assert "lang=en" in page.headers.get("Set-Cookie", "")
        client.delete_cookie("lang")
    head = client.head("/programme")
    assert head.status_code == 200 and head.data == b"" and head.headers["ETag"]


# --- Languages -------------------------------------------------------------------------------


def test_languages_are_never_mixed(app, client):
    edition = make_edition(title="Colloque", title_en="Conference")
    make_session(edition, "Atelier", title_en="Workshop")
    programme.set_published(edition, True)
    db.session.commit()
    assert "Atelier" in text_of(client, "/programme?lang=fr")
    assert "Workshop" in text_of(client, "/programme?lang=en")
    # The cookie now says English: the same address without ?lang= is English, then French.
    assert "Workshop" in text_of(client, "/programme")
    client.set_cookie("lang", "fr")
    assert "Atelier" in text_of(client, "/programme")
    client.delete_cookie("lang")
    assert "Workshop" in text_of(client, "/programme", headers={"Accept-Language": "en"})
    assert "Atelier" in text_of(client, "/programme", headers={"Accept-Language": "fr"})
    # Open data ignores the cookie but follows Accept-Language.
    client.set_cookie("lang", "en")
    assert client.get("/api/v1/programme").get_json()["language"] == "fr"
    english = client.get("/api/v1/programme", headers={"Accept-Language": "en"})
    assert english.get_json()["language"] == "en"
    assert client.get("/api/v1/associations?lang=en").get_json()["language"] == "en"
    assert client.get("/api/v1/associations").get_json()["language"] == "fr"


# --- Personal pages are never kept -----------------------------------------------------------


def test_an_organiser_never_gets_nor_leaves_the_anonymous_copy(app, client):
    day()
    make_user("orga@example.org", role="organiser")
    anonymous = text_of(client, "/programme?lang=en")
    assert "Back office" not in anonymous and "Log in" in anonymous
    organiser = app.test_client()
    log_in(organiser, "orga@example.org")
    seen = organiser.get("/programme?lang=en")
    assert "Back office" in seen.get_data(as_text=True)
    assert "private" in seen.headers["Cache-Control"]
    assert "Back office" in text_of(organiser, "/programme?lang=en")
    for _ in range(2):
        page = text_of(client, "/programme?lang=en")
        assert "Back office" not in page and "Log out" not in page


def test_an_editor_sees_the_edit_link_and_nobody_else_does(app, client):
    association = make_association("refuge", "Refuge du Nord")
    make_user("editor@example.org", role="editor", association=association)
    editor = app.test_client()
    log_in(editor, "editor@example.org")
    assert "/associations/refuge/edit" in text_of(editor, "/associations/refuge")
    assert "/associations/refuge/edit" not in text_of(client, "/associations/refuge")
    assert "/associations/refuge/edit" in text_of(editor, "/associations/refuge")
    assert "/associations/refuge/edit" not in text_of(client, "/associations/refuge")


def test_a_flashed_message_is_shown_and_never_kept(app, client):
    make_association("refuge", "Refuge du Nord")
    assert "Ne partez pas" not in text_of(client, "/associations")
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Ne partez pas")]
    assert "Ne partez pas" in text_of(client, "/associations")
    assert "Ne partez pas" not in text_of(client, "/associations")
    assert "Ne partez pas" not in text_of(app.test_client(), "/associations")


def test_a_page_whose_render_touched_the_session_is_not_kept(app, client):
    """A form's CSRF token is this visitor's: the page that carries it is theirs alone."""

    @app.get("/test-token")
    def page_with_a_token():
        from flask_wtf.csrf import generate_csrf

        return generate_csrf()

    from colloquium.content.cache import cached_page

    app.view_functions["page_with_a_token"] = cached_page(page_with_a_token)
    first = client.get("/test-token").get_data(as_text=True)
    other = app.test_client().get("/test-token").get_data(as_text=True)
    assert first != other
    assert len(app.extensions["page_cache"]) == 0


# --- Several workers, hostile addresses, memory ----------------------------------------------


def second_worker(app: Flask) -> Flask:
    """Another app on the same database, as another gunicorn worker would be."""
    other = create_app(dict(app.config), instance_path=app.instance_path)
    other.test_client_class = type(app.test_client())
    return other


def test_two_workers_stay_consistent_after_a_change_through_one(app, client):
    association = make_association("refuge", "Refuge du Nord", summary="Accueil de jour")
    association_id = association.id
    db.session.commit()  # reading the id began a transaction; the other worker writes
    other = second_worker(app)
    other_client = other.test_client()
    try:
        assert "Accueil de jour" in text_of(client, "/associations/refuge")
        assert "Accueil de jour" in text_of(other_client, "/associations/refuge")
        with other.app_context():
            changed = db.session.get(Association, association_id)
            associations.update_profile(changed, associations.ProfileValues(summary_fr="Nouveau"))
            db.session.commit()
        assert "Nouveau" in text_of(client, "/associations/refuge")
        assert "Nouveau" in text_of(other_client, "/associations/refuge")
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_hostile_query_strings_never_fail_and_the_cache_stays_within_bounds(make_app):
    app = make_app({"PAGE_CACHE_MAX_BYTES": 60_000})
    with app.app_context():
        make_association("refuge", "Refuge du Nord")
        client = app.test_client()
        cache: PageCache = app.extensions["page_cache"]
        hostile = (
            "q=%00%ff",
            "q=" + "a" * 3000,
            "area=../../etc&area=health",
            "lang=xx&lang=en",
            "l%61ng=en&lang=fr",
            "q=%E2%80%AE&kind[]=1",
            "q=a&q=b",
            "_external=1&slug=x",
        )
        for number in range(60):
            for query in hostile:
                for url in ("/associations", "/associations/refuge", "/api/v1/associations"):
                    response = client.get(f"{url}?{query}&n={number}")
                    assert response.status_code < 500, (url, query)
                    assert cache.total_bytes <= cache.max_bytes
        assert 0 < len(cache) < 60 * len(hostile)
        # The same name given twice: the first value is the one the page uses, in any order.
        english = client.get("/associations?lang=en&lang=fr").get_data(as_text=True)
        assert '<html lang="en">' in english
        french = client.get("/associations?lang=fr&lang=en").get_data(as_text=True)
        assert '<html lang="fr">' in french


def test_the_cache_forgets_the_least_recently_used_pages_first():
    def page(size: int) -> StoredPage:
        """A stored page of ``size`` bytes."""
        return StoredPage(b"x" * size, "text/html", (), "etag")

    cache = PageCache(max_bytes=3000)
    assert cache.get("a", 1) is None  # adopts version 1
    cache.put("a", 1, page(800))
    cache.put("b", 1, page(800))
    assert cache.get("a", 1) is not None  # "a" used last: "b" goes first
    cache.put("c", 1, page(800))
    assert cache.get("b", 1) is None and cache.get("a", 1) and cache.get("c", 1)
    assert cache.total_bytes <= 3000
    cache.put("huge", 1, page(5000))
    assert cache.get("huge", 1) is None
    cache.put("old", 0, page(10))  # rendered from an older version: never kept
    assert cache.get("old", 1) is None
    assert cache.get("a", 2) is None and len(cache) == 0 and cache.total_bytes == 0


def test_the_session_follows_a_new_secret_key_and_its_fallbacks(app, client):
    """The session's serializer is built once, yet a rotated key is used at once."""
    with client.session_transaction() as session:
        session["kept"] = "yes"
    old_key = app.config["SECRET_KEY"]

    def kept() -> str | None:
        with client.session_transaction() as session:
            return session.get("kept")

    assert kept() == "yes"
    app.config.update(
        SECRET_KEY="a new key, long enough to sign with", SECRET_KEY_FALLBACKS=[old_key]
    )
    assert kept() == "yes"  # signed with the old key, which is still a fallback
    app.config.update(SECRET_KEY_FALLBACKS=[])
    assert kept() is None  # the old key is gone: the cookie is no longer believed
