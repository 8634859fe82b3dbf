"""Check-in at the door by name, e-mail, organisation, reference or QR code; the live count."""

import re

import pytest
import sqlalchemy as sa

from colloquium.audit.models import AuditEntry
from colloquium.extensions import db
from colloquium.registration import services as registrations
from colloquium.registration.documents import check_in_url
from colloquium.registration.models import Registration
from tests.factories import (
    COMING_YEAR,
    NEXT_YEAR,
    make_association,
    make_edition,
    make_registration,
    make_user,
)
from tests.web import csrf_token, log_in

LOGIN = "login"


@pytest.fixture
def door(app):
    """The coming edition, full, with one registration in each state; every kind of account."""
    edition = make_edition(COMING_YEAR, capacity=2)
    helene, _ = make_registration(
        edition,
        "h.dupre@example.org",
        confirm=True,
        first_name="Hélène",
        last_name="Dupré",
        organisation="Comité Œuvre d\u2019Asile",
    )
    zoe, _ = make_registration(
        edition, "zoe@example.org", confirm=True, first_name="Zoé", last_name="Lefèvre"
    )
    registrations.check_in(zoe)
    waiting, _ = make_registration(
        edition, "wanda@example.org", confirm=True, first_name="Wanda", last_name="Attente"
    )
    unconfirmed, _ = make_registration(
        edition, "ursule@example.org", first_name="Ursule", last_name="Muette"
    )
    cancelled, _ = make_registration(
        edition, "carl@example.org", first_name="Carl", last_name="Parti"
    )
    registrations.cancel_registration(cancelled)
    erased, _ = make_registration(edition, "eve@example.org", first_name="Ève", last_name="Tue")
    registrations.erase_registration(erased)
    # Another edition's Hélène is not at this door.
    later = make_edition(NEXT_YEAR)
    make_registration(later, "h2@example.org", first_name="Hélène", last_name="Suivante")
    association = make_association("alpha", "Alpha")
    make_user("editor@example.org", association=association)
    make_user("organiser@example.org", role="organiser")
    db.session.commit()
    return {
        "helene": helene.reference,
        "zoe": zoe.reference,
        "waiting": waiting.reference,
        "unconfirmed": unconfirmed.reference,
        "cancelled": cancelled.reference,
        "erased": erased.reference,
    }


@pytest.fixture
def organiser(app, door):
    client = app.test_client()
    assert log_in(client, "organiser@example.org").status_code == 302
    return client


def _search(client, text, language="en", parameter="q"):
    return client.get("/admin/check-in/", query_string={parameter: text, "lang": language})


def _search_box(html) -> str:
    """The search field's tag."""
    return re.search(r'<input[^>]*name="q"[^>]*>', html).group(0)


def _listed(html) -> list[str]:
    """The references the result list links to, in order."""
    return re.findall(r'href="/admin/check-in/(OCT\d\d-\w+)"', html)


# --- Finding people ------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["helene", "HÉLÈNE", "hélène", "Dupre", "dupré hélène", "hel"])
def test_a_name_is_found_blind_to_case_and_accents(organiser, door, text):
    html = _search(organiser, text).get_data(as_text=True)
    assert _listed(html) == [door["helene"]]
    assert "Hélène Dupré" in html and "Comité Œuvre d\u2019Asile" in html
    assert "1 registration found" in html


@pytest.mark.parametrize("text", ["h.dupre@example", "oeuvre asile", "œuvre", "comite"])
def test_an_email_or_an_organisation_is_found(organiser, door, text):
    assert _listed(_search(organiser, text).get_data(as_text=True)) == [door["helene"]]


def test_every_match_is_listed_sorted_by_last_name(organiser, door):
    # "e" is in every name: the erased one and the next edition's are not at this door.
    html = _search(organiser, "e").get_data(as_text=True)
    assert _listed(html) == [
        door["waiting"],  # Attente
        door["helene"],  # Dupré
        door["zoe"],  # Lefèvre
        door["unconfirmed"],  # Muette
        door["cancelled"],  # Parti
    ]
    assert "5 registrations found" in html


