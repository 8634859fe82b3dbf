"""Adding a registration by hand (a speaker's guest, a walk-in on the day): confirmed at once,
over capacity only when the organiser says so, and the person receives the ticket by e-mail."""

import json
import re
from io import BytesIO

import pytest
import sqlalchemy as sa

from colloquium.audit.models import AuditEntry
from colloquium.editions.models import Edition
from colloquium.extensions import db
from colloquium.mail.delivery import deliver_due
from colloquium.registration import services as registrations
from colloquium.registration.models import Registration
from tests.factories import (
    COMING_YEAR,
    NEXT_YEAR,
    PAST_YEAR,
    at,
    make_association,
    make_edition,
    make_registration,
    make_user,
)
from tests.web import csrf_token, log_in

FORM = {
    "first_name": "Grace",
    "last_name": "Hopper",
    "email": "Grace@Example.org",
    "organisation": "Amicale du Nid",
    "attendee_type": "public_authority",
    "language": "en",
    "accessibility_needs": "Une place près de la scène",
    "consent_privacy": "y",
}
URL = f"/admin/registrations/{COMING_YEAR}/new"


@pytest.fixture
def accounts(app):
    make_user("editor@example.org", association=make_association("alpha", "Alpha"))
    make_user("organiser@example.org", role="organiser")


@pytest.fixture
def edition(app, accounts):
    """The coming edition with two seats, one of them taken."""
    edition = make_edition(COMING_YEAR, capacity=2)
    make_registration(edition, "ada@example.org", confirm=True)
    return edition


def _client(app, who="organiser", language="en"):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    if who != "anonymous":
        assert log_in(client, f"{who}@example.org").status_code == 302
    return client


def _add(client, url=URL, **changes):
    data = {**FORM, **changes}
    data = {name: value for name, value in data.items() if value is not None}
    return client.post(url, data={**data, "csrf_token": csrf_token(client, url)})


def _registrations():
    db.session.expire_all()
    return db.session.scalars(sa.select(Registration).order_by(Registration.id)).all()


def _grace():
    db.session.expire_all()
    return db.session.scalar(sa.select(Registration).filter_by(email="grace@example.org"))


def _audit():
    db.session.expire_all()
    return db.session.scalars(sa.select(AuditEntry)).all()


def _seats_taken():
    db.session.expire_all()
    return db.session.scalar(sa.select(Edition.seats_taken).filter_by(year=COMING_YEAR))


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("who", ["anonymous", "editor", "organiser"])
def test_only_organisers_add_registrations(app, edition, who, method):
    client = _client(app, who)
    data = None
    if method == "POST":
        data = {**FORM, "csrf_token": csrf_token(client, "/password/reset")}
    response = client.open(URL, method=method, data=data)
    if who == "anonymous":
        assert response.status_code == 302
        assert "/login?next=" in response.headers["Location"]
    elif who == "editor":
        assert response.status_code == 404
    elif method == "GET":
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
    else:
        assert response.status_code == 302
    added = 1 if (who, method) == ("organiser", "POST") else 0
    assert len(_registrations()) == 1 + added
    assert len(_audit()) == added


def test_an_unknown_year_is_not_found(app, edition):
    client = _client(app)
    assert client.get(f"/admin/registrations/{NEXT_YEAR}/new").status_code == 404
    response = client.post(
        f"/admin/registrations/{NEXT_YEAR}/new",
        data={**FORM, "csrf_token": csrf_token(client, URL)},
    )
    assert response.status_code == 404
    assert len(_registrations()) == 1


def test_the_form_has_the_fields_of_the_public_form_and_no_honeypot(app, edition):
    html = _client(app).get(URL).get_data(as_text=True)
    for name in [
        "first_name",
        "last_name",
        "email",
        "organisation",
        "attendee_type",
        "language",
        "accessibility_needs",
        "dietary_requirements",
        "consent_privacy",
        "consent_contact",
    ]:
        assert f'name="{name}"' in html, name
    assert 'name="website"' not in html
    assert 'name="override"' not in html  # a seat is left: no override to choose
    assert "1 seat left of 2." in html
    assert re.search(r'<input checked[^>]*value="en"', html)  # the organiser's language


