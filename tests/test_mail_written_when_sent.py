"""Registration e-mails are written by the mail worker, just before sending, from what the
request captured: the state announced, the position, the manage link."""

import logging
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import downgrade, upgrade

from colloquium.clock import utcnow
from colloquium.extensions import db
from colloquium.mail import delivery, outbox
from colloquium.mail.models import MailStatus, OutgoingMail, OutgoingMailAttachment
from colloquium.registration import notifications
from colloquium.registration import services as registrations
from colloquium.registration.models import Registration
from tests.factories import COMING_YEAR, make_edition, make_registration, make_user
from tests.web import csrf_token, log_in

LINK = re.compile(r"http://colloquium\.test/registration/([\w-]+)")


@pytest.fixture
def smtp(app, smtp_server):
    smtp_server.configure(app)
    return smtp_server


def _outbox() -> list[OutgoingMail]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutgoingMail).order_by(OutgoingMail.id)))


def _attachment_rows() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingMailAttachment))


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_the_request_stores_what_the_mail_announces_and_writes_nothing(app):
    edition = make_edition(COMING_YEAR, capacity=1)
    seated, seated_token = make_registration(edition, "ada@example.org", confirm=True)
    waiting, _ = make_registration(edition, "bob@example.org", language="en", confirm=True)
    link, ticket, waiting_link, waitlisted = _outbox()
    assert [mail.template for mail in (link, ticket, waiting_link, waitlisted)] == [
        "registration/manage_link",
        "registration/confirmed",
        "registration/manage_link",
        "registration/waitlisted",
    ]
    manage_url = f"http://colloquium.test/registration/{seated_token}"
    assert link.parameters == {
        "registration": seated.id,
        "status": "unconfirmed",
        "manage_url": manage_url,
    }
    assert ticket.parameters == {"registration": seated.id, "manage_url": manage_url}
    assert waitlisted.parameters["position"] == 1 and waitlisted.language == "en"
    # No QR code, no calendar file, no template rendered in the request.
    assert all(mail.subject == mail.text_body == mail.html_body == "" for mail in _outbox())
    assert _attachment_rows() == 0
    assert {mail.data_subject for mail in _outbox()} == {
        f"registration:{seated.id}",
        f"registration:{waiting.id}",
    }


def test_the_worker_writes_the_ticket_once_and_clears_the_parameters(app, smtp):
    edition = make_edition(COMING_YEAR, capacity=5, venue_name="Halle aux grains")
    registration, token = make_registration(edition, "ada@example.org", confirm=True)
    smtp.answer("421 4.3.0 Try again later", times=2)  # written all the same
    report = delivery.deliver_due()
    assert (report.sent, report.retry) == (0, 2)
    _link, ticket = _outbox()
    assert ticket.status == MailStatus.RETRY.value and ticket.parameters is None
    assert ticket.subject.startswith("Votre place est confirmée")
    assert f"/registration/{token}" in ticket.text_body
    assert [a.filename for a in ticket.attachments] == [
        f"{registration.reference}.png",
        "colloquium.ics",
    ]
    stored = (ticket.text_body, ticket.html_body)

    later = utcnow() + timedelta(hours=1)
    assert delivery.deliver_due(now=later).sent == 2
    # Retried in the order of their jittered times: find the ticket by its stored subject.
    [message] = [m for m in smtp.messages if m["Subject"] == ticket.subject]
    assert LINK.search(_text(message)).group(1) == token
    html = message.get_body(("html",))
    assert f'src="cid:{registration.reference}.png@colloquium"' in html.get_content()
    assert {part.get_filename() for part in message.iter_attachments()} == {
        f"{registration.reference}.png",
        "colloquium.ics",
    }
    [sent] = [mail for mail in _outbox() if mail.id == ticket.id]
    assert sent.status == MailStatus.SENT.value and (sent.text_body, sent.html_body) == stored


def test_the_position_is_the_one_at_queueing_time(app, smtp):
    edition = make_edition(COMING_YEAR, capacity=1)
    seated, _ = make_registration(edition, "seated@example.org", confirm=True)
    make_registration(edition, "first@example.org", confirm=True)
    make_registration(edition, "second@example.org", language="en", confirm=True)
    # Before any mail goes out, the seat is freed: "first" is promoted, "second" moves up.
    registrations.cancel_registration(seated)
    db.session.commit()
    delivery.deliver_due()
    [second_waitlisted] = [
        message
        for message in smtp.messages
        if message["To"] == "second@example.org" and "waiting list" in message["Subject"]
    ]
    # What was true when the request answered: number 2, as the page said then.
    assert "You are number 2 on the waiting list." in _text(second_waitlisted)


def test_a_mail_whose_registration_is_gone_fails_and_is_blanked(app, smtp, caplog):
    edition = make_edition(COMING_YEAR)
    registration, _ = make_registration(edition, "ada@example.org")
    # Gone without its mail (erasure and the purge forget the mail first: this is the rest).
    db.session.execute(sa.delete(Registration).where(Registration.id == registration.id))
    db.session.commit()
    report = delivery.deliver_due()
    assert (report.sent, report.failed) == (0, 1)
    assert smtp.messages == []
    [mail] = _outbox()
    assert mail.status == MailStatus.FAILED.value
    assert mail.last_error == delivery.NOTHING_TO_SEND
    assert (mail.recipient, mail.subject, mail.text_body, mail.parameters) == ("", "", "", None)
    assert mail.data_subject is None


