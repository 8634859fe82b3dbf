"""Registration pages: form, closed form, duplicates, honeypot, rate limit, CSRF, manage pages."""

import json
import re
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import segno
import sqlalchemy as sa
from flask import render_template, template_rendered

from colloquium.editions import services as editions
from colloquium.editions.models import Edition
from colloquium.extensions import db
from colloquium.registration.forms import RegistrationForm
from colloquium.registration.models import Registration
from colloquium.registration.tokens import manage_token
from tests.factories import (
    COMING_YEAR,
    NEXT_YEAR,
    make_edition,
    make_registration,
    make_session,
    make_user,
)
from tests.web import csrf_token, log_in

FORM = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.org",
    "organisation": "Association Exemple",
    "attendee_type": "research",
    "language": "en",
    "accessibility_needs": "Step-free access",
    "dietary_requirements": "Vegetarian",
    "consent_privacy": "y",
}


def submit(client, **changes):
    data = {**FORM, "csrf_token": csrf_token(client, "/register"), **changes}
    return client.post("/register", data=data)


def registrations() -> list[Registration]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Registration).order_by(Registration.id)))


def token_from(mail: dict) -> str:
    return mail["context"]["manage_url"].rsplit("/", 1)[1]


# The form


def test_the_form_has_every_field_labelled_and_shows_the_seats_left(client):
    make_edition(COMING_YEAR, capacity=40)
    response = client.get("/register?lang=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for name in (
        "first_name",
        "last_name",
        "email",
        "organisation",
        "accessibility_needs",
        "dietary_requirements",
        "consent_privacy",
        "consent_contact",
    ):
        assert f'name="{name}"' in html
        assert f'<label for="{name}"' in html
    for value in ("member_association", "ngo", "public_authority", "research", "press"):
        assert f'value="{value}"' in html
    assert 'name="attendee_type"' in html and 'name="language"' in html
    assert "40 seats left of 40" in html
    assert 'name="website"' in html  # the honeypot
    assert "style=" not in html and "<script" not in html
    assert response.headers["Cache-Control"] == "no-store"


def test_the_menu_and_the_home_page_link_to_the_form(client):
    make_edition(COMING_YEAR)
    html = client.get("/?lang=en").get_data(as_text=True)
    assert '<a href="/register">Register</a>' in html
    assert 'class="button button-primary" href="/register"' in html


def test_the_form_in_french(client):
    make_edition(COMING_YEAR, capacity=1)
    html = client.get("/register?lang=fr").get_data(as_text=True)
    assert "1 place restante sur 1" in html
    assert re.search(r'<input checked[^>]*value="fr"', html)


def test_a_full_edition_still_takes_registrations_for_the_waiting_list(client):
    make_edition(COMING_YEAR, capacity=0)
    html = client.get("/register?lang=en").get_data(as_text=True)
    assert "join the waiting list" in html
    assert 'name="first_name"' in html