def test_adding_takes_a_seat_mails_the_ticket_and_is_audit_logged(app, edition, sent_mail):
    client = _client(app)
    response = _add(client)
    grace = _grace()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/registrations/{COMING_YEAR}/{grace.reference}"
    assert (grace.status, grace.override, grace.consent_privacy) == ("confirmed", False, True)
    assert grace.confirmed_at is not None and grace.token_hash is not None
    assert (grace.first_name, grace.organisation, grace.language) == (
        "Grace",
        "Amicale du Nid",
        "en",
    )
    assert _seats_taken() == 2
    [mail] = sent_mail
    assert (mail["to"], mail["template"], mail["language"]) == (
        "grace@example.org",
        "registration/confirmed",
        "en",
    )
    assert [attachment.filename for attachment in mail["attachments"]] == [
        f"{grace.reference}.png",
        "colloquium.ics",
    ]
    token = mail["context"]["manage_url"].rsplit("/", 1)[1]
    assert registrations.find_by_token(token).id == grace.id
    [entry] = _audit()
    assert (entry.action, entry.target, entry.actor_email) == (
        "registrations.add",
        f"registration:{COMING_YEAR}/{grace.reference}",
        "organiser@example.org",
    )
    assert entry.details == {"edition": COMING_YEAR, "override": False}
    assert "@" not in json.dumps(entry.details) and "Grace" not in json.dumps(entry.details)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Registered with a seat; the confirmation with the QR code was e-mailed." in page
    assert "Grace Hopper" in page


def test_when_full_the_override_must_be_chosen_and_nothing_typed_is_lost(app, edition, sent_mail):
    client = _client(app)
    make_registration(edition, "bob@example.org", confirm=True)  # the last seat
    sent_mail.clear()
    html = client.get(URL).get_data(as_text=True)
    assert 'name="override"' in html
    assert "Every seat is taken (2)" in html
    refused = _add(client)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert 'id="override-error"' in html
    assert "Every seat is taken: tick this box to confirm this person over capacity." in html
    assert 'value="Grace"' in html and 'value="Grace@Example.org"' in html
    assert "Une place près de la scène" in html
    assert _grace() is None
    assert _audit() == [] and sent_mail == []
    added = _add(client, override="y")
    assert added.status_code == 302
    grace = _grace()
    assert (grace.status, grace.override) == ("confirmed", True)
    assert _seats_taken() == 2
    assert [mail["template"] for mail in sent_mail] == ["registration/confirmed"]
    assert _audit()[0].details == {"edition": COMING_YEAR, "override": True}
    page = client.get(added.headers["Location"]).get_data(as_text=True)
    assert "Registered and confirmed over capacity" in page


def test_the_override_box_does_not_waste_a_free_seat(app, edition):
    assert _add(_client(app), override="y").status_code == 302
    assert (_grace().override, _seats_taken()) == (False, 2)


def test_the_seat_taken_meanwhile_is_caught_by_the_service(app, edition):
    """The form was shown with a seat left; it was gone when sent: the box appears, in error."""
    client = _client(app)
    token = csrf_token(client, URL)
    make_registration(edition, "bob@example.org", confirm=True)
    response = client.post(URL, data={**FORM, "csrf_token": token})
    assert 'id="override-error"' in response.get_data(as_text=True)
    assert _grace() is None


def test_a_walk_in_on_the_day_is_added_though_the_public_form_is_closed(
    app, accounts, time_machine, sent_mail
):
    edition = make_edition(COMING_YEAR, capacity=5)
    time_machine.move_to(at(edition, "10:30"))
    client = _client(app)
    assert "closed" in client.get("/register?lang=en").get_data(as_text=True).lower()
    assert _add(client).status_code == 302
    assert _grace().status == "confirmed"
    assert [mail["template"] for mail in sent_mail] == ["registration/confirmed"]


