"""Accounts: logging in and out, sessions ended server-side, safe redirects, the CLI."""

import pytest
import sqlalchemy as sa

from colloquium.accounts import services
from colloquium.accounts.models import User
from colloquium.accounts.passwords import check_strength, common_passwords, verify_password
from colloquium.errors import DomainError
from colloquium.extensions import db
from colloquium.security import is_safe_next
from tests.factories import DEFAULT_PASSWORD, make_association, make_user
from tests.web import csrf_token, log_in, post_form


def test_login_page_renders_with_labelled_fields(client):
    page = client.get("/login")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<label for="email">' in html and '<label for="password">' in html
    assert page.headers["Cache-Control"] == "no-store"


def test_an_organiser_logs_in_and_reaches_the_back_office(client):
    make_user("boss@example.org", role="organiser")
    response = log_in(client, "Boss@Example.org ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    user = db.session.scalar(sa.select(User))
    assert user.last_login_at is not None


def test_an_editor_lands_on_their_association(client):
    association = make_association("refuge-du-nord")
    make_user("ed@example.org", association=association)
    response = log_in(client, "ed@example.org")
    assert response.headers["Location"] == "/associations/refuge-du-nord"


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("ed@example.org", "wrong password here"),
        ("nobody@example.org", DEFAULT_PASSWORD),
        ("gone@example.org", DEFAULT_PASSWORD),
        ("invited@example.org", ""),
    ],
)
def test_every_login_failure_says_the_same(client, email, password):
    association = make_association()
    make_user("ed@example.org", association=association)
    make_user("gone@example.org", association=association, is_active=False)
    make_user("invited@example.org", association=association, password=None)
    response = post_form(client, "/login", {"email": email, "password": password or "x" * 12})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Wrong e-mail address or password." in html or "Adresse e-mail ou mot de passe" in html
    assert 'role="alert"' in html
    assert DEFAULT_PASSWORD not in html  # the password is never sent back
    assert client.get("/admin/").status_code == 302


def test_a_csrf_failure_shows_the_form_again_with_the_input(client):
    response = client.post(
        "/login", data={"email": "kept@example.org", "password": "whatever", "csrf_token": "x"}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'value="kept@example.org"' in html
    assert 'role="alert"' in html


def test_a_csrf_failure_on_a_bare_button_changes_nothing(client):
    make_user("boss@example.org", role="organiser")
    log_in(client, "boss@example.org")
    response = client.post("/logout", data={"csrf_token": "forged"})
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 200  # still logged in


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/admin/users/", True),
        ("/associations?q=lyon", True),
        ("//evil.example/", False),
        ("/\\evil.example", False),
        ("https://evil.example/", False),
        ("http:/evil.example", False),
        ("javascript:alert(1)", False),
        ("/\tadmin", False),
        ("", False),
        (None, False),
    ],
)
def test_next_redirects_stay_on_the_site(target, safe):
    assert is_safe_next(target) is safe


def test_login_follows_a_safe_next_and_ignores_another_host(client):
    make_user("boss@example.org", role="organiser")
    token = csrf_token(client)
    response = client.post(
        "/login",
        data={
            "email": "boss@example.org",
            "password": DEFAULT_PASSWORD,
            "next": "//evil.example/x",
            "csrf_token": token,
        },
    )
    assert response.headers["Location"] == "/admin/"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    response = client.post(
        "/login",
        data={
            "email": "boss@example.org",
            "password": DEFAULT_PASSWORD,
            "next": "/admin/users/",
            "csrf_token": csrf_token(client),
        },
    )
    assert response.headers["Location"] == "/admin/users/"


