"""Password reset and invitation links: single use, short-lived, tamper-proof."""

import time

import pytest
import sqlalchemy as sa

from colloquium.accounts import services
from colloquium.accounts.models import User
from colloquium.accounts.passwords import verify_password
from colloquium.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_association, make_user
from tests.web import csrf_token, log_in

NEW_PASSWORD = "a fresh and rather long passphrase"
PAGES = {services.RESET_PURPOSE: "/password/reset/", services.INVITATION_PURPOSE: "/invitation/"}


def _user(purpose):
    association = make_association()
    if purpose == services.INVITATION_PURPOSE:
        user = make_user("new@example.org", association=association, password=None)
        user.invited_at = services.utcnow()
        db.session.commit()
        return user
    return make_user("ed@example.org", association=association)


def _choose(client, url, password=NEW_PASSWORD, confirm=None):
    return client.post(
        url,
        data={
            "password": password,
            "confirm": confirm or password,
            "csrf_token": csrf_token(client, url),
        },
    )


@pytest.mark.parametrize("purpose", list(PAGES))
def test_a_link_sets_the_password_once(client, purpose):
    user = _user(purpose)
    url = PAGES[purpose] + services.make_token(user, purpose)
    page = client.get(url)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    response = _choose(client, url)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    db.session.expire_all()
    assert verify_password(db.session.get(User, user.id).password_hash, NEW_PASSWORD)
    # Used once, the link is dead: the password it was bound to has changed.
    again = client.get(url)
    assert again.status_code == 404
    assert "no longer valid" in client.get(url + "?lang=en").get_data(as_text=True)
    assert _choose_status(client, url) == 404
    assert log_in(client, user.email, NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize("purpose", list(PAGES))
def test_an_expired_link_is_refused(client, monkeypatch, purpose):
    user = _user(purpose)
    lifetime = (
        services.RESET_LIFETIME
        if purpose == services.RESET_PURPOSE
        else services.INVITATION_LIFETIME
    )
    issued = time.time() - lifetime.total_seconds() - 60
    with monkeypatch.context() as patch:
        patch.setattr(time, "time", lambda: issued)
        token = services.make_token(user, purpose)
    assert client.get(PAGES[purpose] + token).status_code == 404
    assert _choose_status(client, PAGES[purpose] + token) == 404
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == user.password_hash


def _choose_status(client, url):
    # The form is not shown for a dead link, so take a CSRF token from another form.
    return client.post(
        url,
        data={
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": csrf_token(client, "/login"),
        },
    ).status_code


@pytest.mark.parametrize("purpose", list(PAGES))
def test_a_tampered_link_is_refused(client, purpose):
    user = _user(purpose)
    token = services.make_token(user, purpose)
    payload, _, rest = token.partition(".")
    forged = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + rest
    for bad in (forged, token[:-3], token + "x", "nonsense", ""):
        if bad:
            assert client.get(PAGES[purpose] + bad).status_code == 404
    # A reset link cannot be used as an invitation, nor the other way round.
    other = next(p for p in PAGES if p != purpose)
    assert client.get(PAGES[other] + token).status_code == 404


def test_a_reset_link_for_a_deactivated_account_is_refused(client):
    user = _user(services.RESET_PURPOSE)
    token = services.make_token(user, services.RESET_PURPOSE)
    services.deactivate_user(user)
    db.session.commit()
    assert client.get(PAGES[services.RESET_PURPOSE] + token).status_code == 404


def test_a_new_invitation_replaces_the_previous_link(app, monkeypatch):
    user = _user(services.INVITATION_PURPOSE)
    old = services.make_token(user, services.INVITATION_PURPOSE)
    user.invited_at = user.invited_at.replace(year=user.invited_at.year + 1)
    db.session.commit()
    assert services.user_for_token(old, services.INVITATION_PURPOSE) is None
    new = services.make_token(user, services.INVITATION_PURPOSE)
    assert services.user_for_token(new, services.INVITATION_PURPOSE) == user


def test_a_weak_new_password_is_refused_next_to_the_field(client):
    user = _user(services.RESET_PURPOSE)
    url = PAGES[services.RESET_PURPOSE] + services.make_token(user, services.RESET_PURPOSE)
    response = _choose(client, url + "?lang=en", "qwerty123456")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "too common" in html
    assert 'aria-invalid="true"' in html and 'id="password-error"' in html
    response = _choose(client, url + "?lang=en", NEW_PASSWORD, "something else entirely")
    assert "The passwords differ." in response.get_data(as_text=True)
    db.session.expire_all()
    assert verify_password(db.session.get(User, user.id).password_hash, DEFAULT_PASSWORD)


def test_a_new_password_ends_the_sessions_opened_before(app, client):
    user = _user(services.RESET_PURPOSE)
    log_in(client, user.email)
    copied = client.get_cookie("session").value
    other = app.test_client()
    url = PAGES[services.RESET_PURPOSE] + services.make_token(user, services.RESET_PURPOSE)
    assert _choose(other, url).status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/associations/aide-et-refuge/edit").status_code == 302
    assert db.session.scalar(sa.select(User.session_version).where(User.id == user.id)) == 2


@pytest.mark.parametrize("purpose", list(PAGES))
def test_link_pages_run_one_query(client, count_queries, purpose):
    user = _user(purpose)
    url = PAGES[purpose] + services.make_token(user, purpose)
    with count_queries() as queries:
        assert client.get(url).status_code == 200
    assert len(queries) == 1, queries  # the account (with its association, joined)