def test_after_the_colloquium_nothing_can_be_added(app, accounts):
    from datetime import UTC, datetime

    make_edition(PAST_YEAR, registration_opens_at=datetime(PAST_YEAR, 9, 1, tzinfo=UTC))
    url = f"/admin/registrations/{PAST_YEAR}/new"
    client = _client(app)
    html = client.get(url).get_data(as_text=True)
    assert "The colloquium has taken place: no registration can be added to it." in html
    token = csrf_token(client, html=html)
    client.post(url, data={**FORM, "csrf_token": token})
    assert _registrations() == []


def test_an_address_already_registered_is_refused_next_to_the_email_field(app, edition, sent_mail):
    ada = _registrations()[0]
    client = _client(app)
    response = _add(client, email=" ADA@example.org ")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(
        r'id="email-error">This address already holds a registration for this edition.</p>', html
    )
    email_field = html.split('id="email-error"')[1].split('name="organisation"')[0]
    assert f'href="/admin/registrations/{COMING_YEAR}/{ada.reference}"' in email_field
    assert len(_registrations()) == 1
    assert _audit() == [] and sent_mail == []


def test_a_cancelled_address_may_be_added_again(app, edition):
    ada = _registrations()[0]
    registrations.cancel_registration(ada)
    db.session.commit()
    assert _add(_client(app), email="ada@example.org").status_code == 302
    assert [r.status for r in _registrations()] == ["cancelled", "confirmed"]


@pytest.mark.parametrize("missing", ["consent_privacy", "first_name", "email", "attendee_type"])
def test_a_missing_answer_is_shown_next_to_its_field(app, edition, missing):
    response = _add(_client(app), **{missing: None})
    assert response.status_code == 200
    assert f'id="{missing}-error"' in response.get_data(as_text=True)
    assert len(_registrations()) == 1


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("count", [1, 20])
def test_the_form_runs_a_fixed_number_of_queries(app, edition, count_queries, language, count):
    for number in range(count):
        make_registration(edition, f"more{number}@example.org")
    client = _client(app, language=language)
    with count_queries() as queries:
        response = client.get(f"{URL}?lang={language}")
    assert response.status_code == 200
    assert len(queries) == 2, queries  # the user, the edition


# --- Through a real SMTP server --------------------------------------------------------------


def test_the_person_added_receives_the_ticket_and_a_working_manage_link(app, edition, smtp_server):
    smtp_server.configure(app)
    assert deliver_due().sent == 2  # Ada's, from before
    assert smtp_server.wait_for(2)
    client = _client(app)
    assert _add(client).status_code == 302
    report = deliver_due()
    assert (report.sent, report.failed) == (1, 0)
    assert smtp_server.wait_for(3)
    message = smtp_server.messages[-1]
    grace = _grace()
    assert message["To"] == "grace@example.org"
    text = message.get_body(("plain",)).get_content()
    assert grace.reference in text
    [link] = re.findall(r"http://colloquium\.test(/registration/[\w-]+)", text)
    attachments = {part.get_filename(): part for part in message.iter_attachments()}
    png = attachments[f"{grace.reference}.png"]
    assert png.get_content_type() == "image/png"
    assert BytesIO(png.get_content()).read(8) == b"\x89PNG\r\n\x1a\n"
    assert "colloquium.ics" in attachments
    visitor = app.test_client()
    manage = visitor.get(link + "?lang=en")
    assert manage.status_code == 200
    assert grace.reference in manage.get_data(as_text=True)


def test_an_expired_form_is_shown_again_with_what_was_typed(app, edition, sent_mail):
    response = _client(app).post(URL, data={**FORM, "csrf_token": "expired"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The form had expired. Your answers are kept: please send it again." in html
    assert 'value="Grace"' in html and "Une place près de la scène" in html
    assert _grace() is None and _audit() == [] and sent_mail == []