def test_submitting_creates_an_unconfirmed_registration_and_mails_the_link(client, sent_mail):
    make_edition(COMING_YEAR)
    response = submit(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/register/sent"
    [registration] = registrations()
    assert registration.status == "unconfirmed"
    assert registration.email == "ada@example.org"
    assert registration.attendee_type == "research"
    assert registration.language == "en"
    assert registration.consent_contact is False
    [mail] = sent_mail
    assert mail["template"] == "registration/manage_link" and mail["language"] == "en"
    page = client.get("/register/sent?lang=en")
    assert "Check your e-mail" in page.get_data(as_text=True)


def test_a_duplicate_submission_shows_the_same_page_creates_nothing_and_resends(client, sent_mail):
    make_edition(COMING_YEAR)
    first = submit(client)
    second = submit(client, email=" ADA@example.org ", first_name="Mallory")
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    [registration] = registrations()
    assert registration.first_name == "Ada"
    assert [m["to"] for m in sent_mail] == ["ada@example.org", "ada@example.org"]
    assert client.get(f"/registration/{token_from(sent_mail[1])}").status_code == 200
    assert client.get(f"/registration/{token_from(sent_mail[0])}").status_code == 404


def test_errors_are_shown_next_to_the_fields_and_input_is_kept(client, sent_mail):
    make_edition(COMING_YEAR)
    response = submit(client, first_name="", email="not-an-address", consent_privacy="")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html
    assert 'href="#first_name"' in html and 'href="#email"' in html
    assert 'id="first_name-error"' in html
    assert re.search(
        r'<input[^>]*aria-describedby="first_name-error"[^>]*aria-invalid="true"', html
    )
    assert 'value="not-an-address"' in html
    assert 'value="Lovelace"' in html
    assert "Vegetarian" in html
    assert re.search(r'<input checked[^>]*value="research"', html)
    assert registrations() == [] and sent_mail == []


def test_the_honeypot_answers_like_success_and_records_nothing(client, sent_mail):
    make_edition(COMING_YEAR)
    response = submit(client, website="http://spam.example")
    assert response.status_code == 302
    assert response.headers["Location"] == "/register/sent"
    assert registrations() == [] and sent_mail == []


def test_submissions_are_rate_limited_per_address(make_app):
    app = make_app({"REGISTRATION_RATE_LIMIT": "3 per hour"})
    client = app.test_client()
    with app.app_context():
        make_edition(COMING_YEAR)
        token = csrf_token(client, "/register")
        codes = [
            client.post(
                "/register", data={**FORM, "email": f"p{n}@example.org", "csrf_token": token}
            ).status_code
            for n in range(4)
        ]
        assert codes == [302, 302, 302, 429]
        # Reading the form is not limited; another address is counted apart.
        assert client.get("/register").status_code == 200
        other = client.post(
            "/register",
            data={**FORM, "email": "q@example.org", "csrf_token": token},
            environ_base={"REMOTE_ADDR": "203.0.113.9"},
        )
        assert other.status_code == 302
        assert len(registrations()) == 4


def test_a_csrf_failure_shows_the_form_again_with_the_input(client, sent_mail):
    make_edition(COMING_YEAR)
    response = client.post("/register?lang=en", data={**FORM, "csrf_token": "stale"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "The form had expired" in html
    assert 'value="Ada"' in html and 'value="ada@example.org"' in html
    assert "Step-free access" in html
    assert re.search(r'<input checked[^>]*value="research"', html)
    assert 'name="csrf_token"' in html  # a fresh token: sending again works
    assert registrations() == [] and sent_mail == []
    token = csrf_token(client, html=html)
    assert client.post("/register", data={**FORM, "csrf_token": token}).status_code == 302


@pytest.mark.parametrize(
    ("opens", "closes", "expected"),
    [
        (timedelta(days=2), timedelta(days=3), "Registration is not open yet: it opens on"),
        (timedelta(days=-3), timedelta(days=-1), "Registration closed on"),
    ],
)
def test_the_form_is_closed_outside_the_window_and_says_when(make_app, opens, closes, expected):
    app = make_app({"WTF_CSRF_ENABLED": False})
    client = app.test_client()
    with app.app_context():
        now = datetime.now(UTC)
        make_edition(
            COMING_YEAR, registration_opens_at=now + opens, registration_closes_at=now + closes
        )
        response = client.get("/register?lang=en")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert expected in html
        assert 'name="first_name"' not in html
        response = client.post("/register?lang=en", data=FORM)
        assert expected in response.get_data(as_text=True)
        assert registrations() == []


def test_the_form_is_closed_without_an_edition(client):
    html = client.get("/register?lang=en").get_data(as_text=True)
    assert "has not been announced yet" in html


def test_the_form_runs_a_fixed_number_of_queries(client, count_queries):
    make_edition(COMING_YEAR)
    make_edition(NEXT_YEAR)
    for _ in range(2):  # rendered, then kept: the edition alone, each time
        with count_queries() as queries:
            assert client.get("/register").status_code == 200
        assert len(queries) == 1, queries


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_blank_form_rendered_once_is_the_form_rendered_each_time(app, client, language):
    edition = make_edition(COMING_YEAR)
    pages = [client.get(f"/register?lang={language}").get_data(as_text=True) for _ in range(2)]
    with app.test_request_context(f"/register?lang={language}"):
        form = RegistrationForm()
        form.language.data = language
        fresh = render_template(
            "registration/register.html", edition=edition, form=form, blank_fields=None
        )
    tokens = re.compile(r'name="csrf_token" value="[^"]+"')
    assert tokens.sub("", pages[0]) == tokens.sub("", pages[1]) == tokens.sub("", fresh)
    # Each language's blank form has its own language chosen.
    assert re.findall(r'<input checked [^>]*name="language"[^>]*value="(\w+)"', pages[1]) == [
        language
    ]


# The blank form, kept for anonymous visitors but for its CSRF token

TOKEN = re.compile(r'(name="csrf_token" value=")[^"]+"')


@contextmanager
def templates_rendered(app):
    """The names of the templates ``app`` renders meanwhile."""
    names = []

    def record(sender, template, context, **extra):
        names.append(template.name)

    template_rendered.connect(record, app)
    try:
        yield names
    finally:
        template_rendered.disconnect(record, app)


def without_token(response) -> str:
    """The page, its CSRF token blanked."""
    return TOKEN.sub(r'\1"', response.get_data(as_text=True))


def seen_by_someone_new(app, url: str = "/register?lang=en") -> str:
    """The page at ``url`` for a visitor of their own (no cookie yet)."""
    response = app.test_client().get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_kept_form_is_the_form_rendered_with_a_token_of_its_own(app, language):
    make_edition(COMING_YEAR, title="Colloque gardé", city="Lille")
    url = f"/register?lang={language}"
    rendered = app.test_client().get(url)
    with templates_rendered(app) as templates:
        kept = app.test_client().get(url)
    assert templates == []  # answered from what the first visitor's render left
    # Kept apart from the public pages, which a burst of confirmations must not push out.
    assert (len(app.extensions["form_cache"]), len(app.extensions["page_cache"])) == (1, 0)
    assert kept.status_code == rendered.status_code == 200
    assert TOKEN.search(kept.get_data(as_text=True)) and TOKEN.search(rendered.get_data(True))
    assert kept.get_data() != rendered.get_data()  # their tokens
    assert without_token(kept) == without_token(rendered)
    assert f'lang="{language}"' in without_token(kept) and "Colloque gardé" in without_token(kept)
    # The same headers: no-store, the session cookie holding the token's secret, no ETag.
    assert kept.headers["Cache-Control"] == rendered.headers["Cache-Control"] == "no-store"
    session_cookie = app.config["SESSION_COOKIE_NAME"] + "="
    assert any(cookie.startswith(session_cookie) for cookie in kept.headers.getlist("Set-Cookie"))
    assert {name for name, _ in kept.headers} == {name for name, _ in rendered.headers}
    assert "ETag" not in kept.headers


def test_two_visitors_of_the_kept_form_get_tokens_that_each_register_only_them(app):
    make_edition(COMING_YEAR)
    seen_by_someone_new(app)
    ada, bob = app.test_client(), app.test_client()
    ada_token, bob_token = csrf_token(ada, "/register"), csrf_token(bob, "/register")
    assert ada_token != bob_token
    # A token goes with the secret in its visitor's session: nobody else can send it.
    swapped = bob.post(
        "/register", data={**FORM, "email": "bob@example.org", "csrf_token": ada_token}
    )
    assert swapped.status_code == 400
    for client, token, email in (
        (ada, ada_token, "ada@example.org"),
        (bob, bob_token, "bob@example.org"),
    ):
        response = client.post("/register", data={**FORM, "email": email, "csrf_token": token})
        assert response.status_code == 302
    assert sorted(r.email for r in registrations()) == ["ada@example.org", "bob@example.org"]


def test_an_organiser_gets_a_form_of_their_own_and_never_leaves_it(app):
    make_edition(COMING_YEAR)
    make_user("orga@example.org", role="organiser")
    organiser = app.test_client()
    log_in(organiser, "orga@example.org")
    for _ in range(2):
        mine = organiser.get("/register?lang=en").get_data(as_text=True)
        assert "Back office" in mine and "Log out" in mine
        for _ in range(2):  # rendered, then kept
            page = seen_by_someone_new(app)
            assert "Back office" not in page and "Log out" not in page and "Log in" in page


def test_a_flashed_message_is_shown_on_the_form_and_never_kept(app, client):
    make_edition(COMING_YEAR)
    assert "Ne partez pas" not in seen_by_someone_new(app)
    with client.session_transaction() as session:
        session["_flashes"] = [("warning", "Ne partez pas")]
    assert "Ne partez pas" in client.get("/register?lang=en").get_data(as_text=True)
    assert "Ne partez pas" not in client.get("/register?lang=en").get_data(as_text=True)
    assert "Ne partez pas" not in seen_by_someone_new(app)


def test_the_kept_form_shows_the_seats_left_after_each_confirmation(app):
    edition = make_edition(COMING_YEAR, capacity=2)
    assert "2 seats left of 2" in seen_by_someone_new(app)
    assert "2 seats left of 2" in seen_by_someone_new(app)
    make_registration(edition, "ada@example.org", confirm=True)
    assert "1 seat left of 2" in seen_by_someone_new(app)
    make_registration(edition, "bob@example.org", confirm=True)
    assert "Every seat is taken" in seen_by_someone_new(app)


@pytest.mark.parametrize(
    ("change", "language", "before", "after"),
    [
        ({"title_fr": "Colloque nouveau"}, "fr", "Colloque ancien", "Colloque nouveau"),
        ({"title_en": "New colloquium"}, "en", "Old colloquium", "New colloquium"),
        ({"city": "Lyon"}, "en", "Lille", "Lyon"),
        (
            {"date": date(COMING_YEAR, 10, 18)},
            "en",
            f'datetime="{COMING_YEAR}-10-17"',
            f'datetime="{COMING_YEAR}-10-18"',
        ),
        ({"capacity": 90}, "en", "80 seats left of 80", "90 seats left of 90"),
        (
            {"registration_closes_at": datetime(COMING_YEAR, 10, 16, 8, tzinfo=UTC)},
            "en",
            f"16 October {COMING_YEAR}, 23:59",
            f"16 October {COMING_YEAR}, 10:00",
        ),
    ],
    ids=["title_fr", "title_en", "city", "date", "capacity", "closing"],
)
def test_the_kept_form_shows_a_change_to_the_edition_at_once(app, change, language, before, after):
    """The form is kept under what it shows of the edition: any change is a page of its own."""
    edition = make_edition(
        title="Colloque ancien", title_en="Old colloquium", city="Lille", capacity=80
    )
    url = f"/register?lang={language}"
    for _ in range(2):  # rendered, then kept
        page = seen_by_someone_new(app, url)
        assert before in page and after not in page
    editions.update_edition(edition, editions.EditionChanges(**change))
    db.session.commit()
    for _ in range(2):
        page = seen_by_someone_new(app, url)
        assert after in page and before not in page


def test_the_kept_form_closes_on_time(app, time_machine):
    now = datetime.now(UTC)
    make_edition(COMING_YEAR, registration_closes_at=now + timedelta(hours=1))
    assert 'name="first_name"' in seen_by_someone_new(app)
    time_machine.move_to(now + timedelta(hours=2))
    page = seen_by_someone_new(app)
    assert "Registration closed on" in page and 'name="first_name"' not in page


def test_registering_and_confirming_run_a_fixed_number_of_queries(client, count_queries):
    make_edition(COMING_YEAR, capacity=1)
    counts = []
    for n in range(2):  # the first takes the seat, the second joins the waiting list
        data = {
            **FORM,
            "email": f"person{n}@example.org",
            "csrf_token": csrf_token(client, "/register"),
        }
        with count_queries() as register:
            assert client.post("/register", data=data).status_code == 302
        [registration] = [r for r in registrations() if r.email == data["email"]]
        manage = f"/registration/{manage_token(registration)}"
        with count_queries() as page:
            assert client.get(manage).status_code == 200
        form = {"csrf_token": csrf_token(client, manage)}
        with count_queries() as confirm:
            assert client.post(f"{manage}/confirm", data=form).status_code == 302
        counts.append((len(register), len(page), len(confirm)))
    # Registering: the edition, the row with its link, the outbox row (neither the address
    # nor the reference is looked up: the unique indexes refuse a clash). Confirming: the
    # token, the claim (which sets it confirmed), the seat (in a room read full with the
    # token: the lock instead, which finds it still full, and the move to the waiting list,
    # which counts the place in line), the outbox row.
    assert counts == [(3, 1, 4), (3, 1, 5)], counts


# The manage pages


def test_wrong_tokens_are_plain_404s(client):
    make_edition(COMING_YEAR)
    for url in (
        "/registration/nope",
        "/registration/nope/edit",
        "/registration/nope/export",
        "/registration/nope/calendar.ics",
    ):
        assert client.get(url).status_code == 404
    assert client.post("/registration/nope/confirm").status_code == 404


def test_the_manage_page_shows_the_state_and_a_confirm_button(client):
    edition = make_edition(COMING_YEAR)
    _, token = make_registration(edition, dietary_requirements="Vegan")
    response = client.get(f"/registration/{token}?lang=en")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    assert "Not confirmed yet." in html
    assert f'action="/registration/{token}/confirm"' in html
    assert "Vegan" in html and "ada@example.org" in html
    assert "<svg" not in html  # no QR code before the seat is confirmed
    assert "style=" not in html and "<script" not in html


def test_confirming_is_a_post_only(client):
    registration, token = make_registration(make_edition(COMING_YEAR))
    assert client.get(f"/registration/{token}/confirm").status_code == 405
    assert db.session.get(Registration, registration.id).status == "unconfirmed"


def test_confirming_from_the_manage_page_shows_the_qr_code(app, client, sent_mail):
    edition = make_edition(COMING_YEAR)
    registration, token = make_registration(edition)
    manage = f"/registration/{token}"
    response = client.post(
        f"{manage}/confirm?lang=en", data={"csrf_token": csrf_token(client, manage)}
    )
    assert response.status_code == 302 and response.headers["Location"] == manage
    html = client.get(f"{manage}?lang=en").get_data(as_text=True)
    assert "your seat is confirmed" in html
    assert registration.reference in html
    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    assert "<script" not in svg and "style" not in svg
    # The code encodes the organisers' check-in address for this registration.
    expected_url = f"http://colloquium.test/admin/check-in/{registration.reference}"
    expected = segno.make(expected_url, error="m").svg_inline(scale=5)
    path = re.search(r' d="([^"]+)"', expected).group(1)
    assert f' d="{path}"' in svg
    assert db.session.get(Edition, edition.id).seats_taken == 1
    assert sent_mail[-1]["template"] == "registration/confirmed"


def test_confirming_when_full_shows_the_waiting_list_position(client):
    edition = make_edition(COMING_YEAR, capacity=1)
    make_registration(edition, "seated@example.org", confirm=True)
    make_registration(edition, "first@example.org", confirm=True)
    _, token = make_registration(edition, "second@example.org")
    manage = f"/registration/{token}"
    client.post(f"{manage}/confirm?lang=en", data={"csrf_token": csrf_token(client, manage)})
    html = client.get(f"{manage}?lang=en").get_data(as_text=True)
    assert "you are on the waiting list" in html
    assert "You are number 2 on the waiting list." in html
    assert "<svg" not in html


def test_a_refused_transition_is_explained_not_an_error(client):
    _, token = make_registration(make_edition(COMING_YEAR), confirm=True)
    manage = f"/registration/{token}"
    response = client.post(
        f"{manage}/confirm?lang=en",
        data={"csrf_token": csrf_token(client, f"{manage}/delete")},  # the session's token
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "This registration is already confirmed." in response.get_data(as_text=True)
    assert db.session.get(Edition, 1).seats_taken == 1


def test_cancelling_from_the_manage_page_promotes_the_waiting_list(client, sent_mail):
    edition = make_edition(COMING_YEAR, capacity=1)
    seated, token = make_registration(edition, "seated@example.org", confirm=True)
    waiting, _ = make_registration(edition, "waiting@example.org", confirm=True)
    manage = f"/registration/{token}"
    response = client.post(
        f"{manage}/cancel?lang=en",
        data={"csrf_token": csrf_token(client, f"{manage}/cancel")},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "Your registration is cancelled." in html
    assert "Register again" in html
    assert db.session.get(Registration, seated.id).status == "cancelled"
    assert db.session.get(Registration, waiting.id).status == "confirmed"
    assert [m["template"] for m in sent_mail[-2:]] == [
        "registration/cancelled",
        "registration/promoted",
    ]
    again = client.post(
        f"{manage}/cancel?lang=en",
        data={"csrf_token": csrf_token(client, f"{manage}/delete")},  # the session's token
        follow_redirects=True,
    )
    assert "This registration has been cancelled." in again.get_data(as_text=True)


def test_a_csrf_failure_on_a_button_asks_to_try_again(client):
    registration, token = make_registration(make_edition(COMING_YEAR))
    response = client.post(f"/registration/{token}/confirm?lang=en", data={}, follow_redirects=True)
    assert response.status_code == 200
    assert "This page had expired. Please try again." in response.get_data(as_text=True)
    assert db.session.get(Registration, registration.id).status == "unconfirmed"


def test_erasing_from_the_manage_page(client):
    registration, token = make_registration(make_edition(COMING_YEAR), confirm=True)
    manage = f"/registration/{token}"
    response = client.post(
        f"{manage}/delete?lang=en",
        data={"csrf_token": csrf_token(client, f"{manage}/delete")},
        follow_redirects=True,
    )
    assert "Your personal data has been erased" in response.get_data(as_text=True)
    erased = db.session.get(Registration, registration.id)
    assert erased.email == "" and erased.status == "cancelled"
    assert client.get(manage).status_code == 404


def test_editing_ones_details(client):
    registration, token = make_registration(make_edition(COMING_YEAR))
    url = f"/registration/{token}/edit"
    page = client.get(f"{url}?lang=en")
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert 'value="Ada"' in html and "ada@example.org" in html
    assert 'name="email"' not in html  # the address is not editable: it was verified
    data = {**FORM, "first_name": "Augusta", "consent_contact": "y"}
    data["csrf_token"] = csrf_token(client, url)
    response = client.post(url, data=data)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/registration/{token}"
    changed = db.session.get(Registration, registration.id)
    assert (changed.first_name, changed.language, changed.consent_contact) == (
        "Augusta",
        "en",
        True,
    )
    assert changed.email == "ada@example.org"


def test_editing_errors_keep_the_input(client):
    registration, token = make_registration(make_edition(COMING_YEAR))
    url = f"/registration/{token}/edit"
    data = {**FORM, "first_name": "", "organisation": "Nouvelle asso"}
    response = client.post(url, data={**data, "csrf_token": csrf_token(client, url)})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in html and 'value="Nouvelle asso"' in html
    expired = client.post(f"{url}?lang=en", data={**data, "first_name": "Bo"})
    assert expired.status_code == 400
    html = expired.get_data(as_text=True)
    assert "The form had expired" in html and 'value="Bo"' in html
    assert db.session.get(Registration, registration.id).first_name == "Ada"


def test_editing_after_the_colloquium_is_refused(client, time_machine):
    registration, token = make_registration(make_edition(COMING_YEAR))
    time_machine.move_to(datetime(COMING_YEAR, 10, 18, 12, tzinfo=ZoneInfo("Europe/Paris")))
    url = f"/registration/{token}/edit"
    data = {**FORM, "first_name": "Late", "csrf_token": csrf_token(client, url)}
    response = client.post(f"{url}?lang=en", data=data)
    assert response.status_code == 200
    assert "The colloquium has taken place" in response.get_data(as_text=True)
    assert db.session.get(Registration, registration.id).first_name == "Ada"
    html = client.get(f"/registration/{token}?lang=en").get_data(as_text=True)
    assert "Change my details" not in html and "Cancel my registration" not in html


def test_export_is_a_json_attachment(client):
    registration, token = make_registration(make_edition(COMING_YEAR), organisation="ECTEH")
    response = client.get(f"/registration/{token}/export")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["reference"] == registration.reference
    assert data["organisation"] == "ECTEH"


def test_the_calendar_file(client):
    edition = make_edition(
        COMING_YEAR, venue_name="Halle aux grains", venue_address="1 place Dupuy", city="Toulouse"
    )
    registration, token = make_registration(edition)
    response = client.get(f"/registration/{token}/calendar.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.headers["Cache-Control"] == "no-store"
    calendar = icalendar.Calendar.from_ical(response.data)
    [timezone] = calendar.walk("VTIMEZONE")
    assert timezone["TZID"] == "Europe/Paris"
    [event] = calendar.walk("VEVENT")
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert (start.date(), start.hour, end.hour) == (date(COMING_YEAR, 10, 17), 9, 18)
    assert str(start.tzinfo) == "Europe/Paris"
    assert f"DTSTART;TZID=Europe/Paris:{COMING_YEAR}1017T090000".encode() in response.data
    assert str(event["LOCATION"]) == "Halle aux grains, 1 place Dupuy, Toulouse"
    assert str(event["UID"]) == f"colloquium-{COMING_YEAR}@colloquium.test"
    assert registration.reference in str(event["DESCRIPTION"])
    again = client.get(f"/registration/{token}/calendar.ics")
    assert icalendar.Calendar.from_ical(again.data).walk("VEVENT")[0]["UID"] == event["UID"]


@pytest.mark.parametrize("confirm", [False, True])
def test_the_manage_page_runs_a_fixed_number_of_queries(client, count_queries, confirm):
    edition = make_edition(COMING_YEAR, capacity=0 if confirm else 5)
    for n in range(3):
        make_registration(edition, f"w{n}@example.org", confirm=confirm)
    _, token = make_registration(edition, confirm=confirm)
    with count_queries() as queries:
        assert client.get(f"/registration/{token}").status_code == 200
    # The registration with its edition; on the waiting list, the position too.
    assert len(queries) == (2 if confirm else 1), queries


@pytest.mark.parametrize("language", ["en", "fr"])
def test_cancelling_and_erasing_ask_first(client, language):
    edition = make_edition(COMING_YEAR, capacity=5)
    registration, token = make_registration(edition, confirm=True, language=language)
    manage = f"/registration/{token}"
    html = client.get(f"{manage}?lang={language}").get_data(as_text=True)
    # The manage page holds no form that cancels or erases: its buttons open a page that asks.
    assert f'action="{manage}/cancel"' not in html and f'action="{manage}/delete"' not in html
    assert f'href="{manage}/cancel"' in html and f'href="{manage}/delete"' in html
    for action in ("cancel", "delete"):
        page = client.get(f"{manage}/{action}?lang={language}")
        assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
        assert f'action="{manage}/{action}"' in page.get_data(as_text=True)
        assert "<script" not in page.get_data(as_text=True)
    erase = client.get(f"{manage}/delete?lang={language}").get_data(as_text=True)
    assert ("This cannot be undone." if language == "en" else "C\u2019est définitif.") in erase
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).status == "confirmed"
    assert db.session.get(Edition, edition.id).seats_taken == 1


def test_the_waiting_list_page_talks_of_leaving_it_and_offers_no_calendar(client):
    edition = make_edition(COMING_YEAR, capacity=1)
    make_registration(edition, "seated@example.org", confirm=True)
    _, token = make_registration(edition, "waiting@example.org", confirm=True)
    manage = f"/registration/{token}"
    html = client.get(f"{manage}?lang=en").get_data(as_text=True)
    assert "Leave the waiting list" in html
    assert "frees your seat" not in html and "calendar.ics" not in html
    asked = client.get(f"{manage}/cancel?lang=en").get_data(as_text=True)
    assert "Yes, leave the waiting list" in asked and "seat goes" not in asked


def test_the_calendar_file_holds_the_published_programme_hours(client):
    from colloquium.programme import services as programme

    edition = make_edition(COMING_YEAR)
    make_session(edition, "Accueil", starts="08:30", ends="09:15")
    make_session(edition, "Clôture", starts="16:00", ends="17:45")
    _, token = make_registration(edition)

    def hours():
        """The event's start and end, as local times."""
        event = icalendar.Calendar.from_ical(
            client.get(f"/registration/{token}/calendar.ics").data
        ).walk("VEVENT")[0]
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert str(start.tzinfo) == "Europe/Paris" and start.date() == date(COMING_YEAR, 10, 17)
        return start.strftime("%H:%M"), end.strftime("%H:%M")

    assert hours() == ("09:00", "18:00")  # not published yet: the hours may still move
    programme.set_published(edition, True)
    db.session.commit()
    assert hours() == ("08:30", "17:45")


def test_the_error_summary_takes_the_focus_and_reads_right_in_french(client):
    make_edition(COMING_YEAR)
    client.get("/register?lang=fr")
    html = client.post("/register", data={"csrf_token": csrf_token(client, "/register")}).get_data(
        as_text=True
    )
    summary = html[html.index('<div class="error-summary"') :]
    assert summary.startswith('<div class="error-summary" role="alert" tabindex="-1" autofocus>')
    assert 'href="#first_name">Prénom\u00a0: ' in summary