def test_nothing_found_says_so(organiser, door):
    html = _search(organiser, "Nobody").get_data(as_text=True)
    assert _listed(html) == []
    assert "No registration of this edition matches “Nobody”." in html


@pytest.mark.parametrize("parameter", ["q", "reference"])
def test_a_reference_goes_straight_to_the_attendee(organiser, door, parameter):
    for text in (door["helene"], door["helene"].lower(), f"  {door['helene']} "):
        response = _search(organiser, text, parameter=parameter)
        assert response.status_code == 302, text
        assert response.headers["Location"].endswith(f"/admin/check-in/{door['helene']}")


def test_the_qr_codes_content_goes_straight_to_the_attendee(organiser, door):
    registration = registrations.find_by_reference(door["helene"])
    for text in (check_in_url(registration), check_in_url(registration) + "/"):
        response = _search(organiser, text)
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/admin/check-in/{door['helene']}")


def test_an_unknown_reference_or_qr_code_is_said_so(organiser, door):
    for text in ("OCT30-ZZZZZ", "http://colloquium.test/admin/check-in/OCT30-ZZZZZ"):
        html = _search(organiser, text).get_data(as_text=True)
        assert "No registration has this reference." in html
        assert 'aria-invalid="true"' in html


def test_an_erased_registration_is_flagged_and_not_shown(organiser, door):
    html = _search(organiser, door["erased"]).get_data(as_text=True)
    assert "This registration was cancelled and its details erased." in html
    assert organiser.get(f"/admin/check-in/{door['erased']}").status_code == 404


def test_an_empty_or_overlong_search_is_a_field_error(organiser, door):
    html = _search(organiser, "   ").get_data(as_text=True)
    assert "This field is required." in html
    html = _search(organiser, "x" * 201).get_data(as_text=True)
    assert "Type at most 200 characters." in html
    html = organiser.get("/admin/check-in/?lang=en").get_data(as_text=True)
    assert "This field is required." not in html


def test_only_the_search_box_has_the_focus(organiser, door):
    html = _search(organiser, "e").get_data(as_text=True)
    assert html.count("autofocus") == 1
    assert " autofocus " in _search_box(html)
    page = organiser.get(f"/admin/check-in/{door['helene']}").get_data(as_text=True)
    assert "autofocus" not in page


def test_a_long_list_is_cut_and_says_so(app, organiser, door, monkeypatch):
    monkeypatch.setattr(registrations, "DOOR_MATCHES", 3)
    html = _search(organiser, "e").get_data(as_text=True)
    assert len(_listed(html)) == 3
    assert "Only the first 3 are listed: type more of the name." in html
    html = _search(organiser, "helene").get_data(as_text=True)
    assert "Only the first" not in html


# --- What the door sees of each state -------------------------------------------------------

FLAGS = {
    "helene": ("door-flag-ok", "Confirmed: may come in"),
    "zoe": ("door-flag-in", "Checked in at"),
    "waiting": ("door-flag-stop", "On the waiting list: this person has no seat."),
    "unconfirmed": ("door-flag-stop", "Not confirmed: this person has no seat."),
    "cancelled": ("door-flag-stop", "Cancelled: this person has no seat."),
}


@pytest.mark.parametrize("who", FLAGS)
def test_each_state_is_flagged_in_words_and_colour(organiser, door, who):
    css_class, words = FLAGS[who]
    html = _search(organiser, "e").get_data(as_text=True)
    item = re.search(
        rf'<a class="door-match[^"]*" href="/admin/check-in/{door[who]}">(.*?)</a>', html, re.S
    ).group(1)
    assert css_class in item and words in item
    page = organiser.get(f"/admin/check-in/{door[who]}?lang=en").get_data(as_text=True)
    assert css_class in page
    assert (">Check in</button>" in page) == (who == "helene")


@pytest.mark.parametrize("who", ["waiting", "unconfirmed", "cancelled"])
def test_someone_without_a_seat_cannot_be_checked_in(organiser, door, who):
    token = csrf_token(organiser, f"/admin/check-in/{door['helene']}")
    response = organiser.post(f"/admin/check-in/{door[who]}", data={"csrf_token": token})
    assert response.headers["Location"].endswith(f"/admin/check-in/{door[who]}")
    db.session.expire_all()
    registration = registrations.find_by_reference(door[who])
    assert registration.checked_in_at is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