def test_anonymous_visitors_are_sent_to_log_in_and_back(client):
    response = client.get("/admin/users/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/admin/users/"
    page = client.get("/login?next=/admin/users/").get_data(as_text=True)
    assert 'name="next" type="hidden" value="/admin/users/"' in page


def test_logout_is_a_post_and_ends_the_session(client):
    make_user("boss@example.org", role="organiser")
    log_in(client, "boss@example.org")
    assert client.get("/logout").status_code == 405
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/admin/")})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 302


def _session_cookie(client) -> str:
    return client.get_cookie("session").value


def test_a_copied_cookie_stops_working_after_logout(make_app):
    app = make_app()
    with app.app_context():
        make_user("boss@example.org", role="organiser")
    first = app.test_client()
    log_in(first, "boss@example.org")
    copied = _session_cookie(first)
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/admin/").status_code == 200
    first.post("/logout", data={"csrf_token": csrf_token(first, "/admin/")})
    thief.set_cookie("session", copied)
    assert thief.get("/admin/").status_code == 302


def test_a_copied_cookie_stops_working_after_a_password_change(app, client):
    user = make_user("boss@example.org", role="organiser")
    log_in(client, "boss@example.org")
    copied = _session_cookie(client)
    services.set_password(db.session.get(User, user.id), "a brand new passphrase")
    db.session.commit()
    other = app.test_client()
    other.set_cookie("session", copied)
    assert other.get("/admin/").status_code == 302


def test_a_deactivated_account_loses_its_session_at_once(app, client):
    user = make_user("boss@example.org", role="organiser")
    log_in(client, "boss@example.org")
    assert client.get("/admin/").status_code == 200
    services.deactivate_user(db.session.get(User, user.id))
    db.session.commit()
    assert client.get("/admin/").status_code == 302
    response = log_in(client, "boss@example.org")
    assert response.status_code == 200  # the login form again, with the uniform error


def test_a_session_id_of_another_shape_is_refused(app):
    make_user("boss@example.org", role="organiser")
    assert services.load_session_user("1") is None
    assert services.load_session_user("x:1") is None
    assert services.load_session_user("1:2") is None
    assert services.load_session_user("1:1") is not None


# -- Passwords --------------------------------------------------------------------------------


def test_the_common_password_list_is_shipped_complete():
    passwords = common_passwords()
    assert len(passwords) == 10000
    assert {"123456", "password", "qwerty123456", "1qaz2wsx3edc"} <= passwords


@pytest.mark.parametrize(
    "password", ["short", "elevenchars", "qwerty123456", "1QAZ2WSX3EDC", "aaaaaaaaaaaaaaa"]
)
def test_weak_passwords_are_refused(app, password):
    with pytest.raises(DomainError) as caught:
        check_strength(password)
    assert caught.value.field == "password"


def test_a_good_password_is_hashed_with_scrypt(app):
    user = services.create_user(
        "new@example.org", "organiser", password="a long and unusual phrase"
    )
    assert user.password_hash.startswith("scrypt:")
    assert verify_password(user.password_hash, "a long and unusual phrase")
    assert not verify_password(user.password_hash, "a long and unusual phrasE")
    assert not verify_password(None, "anything at all")


def test_an_editor_needs_an_association_and_emails_are_unique(app):
    with pytest.raises(DomainError) as caught:
        services.create_user("ed@example.org", "editor", password="a long and unusual phrase")
    assert caught.value.field == "association"
    make_user("taken@example.org", role="organiser")
    with pytest.raises(DomainError) as caught:
        services.create_user("TAKEN@example.org", "organiser", password="another long phrase")
    assert caught.value.field == "email"
    with pytest.raises(DomainError) as caught:
        services.create_user("not an address", "organiser")
    assert caught.value.field == "email"


# -- flask user create ------------------------------------------------------------------------


def test_cli_creates_an_organiser_from_stdin(runner):
    result = runner.invoke(
        args=["user", "create", "Boss@Example.org", "--role", "organiser", "--password-stdin"],
        input="a long and unusual phrase\nsecond line ignored\n",
    )
    assert result.exit_code == 0, result.output
    assert "a long and unusual phrase" not in result.output
    user = db.session.scalar(sa.select(User))
    assert user.email == "boss@example.org" and user.role == "organiser"
    assert verify_password(user.password_hash, "a long and unusual phrase")


def test_cli_creates_an_editor_of_an_association(runner):
    make_association("refuge-du-nord")
    result = runner.invoke(
        args=[
            "user", "create", "ed@example.org", "--role", "editor",
            "--association", "refuge-du-nord", "--name", "Eda", "--password-stdin",
        ],
        input="a long and unusual phrase\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User))
    assert user.association.slug == "refuge-du-nord" and user.name == "Eda"


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--role", "editor"], "a long and unusual phrase\n", "needs --association"),
        (["--role", "editor", "--association", "nope"], "x\n", "no association"),
        (["--role", "organiser"], "short\n", "at least 12 characters"),
        (["--role", "organiser"], "qwerty123456\n", "too common"),
        (["--role", "organiser"], "\n", "No password"),
        (["--role", "boss"], "a long and unusual phrase\n", "Invalid value for '--role'"),
    ],
)
def test_cli_explains_its_refusals_in_one_line(runner, args, stdin, message):
    result = runner.invoke(
        args=["user", "create", "x@example.org", *args, "--password-stdin"], input=stdin
    )
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_cli_refuses_an_existing_address(runner):
    make_user("boss@example.org", role="organiser")
    result = runner.invoke(
        args=["user", "create", "boss@example.org", "--role", "organiser", "--password-stdin"],
        input="a long and unusual phrase\n",
    )
    assert result.exit_code == 1
    assert "already exists" in result.output