def test_erasing_before_delivery_deletes_the_unwritten_mail(app, smtp):
    edition = make_edition(COMING_YEAR)
    registration, _ = make_registration(edition, "ada@example.org", confirm=True)
    registrations.erase_registration(registration)
    db.session.commit()
    [erased] = _outbox()  # the link and the ticket, never written, are gone
    assert erased.template == "registration/erased" and erased.parameters is None
    assert erased.subject != ""  # written at once: by delivery the person holds no data
    assert delivery.deliver_due().sent == 1
    [blanked] = _outbox()
    assert (blanked.recipient, blanked.text_body) == ("", "")


def test_a_mail_that_cannot_be_written_fails_and_is_written_again_when_retried(
    app, smtp, monkeypatch
):
    edition = make_edition(COMING_YEAR)
    _registration, token = make_registration(edition, "ada@example.org")

    def broken(template, language, parameters):
        """A writer with a bug."""
        raise RuntimeError("the template is broken")

    monkeypatch.setitem(outbox._WRITERS, "registration", broken)
    report = delivery.deliver_due()
    assert (report.sent, report.failed) == (0, 1)
    [mail] = _outbox()
    assert mail.status == MailStatus.FAILED.value
    assert mail.last_error == "RuntimeError: the template is broken"
    assert mail.parameters is not None  # kept: "send again" writes it anew

    monkeypatch.setitem(outbox._WRITERS, "registration", notifications.write_registration_mail)
    organiser = make_user("organiser@example.org", role="organiser")
    from colloquium.mail import services as mail_services

    mail_services.retry_mail(mail, organiser)
    db.session.commit()
    assert delivery.deliver_due().sent == 1
    [message] = smtp.messages
    assert LINK.search(_text(message)).group(1) == token


def test_without_smtp_the_log_shows_the_written_mail_and_the_row_waits(app, runner, caplog):
    edition = make_edition(COMING_YEAR)
    _registration, token = make_registration(edition, "ada@example.org")
    app.config["MAIL_SERVER"] = None
    with caplog.at_level(logging.INFO):
        result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert f"/registration/{token}" in caplog.text
    [mail] = _outbox()
    assert mail.status == MailStatus.QUEUED.value and mail.parameters is not None


def test_the_outbox_page_says_a_mail_is_written_when_sent(app, client):
    edition = make_edition(COMING_YEAR)
    make_registration(edition, "ada@example.org")
    make_user("organiser@example.org", role="organiser")
    log_in(client, "organiser@example.org")
    page = client.get("/admin/mail/?lang=en").get_data(as_text=True)
    assert "ada@example.org" in page and "(written when sent)" in page


def test_the_confirmation_request_runs_no_query_after_the_outbox_row(app, client, count_queries):
    edition = make_edition(COMING_YEAR, capacity=0)
    _registration, token = make_registration(edition, "ada@example.org")
    manage = f"/registration/{token}"
    form = {"csrf_token": csrf_token(client, manage)}
    with count_queries() as queries:
        assert client.post(f"{manage}/confirm", data=form).status_code == 302
    statements = [s.split()[0].upper() for s in queries.statements]
    # Joining the waiting list holds the edition row from its lock to the commit: only the
    # registration's update (which counts its position) and the outbox row come after the lock.
    # (FOR NO KEY UPDATE on PostgreSQL; SQLite runs write transactions one at a time.)
    lock = next(
        i
        for i, s in enumerate(queries.statements)
        if s.lstrip().startswith("SELECT edition.seats_taken, edition.capacity")
    )
    after = statements[lock + 1 :]
    assert after == ["UPDATE", "INSERT"], queries
    assert "outgoing_mail" in queries.statements[-1]


def test_the_migration_adds_the_parameters_and_its_downgrade_drops_unwritten_mail(make_app):
    app = make_app(create_schema=False)
    with app.app_context():
        script = ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())
        before = script.get_revision("0016").down_revision
        upgrade(revision=before)
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO outgoing_mail (recipient, template, language, subject, "
                    "text_body, html_body, message_id, status, attempts, next_attempt_at, "
                    "created_at, erase_after_delivery) VALUES ('a@example.org', 'mail/test', "
                    "'fr', 'Essai', 'Texte', '<p>Texte</p>', '<1@x>', 'queued', 0, :now, :now, "
                    "false)"
                ),
                {"now": "2026-01-01 00:00"},
            )
        upgrade(revision="0016")
        with db.engine.begin() as connection:
            assert connection.execute(
                sa.text("SELECT subject, parameters FROM outgoing_mail")
            ).all() == [("Essai", None)]
            connection.execute(
                sa.text(
                    "INSERT INTO outgoing_mail (recipient, template, language, subject, "
                    "text_body, html_body, message_id, status, attempts, next_attempt_at, "
                    "created_at, erase_after_delivery, parameters) VALUES ('b@example.org', "
                    "'registration/manage_link', 'fr', '', '', '', '<2@x>', 'queued', 0, :now, "
                    ":now, false, :parameters)"
                ),
                {"now": "2026-01-01 00:00", "parameters": '{"registration": 1}'},
            )
        downgrade(revision=before)
        with db.engine.begin() as connection:
            assert connection.execute(sa.text("SELECT recipient FROM outgoing_mail")).all() == [
                ("a@example.org",)
            ]
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("outgoing_mail")}
        assert "parameters" not in columns
