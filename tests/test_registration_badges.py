"""Badges: a printable A4 page of the confirmed attendees, eight a sheet, filtered and sorted."""

import re
from pathlib import Path

import pytest

from colloquium.extensions import db
from colloquium.registration import services as registrations
from tests.factories import (
    COMING_YEAR,
    NEXT_YEAR,
    make_association,
    make_edition,
    make_registration,
    make_user,
)
from tests.web import log_in

STATIC = Path(__file__).resolve().parent.parent / "colloquium" / "static" / "css"
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@pytest.fixture
def hall(app):
    """The coming edition: four confirmed attendees, and others who get no badge."""
    edition = make_edition(COMING_YEAR, capacity=4)
    for email, first, last, kind, organisation in [
        ("zoe@example.org", "Zoé", "Zola", "press", "Le Quotidien"),
        ("eloi@example.org", "Éloi", "Émery", "ngo", "Amicale du Nid"),
        ("anna@example.org", "Anna", "Ebert", "research", ""),
        ("helene@example.org", "Hélène", "Dupré", "ngo", "Comité"),
    ]:
        make_registration(
            edition,
            email,
            confirm=True,
            first_name=first,
            last_name=last,
            attendee_type=kind,
            organisation=organisation,
        )
    make_registration(edition, "wait@example.org", confirm=True, first_name="Waitlisted")
    make_registration(edition, "new@example.org", first_name="Unconfirmed")
    gone, _ = make_registration(edition, "gone@example.org", first_name="Cancelled")
    registrations.cancel_registration(gone)
    later = make_edition(NEXT_YEAR)
    make_registration(later, "next@example.org", confirm=True, first_name="Nextyear")
    association = make_association("alpha", "Alpha")
    make_user("editor@example.org", association=association)
    make_user("organiser@example.org", role="organiser")
    db.session.commit()
    return edition


@pytest.fixture
def organiser(app, hall):
    client = app.test_client()
    assert log_in(client, "organiser@example.org").status_code == 302
    return client


def _names(html) -> list[str]:
    """The last names on the badges, in order."""
    return re.findall(r'<p class="badge-last-name">([^<]*)</p>', html)


def test_confirmed_attendees_only_by_last_name_the_french_way(organiser, hall):
    html = organiser.get(f"/admin/badges/{COMING_YEAR}?lang=en").get_data(as_text=True)
    # Dupré, Ebert, Émery, Zola: "É" sorts with "E", not after "Z".
    assert _names(html) == ["Dupré", "Ebert", "Émery", "Zola"]
    for absent in ("Waitlisted", "Unconfirmed", "Cancelled", "Nextyear"):
        assert absent not in html
    assert "4 badges" in html and "1 A4 sheet" in html