def test_the_count_is_on_both_pages(organiser, door):
    words = "1 checked in of 2 confirmed"
    assert words in _search(organiser, "helene").get_data(as_text=True)
    assert words in organiser.get("/admin/check-in/?lang=en").get_data(as_text=True)
    page = organiser.get(f"/admin/check-in/{door['helene']}?lang=en").get_data(as_text=True)
    assert words in page


def test_the_count_in_french(organiser, door):
    html = organiser.get("/admin/check-in/?lang=fr").get_data(as_text=True)
    assert "À l\u2019accueil\u00a0: 1 sur 2 personnes confirmées" in html


def test_the_count_figures(app, door):
    from colloquium.editions.services import get_edition

    count = registrations.door_count(get_edition(COMING_YEAR))
    assert (count.checked_in, count.confirmed) == (1, 2)


# --- Checking in ---------------------------------------------------------------------------


def test_checking_in_is_audited_and_back_at_the_search_box(organiser, door):
    token = csrf_token(organiser, f"/admin/check-in/{door['helene']}")
    response = organiser.post(
        f"/admin/check-in/{door['helene']}?lang=en", data={"csrf_token": token}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/check-in/")
    html = organiser.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "Hélène Dupré is checked in." in html
    assert "2 checked in of 2 confirmed" in html
    assert " autofocus " in _search_box(html)

    entries = db.session.scalars(sa.select(AuditEntry)).all()
    assert [(e.action, e.target, e.details) for e in entries] == [
        ("registrations.check_in", f"registration:{COMING_YEAR}/{door['helene']}", {})
    ]
    assert entries[0].actor_email == "organiser@example.org"
    db.session.expire_all()
    assert registrations.find_by_reference(door["helene"]).checked_in_at is not None


def test_checking_in_twice_is_refused_and_audited_once(organiser, door):
    token = csrf_token(organiser, f"/admin/check-in/{door['helene']}")
    organiser.post(f"/admin/check-in/{door['helene']}", data={"csrf_token": token})
    response = organiser.post(
        f"/admin/check-in/{door['helene']}?lang=en",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert "has already been checked in" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 1


# --- Who may -------------------------------------------------------------------------------

# (method, url): every check-in URL; {…} names a reference of the fixture.
URLS = [
    ("GET", "/admin/check-in/"),
    ("GET", "/admin/check-in/?q=helene"),
    ("GET", "/admin/check-in/?q={helene}"),
    ("GET", "/admin/check-in/?reference={helene}"),
    ("GET", "/admin/check-in/{helene}"),
    ("POST", "/admin/check-in/{helene}"),
]


@pytest.mark.parametrize("actor", ["anonymous", "editor", "organiser"])
@pytest.mark.parametrize(("method", "url"), URLS)
def test_only_organisers_reach_the_door(app, door, actor, method, url):
    client = app.test_client()
    if actor != "anonymous":
        assert log_in(client, f"{actor}@example.org").status_code == 302
    token = csrf_token(client, "/password/reset")
    data = {"csrf_token": token} if method == "POST" else None
    response = client.open(url.format(**door), method=method, data=data)
    if actor == "anonymous":
        assert response.status_code == 302
        assert "/login?next=" in response.headers["Location"]
    elif actor == "editor":
        assert response.status_code == 404
    else:
        assert response.status_code in (200, 302)
        assert response.headers["Cache-Control"] == "no-store"
    db.session.expire_all()
    arrived = registrations.find_by_reference(door["helene"]).checked_in_at is not None
    assert arrived == (actor == "organiser" and method == "POST")


# --- A fixed number of queries --------------------------------------------------------------


def _crowd(count):
    """``count`` confirmed attendees named Martin, one of them checked in."""
    edition = make_edition(COMING_YEAR, capacity=100)
    for number in range(count):
        registration, _ = make_registration(
            edition,
            f"martin{number}@example.org",
            confirm=True,
            first_name=f"Élise {number}",
            last_name="Martin",
            organisation="Amicale",
        )
        if number == 0:
            registrations.check_in(registration)
    db.session.commit()
    make_user("organiser@example.org", role="organiser")
    return db.session.scalars(sa.select(Registration.reference)).first()


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("count", [1, 20])
def test_the_door_runs_a_fixed_number_of_queries(app, count_queries, count, language):
    reference = _crowd(count)
    client = app.test_client()
    log_in(client, "organiser@example.org")
    pages = {
        # the account, the current edition, the count, the reference, the matches
        f"/admin/check-in/?q=elise&lang={language}": 5,
        # the account, the current edition, the count
        f"/admin/check-in/?lang={language}": 3,
        # the account, the registration with its edition, the count
        f"/admin/check-in/{reference}?lang={language}": 3,
    }
    for url, expected in pages.items():
        with count_queries() as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        assert len(queries) == expected, (url, queries)
    html = client.get(f"/admin/check-in/?q=elise&lang={language}").get_data(as_text=True)
    assert len(_listed(html)) == count


# --- In a real browser, on a phone ----------------------------------------------------------

PHONE = {"width": 390, "height": 844}
DOOR_WORDS = {
    "fr": {
        "field": "Nom, adresse e-mail, organisation ou référence",
        "find": "Rechercher",
        "check_in": "Enregistrer l\u2019arrivée",
        "count": "À l\u2019accueil\u00a0: {} sur 2 personnes confirmées",
        "done": "Hélène Dupré est enregistré·e à l\u2019accueil.",
    },
    "en": {
        "field": "Name, e-mail, organisation or reference",
        "find": "Find",
        "check_in": "Check in",
        "count": "{} checked in of 2 confirmed",
        "done": "Hélène Dupré is checked in.",
    },
}


def _page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.browser
@pytest.mark.parametrize("language", ["fr", "en"])
def test_checking_in_by_name_on_a_phone(page, door, language):
    from playwright.sync_api import expect

    from tests.factories import DEFAULT_PASSWORD

    words = DOOR_WORDS[language]
    db.session.rollback()  # end the fixture's read: the server needs the database
    page.set_viewport_size(PHONE)
    page.goto(f"/login?lang={language}")
    page.fill("input[name=email]", "organiser@example.org")
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.locator("main form button[type=submit]").last.click()
    expect(page).to_have_url(re.compile(r"/admin/$"))

    page.goto(f"/admin/check-in/?lang={language}")
    body = page.locator("body")
    expect(body).to_contain_text(words["count"].format(1))
    search = page.get_by_label(words["field"])
    expect(search).to_be_focused()
    assert _page_width(page) <= PHONE["width"]
    search.fill("helene")  # no accent, no capital
    page.get_by_role("button", name=words["find"]).click()
    match = page.locator("a.door-match", has_text="Hélène Dupré")
    expect(match).to_have_count(1)
    box = match.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44
    assert _page_width(page) <= PHONE["width"]

    match.click()
    expect(page).to_have_url(re.compile(rf"/admin/check-in/{door['helene']}$"))
    button = page.get_by_role("button", name=words["check_in"])
    assert button.bounding_box()["height"] >= 44
    assert _page_width(page) <= PHONE["width"]
    button.click()

    expect(page).to_have_url(re.compile(r"/admin/check-in/$"))
    expect(page.locator(".flash-success")).to_have_text(words["done"])
    expect(body).to_contain_text(words["count"].format(2))
    expect(page.get_by_label(words["field"])).to_be_focused()
    assert _page_width(page) <= PHONE["width"]

    # Someone without a seat, found by part of their e-mail: flagged, and no button.
    page.get_by_label(words["field"]).fill("wanda@")
    page.get_by_role("button", name=words["find"]).click()
    page.locator("a.door-match").click()
    expect(page.locator(".door-flag-stop")).to_be_visible()
    expect(page.get_by_role("button", name=words["check_in"])).to_have_count(0)
    assert _page_width(page) <= PHONE["width"]
