"""The public programme pages: publishing rules, layout, filters, time zones, query counts."""

import io
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from colloquium.errors import DomainError
from colloquium.extensions import db
from colloquium.programme import services
from colloquium.programme.models import ProgrammeSession
from tests.factories import (
    COMING_YEAR,
    FAR_YEAR,
    PAST_YEAR,
    make_association,
    make_edition,
    make_room,
    make_session,
    make_speaker,
)

UNPUBLISHED_URLS = (
    "/programme/{year}",
    "/programme/sessions/{session}",
    "/programme/speakers/{speaker}",
    "/programme.ics",
    "/programme/{year}.ics",
    "/programme/sessions/{session}.ics",
    "/api/v1/programme",
    "/api/v1/programme/{year}",
)


def small_programme(edition):
    """A room, two speakers (one with a private e-mail) and three sessions."""
    grand = make_room(edition, "Grand amphithéâtre", seats=300, access_notes="Accès de plain-pied")
    petite = make_room(edition, "Salle Louise Weiss", seats=40)
    ana = make_speaker(
        edition,
        "Ana Secret-Mail",
        affiliation="Association fictive",
        email="ana.private@example.org",
        bio="Juriste. <script>alert(1)</script> **Vingt ans** de terrain.",
    )
    bea = make_speaker(edition, "Bea Moderatrice")
    opening = make_session(
        edition, "Ouverture du colloque", "09:00", "09:30", room=grand, kind="opening"
    )
    workshop = make_session(
        edition,
        "Atelier hébergement",
        "14:00",
        "15:30",
        room=petite,
        kind="workshop",
        language="en",
        speakers=[ana, (bea, "moderator")],
        description="Un *atelier* <img src=x onerror=alert(1)>",
    )
    round_table = make_session(
        edition,
        "Table ronde européenne",
        "14:00",
        "15:30",
        room=grand,
        language="both",
        interpretation=True,
        speakers=[bea],
    )
    return {
        "opening": opening,
        "workshop": workshop,
        "round_table": round_table,
        "ana": ana,
        "bea": bea,
    }


def urls(edition, things):
    values = {
        "year": edition.year,
        "session": things["workshop"].id,
        "speaker": things["ana"].id,
    }
    return [url.format(**values) for url in UNPUBLISHED_URLS]


# --- nothing leaks before publishing -------------------------------------------------------------


def test_nothing_is_public_before_publishing(app, client):
    edition = make_edition(COMING_YEAR)
    things = small_programme(edition)
    for url in urls(edition, things):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"Atelier" not in response.data and b"Ana" not in response.data, url
    page = client.get("/programme?lang=en")
    assert page.status_code == 200
    assert b"has not been published yet. Please come back soon." in page.data
    assert b"Atelier" not in page.data and b"Ouverture" not in page.data


def test_unpublishing_hides_everything_again(app, client):
    edition = make_edition(COMING_YEAR)
    things = small_programme(edition)
    services.set_published(edition, True)
    assert all(client.get(url).status_code == 200 for url in urls(edition, things))
    services.set_published(edition, False)
    for url in urls(edition, things):
        assert client.get(url).status_code == 404, url


def test_an_unknown_year_or_session_is_a_404(app, client):
    edition = make_edition(COMING_YEAR)
    services.set_published(edition, True)
    for url in ("/programme/2099", "/programme/sessions/999", "/programme/speakers/999"):
        assert client.get(url).status_code == 404


def test_a_speaker_in_no_session_stays_private(app, client):
    edition = make_edition(COMING_YEAR)
    lonely = make_speaker(edition, "Pas encore confirmée")
    services.set_published(edition, True)
    assert client.get(f"/programme/speakers/{lonely.id}").status_code == 404


def test_a_past_edition_stays_browsable_while_the_next_is_unpublished(app, client):
    past = make_edition(PAST_YEAR, registration_opens_at=datetime(PAST_YEAR, 9, 1, tzinfo=UTC))
    services.set_published(past, True)
    make_session(past, f"Souvenir de {PAST_YEAR}", room=make_room(past))
    make_edition(FAR_YEAR)
    souvenir = f"Souvenir de {PAST_YEAR}".encode()
    assert souvenir in client.get(f"/programme/{PAST_YEAR}").data
    assert souvenir not in client.get("/programme").data


