"""Two-step login: set-up, the second step at login, recovery codes, removal, the setting."""

import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import url_for
from werkzeug.routing import IntegerConverter

from colloquium.accounts import services, two_factor
from colloquium.accounts.models import RecoveryCode, User
from colloquium.clock import utcnow
from colloquium.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_association, make_user
from tests.web import csrf_token, log_in, post_form

OFFER = re.compile(r'name="offer" type="hidden" value="([^"]+)"')
SECRET = re.compile(r'<p class="reference secret-key">([A-Z2-7 ]+)</p>')
CODES = re.compile(r"<code>([a-z0-9-]+)</code>")
NOON = datetime(2031, 3, 4, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
def clock(time_machine):
    """Time stands still at noon (the start of a TOTP step) until a test moves it."""
    time_machine.move_to(NOON, tick=False)
    return time_machine


def _code(secret, steps=0):
    return two_factor.code_at(secret, two_factor.time_step(utcnow()) + steps)


def _enrol(client):
    """Set up two-step login for the logged-in account: (secret, recovery codes)."""
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = SECRET.search(page).group(1).replace(" ", "")
    response = post_form(
        client,
        "/account/two-factor",
        {"offer": OFFER.search(page).group(1), "code": _code(secret)},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return secret, CODES.findall(response.get_data(as_text=True))


def _organiser_with_two_factor(app, client, clock):
    """An organiser who set up two-step login, logged out again: (user, secret, codes)."""
    user = make_user("boss@example.org", role="organiser", name="Boss")
    log_in(client, "boss@example.org")
    secret, codes = _enrol(client)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    # The set-up code's step is spent: move on two steps, so that the one before is free too.
    clock.shift(2 * two_factor.STEP_SECONDS)
    return user, secret, codes


def _second_step(client, code):
    return post_form(client, "/login/two-factor", {"code": code})


def _fresh(user):
    db.session.expire_all()
    return db.session.get(User, user.id)


# -- Setting up -------------------------------------------------------------------------------


def test_setting_up_shows_a_qr_code_and_the_key_then_ten_codes_once(client, clock):
    user = make_user("boss@example.org", role="organiser")
    log_in(client, "boss@example.org")
    response = client.get("/account/two-factor?lang=en")
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert 'class="qr-code"><title>' in page and "<script" not in page
    assert "<title>QR code to scan with your authenticator app</title>" in page
    secret = SECRET.search(page).group(1).replace(" ", "")
    assert len(secret) == 32
    offer = OFFER.search(page).group(1)
    assert secret not in offer  # the hidden field carries it encrypted

    wrong = post_form(client, "/account/two-factor?lang=en", {"offer": offer, "code": "000000"})
    html = wrong.get_data(as_text=True)
    assert 'id="code-error"' in html and "This code is wrong" in html
    assert SECRET.search(html).group(1).replace(" ", "") == secret  # the same key, kept
    assert not _fresh(user).two_factor_enabled

    response = post_form(client, "/account/two-factor", {"offer": offer, "code": _code(secret)})
    codes = CODES.findall(response.get_data(as_text=True))
    assert len(codes) == len(set(codes)) == 10
    assert response.headers["Cache-Control"] == "no-store"
    user = _fresh(user)
    assert user.two_factor_enabled
    assert secret not in user.totp_secret and two_factor.unseal(user.totp_secret) == secret
    stored = db.session.scalars(sa.select(RecoveryCode.code_hash)).all()
    assert sorted(stored) == sorted(two_factor.hash_recovery_code(c) for c in codes)
    # Shown once: the page now says two-step login is on, without any code.
    page = client.get("/account/two-factor?lang=en").get_data(as_text=True)
    assert "10 recovery codes are left" in page
    assert not CODES.search(page) and not SECRET.search(page)


def test_an_offer_is_bound_to_its_account_and_expires(app, clock):
    alice = make_user("alice@example.org", role="organiser")
    bob = make_user("bob@example.org", role="organiser")
    secret, offer = services.enrolment_offer(alice)
    assert services.offered_secret(alice, offer) == secret
    assert services.offered_secret(bob, offer) is None
    clock.shift(two_factor.ENROLMENT_SECONDS + 1)
    assert services.offered_secret(alice, offer) is None


def test_setting_up_ends_the_sessions_opened_with_the_password_alone(app, client, clock):
    make_user("boss@example.org", role="organiser")
    log_in(client, "boss@example.org")
    other = app.test_client()
    log_in(other, "boss@example.org")
    assert other.get("/admin/").status_code == 200
    _enrol(client)
    assert other.get("/admin/").status_code == 302  # logged out
    assert client.get("/admin/").status_code == 200  # this session goes on


# -- Logging in -------------------------------------------------------------------------------


def test_the_password_alone_no_longer_opens_the_back_office(app, client, clock):
    user, secret, _ = _organiser_with_two_factor(app, client, clock)
    response = log_in(client, "boss@example.org")
    assert response.headers["Location"] == "/login/two-factor"
    assert client.get("/admin/").status_code == 302
    page = client.get("/login/two-factor?lang=en")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert '<label for="code">' in page.get_data(as_text=True)
    before = _fresh(user).last_login_at
    response = _second_step(client, _code(secret))
    assert response.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert _fresh(user).last_login_at != before


def test_the_second_step_keeps_the_page_asked_for(app, client, clock):
    _, secret, _ = _organiser_with_two_factor(app, client, clock)
    post_form(client, "/login", {"email": "boss@example.org", "password": DEFAULT_PASSWORD,
                                 "next": "/admin/users/"})  # fmt: skip
    assert _second_step(client, _code(secret)).headers["Location"] == "/admin/users/"


def test_a_wrong_code_is_refused_next_to_the_field(app, client, clock):
    _, secret, _ = _organiser_with_two_factor(app, client, clock)
    log_in(client, "boss@example.org")
    for wrong in ("123456", _code(secret, steps=2), _code(secret, steps=-2), "not a code"):
        response = _second_step(client, wrong)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert 'id="code-error"' in html and 'aria-invalid="true"' in html
        assert client.get("/admin/").status_code == 302


@pytest.mark.parametrize("steps", [-1, 0, 1])
def test_codes_of_the_step_before_and_after_are_accepted(app, client, clock, steps):
    _, secret, _ = _organiser_with_two_factor(app, client, clock)
    log_in(client, "boss@example.org")
    assert _second_step(client, _code(secret, steps)).status_code == 302


def test_a_code_never_works_twice(app, client, clock):
    user, secret, _ = _organiser_with_two_factor(app, client, clock)
    log_in(client, "boss@example.org")
    code = _code(secret)
    assert _second_step(client, code).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    log_in(client, "boss@example.org")
    assert _second_step(client, code).status_code == 200  # replayed within its step
    # Nor does a code of an earlier step, still within tolerance, once a later one was used.
    assert _second_step(client, _code(secret, steps=-1)).status_code == 200
    assert _fresh(user).totp_last_step == two_factor.time_step(utcnow())
    clock.shift(two_factor.STEP_SECONDS)
    assert _second_step(client, _code(secret)).status_code == 302


def test_a_recovery_code_logs_in_once(app, client, clock):
    _, _, codes = _organiser_with_two_factor(app, client, clock)
    log_in(client, "boss@example.org")
    response = _second_step(client, codes[3].upper().replace("-", " "))  # as typed, roughly
    assert response.headers["Location"] == "/admin/"
    assert "9 recovery codes are left" in client.get("/account/two-factor?lang=en").get_data(
        as_text=True
    )
    client.post("/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    log_in(client, "boss@example.org")
    assert _second_step(client, codes[3]).status_code == 200  # spent
    assert _second_step(client, codes[4]).status_code == 302


def test_the_second_step_is_rate_limited_like_the_login(app, client, clock):
    _, secret, _ = _organiser_with_two_factor(app, client, clock)
    log_in(client, "boss@example.org")
    for _ in range(5):
        assert _second_step(client, "000000").status_code == 200
    assert _second_step(client, _code(secret)).status_code == 429
    # Starting again from the password does not reset the count: it is the account's.
    stranger = app.test_client()
    log_in(stranger, "boss@example.org")
    assert _second_step(stranger, _code(secret)).status_code == 429


def test_the_second_step_expires_and_dies_with_the_sessions(app, client, clock):
    user, secret, _ = _organiser_with_two_factor(app, client, clock)
    log_in(client, "boss@example.org")
    clock.shift(11 * 60)
    response = client.get("/login/two-factor")
    assert response.headers["Location"] == "/login"
    log_in(client, "boss@example.org")
    services.end_sessions(_fresh(user))  # a password change, a logout elsewhere
    db.session.commit()
    token = csrf_token(client, "/login")
    response = client.post("/login/two-factor", data={"code": _code(secret), "csrf_token": token})
    assert response.headers["Location"] == "/login"
    assert client.get("/admin/").status_code == 302


def test_without_a_password_step_there_is_no_second_step(client):
    response = client.get("/login/two-factor")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    token = csrf_token(client)
    response = client.post("/login/two-factor", data={"code": "123456", "csrf_token": token})
    assert response.headers["Location"] == "/login"


def test_a_secret_sealed_under_another_key_leaves_the_recovery_codes(app, client, clock):
    user, secret, codes = _organiser_with_two_factor(app, client, clock)
    app.config["SECRET_KEY"] = "a new secret key"  # rotated: the stored secret is unreadable
    client = app.test_client()
    log_in(client, "boss@example.org")
    assert _second_step(client, _code(secret)).status_code == 200
    assert _second_step(client, codes[0]).status_code == 302
    assert _fresh(user).two_factor_enabled


# -- Turning it off ---------------------------------------------------------------------------


@pytest.mark.parametrize("proof", ["password", "code"])
def test_turning_it_off_asks_for_the_password_or_a_current_code(app, client, clock, proof):
    user, secret, _ = _organiser_with_two_factor(app, client, clock)
    log_in(client, "boss@example.org")
    _second_step(client, _code(secret))
    clock.shift(two_factor.STEP_SECONDS)
    url = "/account/two-factor/remove?lang=en"
    wrong = post_form(client, url, {"proof": "not the password"}, form_url="/account/two-factor")
    html = wrong.get_data(as_text=True)
    assert 'id="proof-error"' in html and "neither your password nor a current code" in html
    assert _fresh(user).two_factor_enabled
    given = DEFAULT_PASSWORD if proof == "password" else _code(secret)
    response = post_form(client, url, {"proof": given}, form_url="/account/two-factor")
    assert response.headers["Location"] == "/account/two-factor"
    user = _fresh(user)
    assert not user.two_factor_enabled and user.totp_secret is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0
    client.post("/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    assert log_in(client, "boss@example.org").headers["Location"] == "/admin/"


# -- Who may, and the setting that makes it mandatory -----------------------------------------


@pytest.mark.parametrize("url", ["/account/two-factor", "/account/two-factor/remove"])
def test_anonymous_visitors_are_sent_to_log_in(client, url):
    token = csrf_token(client)
    for response in (client.get(url), client.post(url, data={"csrf_token": token})):
        if response.status_code == 405:
            continue
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=/account/two-factor")


def test_an_editor_may_set_it_up_too(app, client, clock):
    make_user("ed@example.org", association=make_association())
    log_in(client, "ed@example.org")
    _, codes = _enrol(client)
    assert len(codes) == 10


def _back_office_pages(app):
    """A URL for every GET page under /admin/ (any id will do: the check runs before the view)."""
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.rule.startswith("/admin/") and "GET" in rule.methods:
                yield url_for(
                    rule.endpoint,
                    **{
                        name: 1 if isinstance(rule._converters[name], IntegerConverter) else "x"
                        for name in rule.arguments
                    },
                )  # fmt: skip


def test_the_setting_sends_organisers_to_set_up_before_every_back_office_page(make_app, clock):
    app = make_app({"REQUIRE_ORGANISER_2FA": True})
    with app.app_context():
        make_user("boss@example.org", role="organiser")
        client = app.test_client()
        assert log_in(client, "boss@example.org").status_code == 302
        pages = list(_back_office_pages(app))
        assert len(pages) > 20 and "/admin/" in pages
        for url in pages:
            response = client.get(url)
            assert response.status_code == 302, url
            assert response.headers["Location"].startswith("/account/two-factor?next=/admin/")
        page = client.get("/account/two-factor?lang=en").get_data(as_text=True)
        assert "asks every organiser for a second step" in page
        _enrol(client)
        assert client.get("/admin/").status_code == 200


def test_without_the_setting_two_step_login_is_optional(client):
    make_user("boss@example.org", role="organiser")
    log_in(client, "boss@example.org")
    assert client.get("/admin/").status_code == 200
    assert "asks every organiser" not in client.get("/account/two-factor?lang=en").get_data(
        as_text=True
    )


def test_the_pages_run_few_queries(app, client, clock, count_queries):
    _, _, _ = _organiser_with_two_factor(app, client, clock)
    log_in(client, "boss@example.org")
    with count_queries() as queries:
        assert client.get("/login/two-factor").status_code == 200
    assert len(queries) == 1, queries  # the account waiting for its second step
    make_user("new@example.org", role="organiser")
    other = app.test_client()
    log_in(other, "new@example.org")
    with count_queries() as queries:
        assert other.get("/account/two-factor").status_code == 200
    assert len(queries) == 1, queries  # the logged-in account
