"""Lost link: /registration/resend mails a fresh link, and a dead link explains and offers it."""

import pytest

from colloquium.extensions import db
from colloquium.mail.models import OutgoingMail
from tests.factories import COMING_YEAR, make_edition, make_registration
from tests.test_registration_journey import deliver, text_of
from tests.test_registration_links import links_of
from tests.web import csrf_token


@pytest.fixture
def smtp(app, smtp_server):
    smtp_server.configure(app)
    return smtp_server


def ask(client, email: str, **kwargs):
    """Submit the lost-link form."""
    data = {"email": email, "csrf_token": csrf_token(client, "/registration/resend")}
    return client.post("/registration/resend?lang=en", data=data, **kwargs)


def outbox() -> int:
    return db.session.query(OutgoingMail).count()


def test_the_form_is_private_and_accessible(client):
    response = client.get("/registration/resend?lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert '<label for="email"' in html and 'name="email"' in html
    assert 'aria-describedby="email-hint"' in html
    assert "<script" not in html


def test_a_known_address_gets_a_new_link_and_the_old_one_dies(client, smtp):
    edition = make_edition(COMING_YEAR)
    _, old = make_registration(edition, "ada@example.org", confirm=True, language="en")
    deliver(smtp, 2)
    response = ask(client, " Ada@Example.org ")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "If <strong>Ada@Example.org</strong> holds a registration" in html
    [mail] = deliver(smtp, 1)
    assert mail["To"] == "ada@example.org"
    assert mail["Subject"] == f"Your registration link: Colloquium of 17 October {COMING_YEAR}"
    assert "There is nothing more to confirm." in text_of(mail)
    [new] = links_of(mail)
    assert client.get(f"/registration/{new}").status_code == 200

    dead = client.get(f"/registration/{old}?lang=en")
    html = dead.get_data(as_text=True)
    assert dead.status_code == 404
    assert dead.headers["Cache-Control"] == "no-store"
    assert "This link no longer opens a registration" in html
    assert 'action="/registration/resend"' in html and '<label for="email"' in html
    assert "<nav" in html  # in the site's frame, not a bare 404
    for path in ("/edit", "/export", "/calendar.ics"):
        assert client.get(f"/registration/{old}{path}").status_code == 404
    refused = client.post(f"/registration/{old}/cancel", data={"csrf_token": csrf_token(client)})
    assert refused.status_code == 404


def test_an_unknown_address_sees_the_same_page_and_nothing_is_sent(client, smtp):
    make_edition(COMING_YEAR)
    response = ask(client, "nobody@example.org")
    assert response.status_code == 200
    assert "If <strong>nobody@example.org</strong> holds a registration" in response.get_data(
        as_text=True
    )
    assert outbox() == 0


def test_a_cancelled_registration_gets_no_link(client, smtp):
    edition = make_edition(COMING_YEAR)
    registration, token = make_registration(edition, "gone@example.org", confirm=True)
    manage = f"/registration/{token}"
    client.post(f"{manage}/cancel", data={"csrf_token": csrf_token(client, f"{manage}/cancel")})
    before = outbox()
    assert ask(client, "gone@example.org").status_code == 200
    assert outbox() == before
    assert registration.status == "cancelled"


def test_a_malformed_address_is_shown_next_to_its_field(client):
    make_edition(COMING_YEAR)
    html = ask(client, "not an address").get_data(as_text=True)
    assert 'id="email-error"' in html and "Enter an e-mail address like" in html


def test_asking_is_rate_limited_like_registering(make_app):
    app = make_app({"REGISTRATION_RATE_LIMIT": "2 per hour"})
    client = app.test_client()
    with app.app_context():
        make_edition(COMING_YEAR)
        codes = [ask(client, f"p{n}@example.org").status_code for n in range(3)]
        assert codes == [200, 200, 429]
        assert client.get("/registration/resend").status_code == 200


def test_in_french(client, smtp):
    edition = make_edition(COMING_YEAR)
    make_registration(edition, "lucie@example.org", language="fr")
    deliver(smtp, 1)
    data = {"email": "lucie@example.org", "csrf_token": csrf_token(client, "/registration/resend")}
    html = client.post("/registration/resend?lang=fr", data=data).get_data(as_text=True)
    assert "Consultez vos e-mails" in html and "lucie@example.org" in html
    [mail] = deliver(smtp, 1)
    # Still unconfirmed: the new link asks to confirm.
    assert mail["Subject"].startswith("Confirmez votre inscription")
    page = client.get("/registration/nope?lang=fr").get_data(as_text=True)
    assert "Ce lien n\u2019ouvre plus aucune inscription" in page