# --- the published day ---------------------------------------------------------------------------


def test_the_published_day_in_time_order_with_parallel_sessions(app, client):
    edition = make_edition(COMING_YEAR)
    small_programme(edition)
    services.set_published(edition, True)
    page = client.get(f"/programme/{COMING_YEAR}?lang=en").get_data(as_text=True)
    assert page.index("Ouverture du colloque") < page.index("Atelier hébergement")
    # The two 14:00 sessions sit in the same block of parallel sessions.
    blocks = page.split('class="programme-block"')
    assert len(blocks) == 3
    assert "Atelier hébergement" in blocks[2] and "Table ronde européenne" in blocks[2]
    for text in (
        "Workshop",
        "Salle Louise Weiss",
        "In English",
        "In French and English",
        "with interpretation",
        "Bea Moderatrice</a> (moderator)",
        "Last updated",
        f'href="/programme/{COMING_YEAR}.ics"',
    ):
        assert text in page, text
    assert "ana.private@example.org" not in page


def test_the_current_edition_at_programme(app, client):
    edition = make_edition(FAR_YEAR)
    small_programme(edition)
    services.set_published(edition, True)
    response = client.get("/programme")
    assert response.status_code == 200
    assert b"Ouverture du colloque" in response.data


def test_times_are_shown_in_the_editions_time_zone(app, client):
    edition = make_edition(COMING_YEAR, timezone="America/Martinique")
    make_session(edition, "Petit matin", "08:15", "09:00", room=make_room(edition))
    services.set_published(edition, True)
    page = client.get(f"/programme/{COMING_YEAR}").get_data(as_text=True)
    assert ">08:15</time>" in page and "\u2013<time" in page
    assert f'datetime="{COMING_YEAR}-10-17T08:15-04:00"' in page


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("kind=workshop", {"Atelier hébergement"}, {"Ouverture du colloque", "Table ronde"}),
        ("language=en", {"Atelier hébergement", "Table ronde"}, {"Ouverture du colloque"}),
        ("language=fr", {"Ouverture du colloque", "Table ronde"}, {"Atelier hébergement"}),
        ("language=both", {"Table ronde"}, {"Ouverture du colloque", "Atelier hébergement"}),
        ("kind=opening&language=en", set(), {"Ouverture", "Atelier", "Table ronde"}),
        ("kind=party&language=xx", {"Ouverture", "Atelier", "Table ronde"}, set()),
    ],
)
def test_filters_by_kind_and_language(app, client, query, shown, hidden):
    edition = make_edition(COMING_YEAR)
    small_programme(edition)
    services.set_published(edition, True)
    page = client.get(f"/programme/{COMING_YEAR}?lang=en&{query}").get_data(as_text=True)
    for title in shown:
        assert title in page, title
    for title in hidden:
        assert title not in page, title
    if not shown:
        assert "No session matches these filters." in page


def test_the_filter_form_works_without_javascript(app, client):
    edition = make_edition(COMING_YEAR)
    services.set_published(edition, True)
    page = client.get(f"/programme/{COMING_YEAR}?kind=workshop").get_data(as_text=True)
    assert (
        f'<form class="programme-filters" method="get" action="/programme/{COMING_YEAR}">' in page
    )
    assert '<option value="workshop" selected>' in page
    assert '<label for="filter-kind">' in page and '<label for="filter-language">' in page


def test_a_session_page(app, client):
    edition = make_edition(COMING_YEAR)
    things = small_programme(edition)
    services.set_published(edition, True)
    page = client.get(f"/programme/sessions/{things['workshop'].id}?lang=en").get_data(as_text=True)
    assert "Atelier hébergement" in page and "Ana Secret-Mail" in page
    assert f'href="/programme/sessions/{things["workshop"].id}.ics"' in page
    assert "<em>atelier</em>" in page and "onerror" not in page
    assert "ana.private@example.org" not in page