def test_a_badge_shows_name_organisation_type_and_edition(organiser, hall):
    html = organiser.get(f"/admin/badges/{COMING_YEAR}?lang=en").get_data(as_text=True)
    badge = re.search(r'<li class="badge">(.*?)</li>', html, re.S).group(1)
    assert '<p class="badge-first-name">Hélène</p>' in badge
    assert '<p class="badge-organisation">Comité</p>' in badge
    assert '<p class="badge-type">Other association or NGO</p>' in badge
    assert '<p class="badge-edition">Colloquium of 17 October ' in badge
    assert str(COMING_YEAR) in badge
    html = organiser.get(f"/admin/badges/{COMING_YEAR}?lang=fr").get_data(as_text=True)
    assert '<p class="badge-type">Autre association ou ONG</p>' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"type": "ngo"}, ["Dupré", "Émery"]),
        ({"type": "press"}, ["Zola"]),
        ({"q": "helene"}, ["Dupré"]),
        ({"q": "EMERY"}, ["Émery"]),
        ({"q": "e", "type": "research"}, ["Ebert"]),
        ({"q": "nobody"}, []),
        ({"type": "not-a-type"}, ["Dupré", "Ebert", "Émery", "Zola"]),
    ],
)
def test_filters(organiser, hall, query, expected):
    response = organiser.get(f"/admin/badges/{COMING_YEAR}", query_string={**query, "lang": "en"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _names(html) == expected
    if not expected:
        assert "No confirmed attendee matches" in html


def test_eight_badges_a_sheet(app, organiser, hall):
    edition = make_edition(NEXT_YEAR + 1, capacity=20)
    for number in range(17):
        make_registration(
            edition, f"p{number}@example.org", confirm=True, last_name=f"Nom {number:02d}"
        )
    html = organiser.get(f"/admin/badges/{NEXT_YEAR + 1}?lang=en").get_data(as_text=True)
    sheets = re.findall(r'<section class="badge-sheet".*?</section>', html, re.S)
    assert [sheet.count('<li class="badge">') for sheet in sheets] == [8, 8, 1]
    assert "Sheet 3 of 3" in html and "3 A4 sheets" in html


def test_the_print_rules_put_eight_badges_on_an_a4_page(organiser, hall):
    css = (STATIC / "badges.css").read_text()
    assert re.search(r"@page\s*{\s*size:\s*A4;\s*margin:", css)
    printed = css[css.index("@media print") :]
    assert "grid-template-columns: repeat(2, 90mm)" in printed
    assert "grid-template-rows: repeat(4, 68mm)" in printed
    assert "break-after: page" in printed
    # Two 90 mm columns and four 68 mm rows fit inside A4 (210 x 297 mm) less the margins.
    vertical, horizontal = (int(n) for n in re.search(r"margin: (\d+)mm (\d+)mm", css).groups())
    assert 210 - 2 * horizontal >= 2 * 90
    assert 297 - 2 * vertical >= 4 * 68
    assert "batch(8)" in (TEMPLATES / "registration" / "badges.html").read_text()
    html = organiser.get(f"/admin/badges/{COMING_YEAR}?lang=en").get_data(as_text=True)
    assert 'href="/static/css/badges.css"' in html
    assert "Print command" in html
    assert "<script" not in html


def test_the_current_editions_badges(organiser, hall):
    response = organiser.get("/admin/badges/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/badges/{COMING_YEAR}")


def test_without_an_edition(app):
    make_user("organiser@example.org", role="organiser")
    client = app.test_client()
    log_in(client, "organiser@example.org")
    response = client.get("/admin/badges/?lang=en")
    assert response.status_code == 200
    assert "There is no edition yet: badges can be printed" in response.get_data(as_text=True)


def test_a_title_without_its_year_gets_the_year(organiser, hall):
    hall.title_fr = "Journée de l\u2019accueil"
    db.session.commit()
    html = organiser.get(f"/admin/badges/{COMING_YEAR}?lang=en").get_data(as_text=True)
    assert f"Journée de l\u2019accueil · {COMING_YEAR}</p>" in html


def test_an_unknown_year_is_not_found(organiser, hall):
    assert organiser.get(f"/admin/badges/{COMING_YEAR + 40}").status_code == 404


def test_the_back_office_menu_has_badges(organiser, hall):
    html = organiser.get(f"/admin/badges/{COMING_YEAR}?lang=en").get_data(as_text=True)
    assert '<a href="/admin/badges/" aria-current="page">Badges</a>' in html


@pytest.mark.parametrize("actor", ["anonymous", "editor", "organiser"])
@pytest.mark.parametrize(
    "url",
    ["/admin/badges/", f"/admin/badges/{COMING_YEAR}", f"/admin/badges/{COMING_YEAR}?type=ngo"],
)
def test_only_organisers_see_badges(app, hall, actor, url):
    client = app.test_client()
    if actor != "anonymous":
        assert log_in(client, f"{actor}@example.org").status_code == 302
    response = client.get(url)
    if actor == "anonymous":
        assert response.status_code == 302
        assert "/login?next=" in response.headers["Location"]
    elif actor == "editor":
        assert response.status_code == 404
    else:
        assert response.status_code in (200, 302)
        assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("count", [1, 20])
def test_the_badges_page_runs_a_fixed_number_of_queries(app, count_queries, count, language):
    edition = make_edition(COMING_YEAR, capacity=100)
    for number in range(count):
        make_registration(edition, f"p{number}@example.org", confirm=True, organisation="Nid")
    make_user("organiser@example.org", role="organiser")
    client = app.test_client()
    log_in(client, "organiser@example.org")
    for query in ("", "&type=ngo&q=ada"):
        with count_queries() as queries:
            response = client.get(f"/admin/badges/{COMING_YEAR}?lang={language}{query}")
        assert response.status_code == 200
        assert len(queries) == 3, queries  # the account, the edition, the badges
        assert len(_names(response.get_data(as_text=True))) == count
