"""The e-mails of accounts and profiles: invitations, resets, profile changes (outbox rows)."""

import re

import sqlalchemy as sa

from colloquium.accounts.models import User
from colloquium.accounts.passwords import verify_password
from colloquium.associations import services as associations
from colloquium.associations.services import ProfileValues
from colloquium.extensions import db
from colloquium.mail import delivery
from colloquium.mail.models import OutgoingMail
from tests.factories import make_association, make_user
from tests.web import csrf_token, log_in, post_form

NEW_PASSWORD = "a fresh and rather long passphrase"


def _mails():
    db.session.expire_all()
    return db.session.scalars(sa.select(OutgoingMail).order_by(OutgoingMail.id)).all()


def _link(mail, path):
    found = re.search(r"http://colloquium\.test(" + path + r"[^\s\"<]+)", mail.text_body)
    assert found, mail.text_body
    return found.group(1)


def _set_password(client, url):
    return client.post(
        url,
        data={
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": csrf_token(client, url),
        },
    )


def test_a_reset_request_answers_the_same_whether_the_address_is_known(client):
    make_user("ed@example.org", association=make_association(), language="en")
    known = post_form(client, "/password/reset", {"email": "ED@example.org"})
    unknown = post_form(client, "/password/reset", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert known.get_data() == unknown.get_data()
    [mail] = _mails()
    assert mail.recipient == "ed@example.org"
    assert mail.template == "accounts/password_reset" and mail.language == "en"
    assert "60 minutes" in mail.text_body
    link = _link(mail, "/password/reset/")
    assert link in mail.html_body
    assert _set_password(client, link).status_code == 302
    user = db.session.scalar(sa.select(User))
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert client.get(link).status_code == 404  # used once


def _statements_of_a_reset_request(client, email):
    """The kinds of SQL statement (first words) one reset request runs, in order."""
    kinds = []

    def record(conn, cursor, statement, parameters, context, executemany):
        words = statement.split()
        kinds.append(" ".join(words[:2]) if words[0] in ("ROLLBACK", "RELEASE") else words[0])

    token = csrf_token(client, "/password/reset")
    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.post("/password/reset", data={"email": email, "csrf_token": token})
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200
    # A savepoint ends in RELEASE when kept and ROLLBACK TO when not: the same work.
    return [{"RELEASE SAVEPOINT": "END SAVEPOINT", "ROLLBACK TO": "END SAVEPOINT"}.get(k, k)
            for k in kinds]  # fmt: skip


def test_a_reset_request_does_the_same_work_whether_the_address_is_known(client):
    # Timing the answer must not tell which addresses have an account (measured by
    # tests/benchmarks/reset_timing.py): an unknown address runs the statements of a known
    # one, the e-mail written included, and then the savepoint holding it is rolled back.
    association = make_association()
    make_user("ed@example.org", association=association)
    make_user("gone@example.org", association=association, is_active=False)
    known = _statements_of_a_reset_request(client, "ed@example.org")
    assert "INSERT" in known
    assert _statements_of_a_reset_request(client, "nobody@example.org") == known
    assert _statements_of_a_reset_request(client, "gone@example.org") == known
    [mail] = _mails()
    assert mail.recipient == "ed@example.org"


def test_no_reset_mail_for_a_deactivated_account(client):
    make_user("gone@example.org", association=make_association(), is_active=False)
    assert post_form(client, "/password/reset", {"email": "gone@example.org"}).status_code == 200
    assert _mails() == []


def test_an_invited_editor_chooses_a_password_and_logs_in(client):
    make_association("alpha", "Alpha")
    make_user("boss@example.org", role="organiser")
    log_in(client, "boss@example.org")
    response = post_form(
        client, "/admin/associations/alpha/invite", {"email": "New@Example.org", "name": "Nina"}
    )
    assert response.status_code == 302
    [mail] = _mails()
    assert mail.recipient == "new@example.org" and mail.template == "accounts/invitation"
    assert "Alpha" in mail.text_body and "7" in mail.text_body
    link = _link(mail, "/invitation/")
    visitor = client.application.test_client()
    page = visitor.get(link).get_data(as_text=True)
    assert "new@example.org" in page
    assert _set_password(visitor, link).status_code == 302
    assert visitor.get(link).status_code == 404
    assert log_in(visitor, "new@example.org", NEW_PASSWORD).headers["Location"] == (
        "/associations/alpha"
    )
    assert visitor.get("/associations/alpha/edit").status_code == 200


def test_inviting_an_existing_address_is_refused_next_to_the_field(client):
    make_user("boss@example.org", role="organiser")
    log_in(client, "boss@example.org")
    response = post_form(
        client,
        "/admin/users/invite?lang=en",
        {"email": "boss@example.org", "role": "organiser", "association": "", "language": "en"},
    )
    html = response.get_data(as_text=True)
    assert "An account already exists" in html and 'id="email-error"' in html
    editor = post_form(
        client,
        "/admin/users/invite?lang=en",
        {"email": "x@example.org", "role": "editor", "association": "", "language": "en"},
    )
    assert 'id="association-error"' in editor.get_data(as_text=True)
    assert _mails() == []


def test_a_new_invitation_kills_the_old_link(client):
    association = make_association("alpha")
    make_user("boss@example.org", role="organiser")
    invited = make_user("new@example.org", association=association, password=None)
    log_in(client, "boss@example.org")
    post_form(client, f"/admin/users/{invited.id}/invitation", {}, form_url="/admin/")
    post_form(client, f"/admin/users/{invited.id}/invitation", {}, form_url="/admin/")
    first, second = _mails()
    assert client.get(_link(first, "/invitation/")).status_code == 404
    assert client.get(_link(second, "/invitation/")).status_code == 200


def test_cli_without_a_password_sends_an_invitation(runner):
    result = runner.invoke(args=["user", "create", "boss@example.org", "--role", "organiser"])
    assert result.exit_code == 0, result.output
    assert "invited by e-mail" in result.output
    [mail] = _mails()
    assert mail.recipient == "boss@example.org" and mail.template == "accounts/invitation"


def test_each_profile_change_sends_one_mail_to_each_other_organiser(client):
    association = make_association("alpha", "Alpha", city="Lyon")
    make_user("ed@example.org", association=association)
    make_user("boss@example.org", role="organiser", language="en")
    make_user("second@example.org", role="organiser")
    make_user("retired@example.org", role="organiser", is_active=False)
    log_in(client, "ed@example.org")
    post_form(
        client,
        "/associations/alpha/edit",
        {"name": "Alpha", "city": "Metz", "country": "France", "areas": "victim_support"},
    )
    mails = _mails()
    assert sorted(m.recipient for m in mails) == ["boss@example.org", "second@example.org"]
    english = next(m for m in mails if m.recipient == "boss@example.org")
    assert english.subject == "Profile changed: Alpha"
    assert "ed@example.org changed the profile of Alpha." in english.text_body
    assert "City" in english.text_body
    assert "/admin/associations/alpha/history" in english.text_body
    french = next(m for m in mails if m.recipient == "second@example.org")
    assert french.subject == "Profil modifié\u00a0: Alpha"
    # Saving again without a change sends nothing.
    post_form(
        client,
        "/associations/alpha/edit",
        {"name": "Alpha", "city": "Metz", "country": "France", "areas": "victim_support"},
    )
    assert len(_mails()) == 2


def test_an_organisers_own_change_and_revert_mail_the_others_only(app):
    association = make_association("alpha", "Alpha", city="Lyon")
    boss = make_user("boss@example.org", role="organiser")
    make_user("second@example.org", role="organiser")
    revision = associations.update_profile(association, ProfileValues(city="Metz"), boss)
    associations.revert_revision(revision, boss)
    db.session.commit()
    mails = _mails()
    assert [m.recipient for m in mails] == ["second@example.org", "second@example.org"]
    assert "reverted a change" in mails[1].text_body or "annulé" in mails[1].text_body


def test_a_csv_import_sends_no_mail(runner, tmp_path):
    make_user("boss@example.org", role="organiser")
    path = tmp_path / "m.csv"
    path.write_text("slug,name\nalpha,Alpha\n", encoding="utf-8")
    assert runner.invoke(args=["association", "import", str(path)]).exit_code == 0
    assert _mails() == []


def test_a_reset_mail_travels_over_smtp_and_its_link_works(app, client, smtp_server):
    smtp_server.configure(app)
    make_user("ed@example.org", association=make_association(), language="en")
    post_form(client, "/password/reset", {"email": "ed@example.org"})
    report = delivery.deliver_due()
    assert (report.sent, report.failed) == (1, 0)
    [message] = smtp_server.messages
    assert message["To"] == "ed@example.org"
    assert message["Subject"] == "Choose a new password"
    text = message.get_body(("plain",)).get_content()
    found = re.search(r"http://colloquium\.test(/password/reset/\S+)", text)
    assert found, text
    assert _set_password(client, found.group(1)).status_code == 302
    assert log_in(client, "ed@example.org", NEW_PASSWORD).status_code == 302