def test_a_speaker_page(app, client):
    edition = make_edition(COMING_YEAR)
    things = small_programme(edition)
    services.set_published(edition, True)
    page = client.get(f"/programme/speakers/{things['ana'].id}?lang=en").get_data(as_text=True)
    assert "Ana Secret-Mail" in page and "Atelier hébergement" in page
    assert "<strong>Vingt ans</strong>" in page and "<script>" not in page
    assert "ana.private@example.org" not in page


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (122, 31, 61)).save(out, format="PNG")
    return out.getvalue()


def test_a_speakers_photo(app, client):
    edition = make_edition(COMING_YEAR)
    things = small_programme(edition)
    services.set_speaker_photo(things["ana"], png_bytes())
    url = f"/programme/speakers/{things['ana'].id}/photo"
    assert client.get(url).status_code == 404
    services.set_published(edition, True)
    response = client.get(url)
    assert response.status_code == 200
    assert response.content_type == "image/jpeg"  # re-encoded: nothing of the upload is kept
    assert response.data.startswith(b"\xff\xd8")
    again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert client.get(f"/programme/speakers/{things['bea'].id}/photo").status_code == 404
    assert url in client.get(f"/programme/speakers/{things['ana'].id}").get_data(as_text=True)


def test_a_photo_that_is_not_an_image_is_refused(app):
    edition = make_edition(COMING_YEAR)
    speaker = make_speaker(edition)
    with pytest.raises(DomainError) as caught:
        services.set_speaker_photo(speaker, b"<svg onload=alert(1)>")
    assert caught.value.field == "photo"
    assert speaker.photo is None


# --- fixed query counts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/programme",
        "/programme/{year}",
        "/programme/{year}?kind=round_table&language=fr",
        "/programme/sessions/{session}",
        "/programme/speakers/{speaker}",
        "/programme.ics",
        "/programme/{year}.ics",
        "/programme/sessions/{session}.ics",
        "/api/v1/programme",
        "/api/v1/programme/{year}",
    ],
)
def test_the_query_count_does_not_grow_with_the_programme(app, client, count_queries, url):
    edition = make_edition(FAR_YEAR)
    rooms = [make_room(edition, f"Salle {n}") for n in range(4)]
    speakers = [make_speaker(edition, f"Intervenant·e {n}") for n in range(10)]
    services.set_published(edition, True)

    def add_sessions(start, stop):
        for n in range(start, stop):
            make_session(
                edition,
                f"Session {n}",
                f"{8 + n % 12:02d}:00",
                f"{8 + n % 12:02d}:45",
                room=rooms[n % 4],
                speakers=[speakers[n % 10], (speakers[(n + 3) % 10], "moderator")],
            )

    add_sessions(0, 5)
    first = db.session.scalars(sa.select(ProgrammeSession).order_by(ProgrammeSession.id)).first()
    target = url.format(year=edition.year, session=first.id, speaker=speakers[0].id)
    counts = []
    for stop in (5, 200):
        add_sessions(len(services.list_sessions(edition)), stop)
        db.session.commit()
        assert len(services.list_sessions(edition)) == stop
        with count_queries() as queries:
            response = client.get(target)
        assert response.status_code == 200, target
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 6, queries


def test_a_speaker_page_links_to_a_member_association_only(app, client):
    edition = make_edition(COMING_YEAR)
    member = make_association("aide-et-refuge", "Aide et refuge")
    former = make_association("ancienne", "Ancienne association", is_member=False)
    linked = make_speaker(edition, "Lia Membre", association_id=member.id)
    archived = make_speaker(edition, "Noa Ancienne", association_id=former.id)
    make_session(edition, speakers=[linked, archived], room=make_room(edition))
    services.set_published(edition, True)
    page = client.get(f"/programme/speakers/{linked.id}").get_data(as_text=True)
    assert 'href="/associations/aide-et-refuge"' in page
    page = client.get(f"/programme/speakers/{archived.id}").get_data(as_text=True)
    assert "/associations/ancienne" not in page
