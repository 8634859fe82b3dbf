"""Every e-mail about a registration carries its manage link; a new link revokes the old ones.

Through a real SMTP server, in both languages.
"""

import base64
import hashlib
import hmac
import re

import pytest

from colloquium.extensions import db
from colloquium.registration import services
from colloquium.registration.tokens import hash_token, manage_token, token_of
from tests.factories import COMING_YEAR, make_edition, make_registration
from tests.test_registration_journey import FORM, deliver, text_of
from tests.web import csrf_token

LINK = re.compile(r"http://colloquium\.test/registration/([\w-]+)")


@pytest.fixture
def smtp(app, smtp_server):
    smtp_server.configure(app)
    return smtp_server


def register(client, **values):
    """Submit the registration form."""
    data = {**FORM, **values, "csrf_token": csrf_token(client, "/register")}
    response = client.post("/register", data=data)
    assert response.headers["Location"] == "/register/sent"


def links_of(message) -> set[str]:
    """The manage tokens in both parts of ``message``; they must agree."""
    text = set(LINK.findall(text_of(message)))
    html = set(LINK.findall(message.get_body(("html",)).get_content()))
    assert text == html and len(text) == 1, (text, html)
    return text


def test_every_mail_carries_a_link_that_opens_the_manage_page(client, smtp):
    make_edition(COMING_YEAR, capacity=1)
    register(client, email="ada@example.org", language="en")
    register(client, email="lucie@example.org", first_name="Lucie", language="fr")
    ada_link, lucie_link = (links_of(m).pop() for m in deliver(smtp, 2))
    for token in (ada_link, lucie_link):
        manage = f"/registration/{token}"
        client.post(f"{manage}/confirm", data={"csrf_token": csrf_token(client, manage)})
    confirmed, waitlisted = deliver(smtp, 2)
    assert confirmed["Subject"].startswith("Your seat is confirmed")
    assert waitlisted["Subject"].startswith("Vous êtes sur la liste")
    assert links_of(confirmed) == {ada_link} and links_of(waitlisted) == {lucie_link}

    manage = f"/registration/{ada_link}"
    client.post(f"{manage}/cancel", data={"csrf_token": csrf_token(client, f"{manage}/cancel")})
    cancelled, promoted = deliver(smtp, 2)
    assert cancelled["Subject"].startswith("Registration cancelled")
    assert promoted["Subject"].startswith("Une place vous attend")
    assert links_of(cancelled) == {ada_link} and links_of(promoted) == {lucie_link}
    assert "Cancelled." in client.get(f"/registration/{ada_link}?lang=en").get_data(as_text=True)
    page = client.get(f"/registration/{lucie_link}?lang=en")
    assert "Confirmed: your seat is booked." in page.get_data(as_text=True)


def test_a_confirmed_attendee_registering_again_gets_a_new_link_not_a_confirmation(client, smtp):
    edition = make_edition(COMING_YEAR)
    registration, old = make_registration(edition, "ada@example.org", confirm=True, language="fr")
    deliver(smtp, 2)
    register(client, email="Ada@Example.org", language="en")
    [mail] = deliver(smtp, 1)
    # The outbox keeps the non-breaking space French puts before a colon.
    subject = f"Le lien de votre inscription\u00a0: Colloque du 17 octobre {COMING_YEAR}"
    assert mail["Subject"] == subject
    body = text_of(mail)
    assert "Votre inscription est confirmée\u00a0: votre place est réservée." in body
    assert "Confirmer mon inscription" not in body
    [new] = links_of(mail)
    assert new != old
    assert client.get(f"/registration/{new}").status_code == 200
    assert client.get(f"/registration/{old}").status_code == 404
    db.session.refresh(registration)
    assert registration.link_version == 1 and registration.status == "confirmed"


def test_the_token_is_unguessable_and_only_its_hash_is_stored(app):
    registration, token = make_registration(make_edition(COMING_YEAR))
    assert len(token) == 43  # 256 bits, base64
    assert registration.token_hash == hash_token(token) != token
    assert services.find_by_token(token) == registration
    # Another key, or another version, gives another token.
    app.config["SECRET_KEY"] = "another-key"
    assert manage_token(registration) != token


def test_a_link_made_before_link_versions_is_replaced_by_the_next_mail(client, smtp):
    edition = make_edition(COMING_YEAR)
    registration, _ = make_registration(edition, "ada@example.org", language="en")
    registration.token_hash = hash_token("a random token of an earlier version")
    db.session.commit()
    deliver(smtp, 1)
    assert client.get("/registration/a random token of an earlier version").status_code == 200
    services.confirm_registration(registration)
    db.session.commit()
    [ticket] = deliver(smtp, 1)
    [token] = links_of(ticket)
    assert client.get(f"/registration/{token}").status_code == 200


def id_token(app, registration) -> str:
    """The manage token as it was first made: of the id, with its own purpose (``…/v1``)."""
    key = hmac.new(
        app.config["SECRET_KEY"].encode(), b"colloquium/registration/manage-link/v1", hashlib.sha256
    ).digest()
    message = f"{registration.id}:{registration.link_version}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def test_the_token_is_made_of_the_reference_not_of_the_id(app):
    registration, token = make_registration(make_edition(COMING_YEAR))
    assert token == token_of(registration.reference, registration.created_at, 0)
    # Another purpose: not even an id written as a reference gives an earlier token.
    assert token_of(str(registration.id), registration.created_at, 0) != id_token(app, registration)


def test_a_reference_drawn_again_after_a_purge_does_not_reopen_with_the_old_link(app, monkeypatch):
    # The purge of unconfirmed registrations frees their references for the next draws.
    edition = make_edition(COMING_YEAR)
    purged, old = make_registration(edition, "ada@example.org")
    reference = purged.reference
    db.session.delete(purged)
    db.session.commit()
    monkeypatch.setattr(services, "_new_reference", lambda _edition: reference)
    newcomer, token = make_registration(edition, "grace@example.org")
    assert newcomer.reference == reference
    assert services.find_by_token(token) == newcomer
    assert services.find_by_token(old) is None


def test_a_link_made_of_the_id_works_until_the_next_mail_replaces_it(app, client, smtp):
    edition = make_edition(COMING_YEAR)
    registration, token = make_registration(edition, "ada@example.org", language="en")
    old = id_token(app, registration)
    registration.token_hash = hash_token(old)  # as stored before tokens were made otherwise
    db.session.commit()
    deliver(smtp, 1)
    assert client.get(f"/registration/{old}").status_code == 200
    services.confirm_registration(registration)
    db.session.commit()
    [ticket] = deliver(smtp, 1)
    assert links_of(ticket) == {token}
    assert client.get(f"/registration/{token}").status_code == 200
    assert client.get(f"/registration/{old}").status_code == 404
