"""Password strength: the length rule and the common list, then zxcvbn, on every path."""

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from colloquium.accounts import services
from colloquium.accounts.models import User
from colloquium.accounts.passwords import check_strength, verify_password
from colloquium.errors import DomainError
from colloquium.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_association, make_user
from tests.web import csrf_token

# Twelve characters or more, and not in the list of 10,000: all accepted before zxcvbn.
WEAK = [
    "password1234",
    "azertyuiop123",
    "motdepasse123",
    "123456789012",
    "passwordpassword",
    "iloveyou1234",
]
STRONG = "lanterne quai brume violon"
# What the page says, in each language, about a password close to a common one.
COMMON = {"en": "too close to a common one", "fr": "ressemble trop à un mot de passe courant"}
PAGES = {services.RESET_PURPOSE: "/password/reset/", services.INVITATION_PURPOSE: "/invitation/"}


@pytest.mark.parametrize("password", WEAK)
def test_the_weak_passwords_of_the_review_pass_the_old_rules(password):
    # The reason for zxcvbn: the length rule and the list alone let these through.
    from colloquium.accounts.passwords import MIN_LENGTH, common_passwords

    assert len(password) >= MIN_LENGTH
    assert password not in common_passwords()


@pytest.mark.parametrize("password", WEAK)
def test_check_strength_refuses_guessable_passwords(app, password):
    with pytest.raises(DomainError) as caught:
        check_strength(password)
    assert caught.value.field == "password"


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("password1234", "too close to a common one"),
        ("passwordpassword", "Repeated characters or words"),
        ("zxcvbnm,./asdfgh", "Rows of neighbouring keys"),
        ("abcdefghijklmnop", "Sequences like"),
    ],
)
def test_the_reason_names_the_weakness(app, password, reason):
    with pytest.raises(DomainError) as caught:
        check_strength(password)
    with force_locale("en"):
        assert reason in str(caught.value.message)


def test_a_password_made_of_the_persons_name_is_refused(app):
    from colloquium.accounts.passwords import personal_words

    words = personal_words("albertine.quenouille@refuge-nord.org", "Albertine Quenouille")
    check_strength("albertinequenouille")  # strong for a stranger...
    with pytest.raises(DomainError) as caught:
        check_strength("albertinequenouille", user_inputs=words)  # ...not for her
    with force_locale("en"):
        assert "Your name, your e-mail address" in str(caught.value.message)


def test_set_password_checks_against_the_accounts_own_name_and_address(app):
    user = make_user("albertine.quenouille@example.org", role="organiser", name="Albertine Q")
    with pytest.raises(DomainError):
        services.set_password(user, "albertinequenouille")


def test_only_the_start_of_a_very_long_password_is_estimated(app):
    # zxcvbn refuses more than 72 characters; a longer password must not crash the form.
    check_strength("lanterne quai brume violon " * 10)
    with pytest.raises(DomainError):
        check_strength("passwordpassword" * 5 + " lanterne quai brume violon")


def test_a_strong_passphrase_passes(app):
    check_strength(STRONG)
    check_strength(DEFAULT_PASSWORD)


# -- The two web forms ------------------------------------------------------------------------


def _account(purpose):
    association = make_association()
    if purpose == services.INVITATION_PURPOSE:
        user = make_user("new@example.org", association=association, password=None)
        user.invited_at = services.utcnow()
        db.session.commit()
        return user
    return make_user("ed@example.org", association=association)


def _choose(client, url, password):
    return client.post(
        url,
        data={"password": password, "confirm": password, "csrf_token": csrf_token(client, url)},
    )


def _hash_of(user):
    db.session.expire_all()
    return db.session.get(User, user.id).password_hash


@pytest.mark.parametrize("purpose", list(PAGES))
@pytest.mark.parametrize("password", WEAK)
def test_the_web_forms_refuse_each_weak_password(client, purpose, password):
    user = _account(purpose)
    before = user.password_hash
    url = PAGES[purpose] + services.make_token(user, purpose)
    response = _choose(client, url + "?lang=en", password)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="password-error"' in html and 'aria-invalid="true"' in html
    assert _hash_of(user) == before


@pytest.mark.parametrize("purpose", list(PAGES))
@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_reason_is_shown_next_to_the_field_in_each_language(client, purpose, language):
    user = _account(purpose)
    url = PAGES[purpose] + services.make_token(user, purpose)
    html = _choose(client, f"{url}?lang={language}", "password1234").get_data(as_text=True)
    error = html.split('id="password-error">', 1)[1].split("</p>", 1)[0]
    assert COMMON[language] in error


@pytest.mark.parametrize("purpose", list(PAGES))
def test_the_web_forms_accept_a_strong_passphrase(client, purpose):
    user = _account(purpose)
    url = PAGES[purpose] + services.make_token(user, purpose)
    assert _choose(client, url, STRONG).status_code == 302
    assert verify_password(_hash_of(user), STRONG)


# -- flask user create --password-stdin -------------------------------------------------------


def _create(runner, password):
    return runner.invoke(
        args=["user", "create", "boss@example.org", "--role", "organiser", "--password-stdin"],
        input=password + "\n",
    )


@pytest.mark.parametrize("password", WEAK)
def test_the_cli_refuses_each_weak_password_in_one_line(runner, password):
    result = _create(runner, password)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert COMMON["en"] in result.stderr or "Repeated" in result.stderr
    assert password not in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_the_cli_accepts_a_strong_passphrase(runner):
    result = _create(runner, STRONG)
    assert result.exit_code == 0, result.output
    assert verify_password(db.session.scalar(sa.select(User.password_hash)), STRONG)
