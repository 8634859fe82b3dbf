"""The outbox: rendering in the recipient's language, delivery over real SMTP, failures."""

import time
from datetime import timedelta

import jinja2
import pytest
import sqlalchemy as sa

from colloquium.clock import utcnow
from colloquium.config import Defaults
from colloquium.extensions import db
from colloquium.mail import delivery
from colloquium.mail.models import OutgoingMail, OutgoingMailAttachment
from colloquium.mail.outbox import MAX_ATTACHMENTS_BYTES, Attachment, queue_mail

ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:PUBLISH\r\nEND:VCALENDAR\r\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))


@pytest.fixture
def mail_templates(app, tmp_path):
    """A test-only e-mail, ``tests/greeting``, added to the app's templates."""
    folder = tmp_path / "mail-templates" / "email" / "tests"
    folder.mkdir(parents=True)
    (folder / "greeting.txt").write_text(
        '{% extends "email/base.txt" %}\n'
        "{% block subject %}\n  {{ _('Hello,') }}\n  {{ name }}\n{% endblock %}\n"
        "{% block body %}\n{% if name %}\nName: {{ name }}\n{% endif %}\n"
        "Link: {{ link }}\n{% endblock %}\n"
    )
    (folder / "greeting.html").write_text(
        '{% extends "email/base.html" %}\n'
        '{% block body %}<p>{{ name }}</p><a href="{{ link }}">{{ link }}</a>{% endblock %}\n'
    )
    app.jinja_loader = jinja2.ChoiceLoader(
        [app.jinja_loader, jinja2.FileSystemLoader(str(tmp_path / "mail-templates"))]
    )
    return "tests/greeting"


def queue_test_mail(to="ada@example.org", language="fr", attachments=()):
    return queue_mail(to, "mail/test", language, {"recipient": to}, attachments)


def deliver(**kwargs):
    return delivery.deliver_due(**kwargs)


def reload(mail_id) -> OutgoingMail:
    db.session.expire_all()
    return db.session.get(OutgoingMail, mail_id)


# --- queueing ---------------------------------------------------------------------------


def test_queue_mail_renders_subject_text_and_html_in_the_language_given(app):
    french = queue_test_mail(language="fr")
    english = queue_test_mail(language="en")
    assert french.status == "queued" and french.attempts == 0 and french.id
    assert french.subject == "Message d\u2019essai du site du colloque"
    assert english.subject == "Test message from the colloquium's website"
    assert french.text_body.startswith("Bonjour,\n\n")
    assert "-- \nEnsemble contre la traite des êtres humains — un collectif" in french.text_body
    assert "http://colloquium.test/privacy" in french.text_body
    assert '<html lang="fr">' in french.html_body and '<html lang="en">' in english.html_body
    assert "Hello," in english.html_body
    assert french.message_id.endswith("@colloquium.test>")


def test_subject_is_one_stripped_line_and_text_blocks_leave_no_blank_lines(app, mail_templates):
    mail = queue_mail("ada@example.org", mail_templates, "en", {"name": "Ada", "link": "x"})
    assert mail.subject == "Hello, Ada"
    assert mail.text_body.startswith("Name: Ada\nLink: x\n\n-- \n")


def test_context_is_escaped_in_html_and_not_in_text(app, mail_templates):
    mail = queue_mail(
        "ada@example.org", mail_templates, "en", {"name": "<b>Ada</b> & co", "link": "y"}
    )
    assert "<p>&lt;b&gt;Ada&lt;/b&gt; &amp; co</p>" in mail.html_body
    assert "Name: <b>Ada</b> & co" in mail.text_body


def test_attachments_are_stored_with_the_mail(app):
    mail = queue_test_mail(attachments=[Attachment("invite.ics", "text/calendar", ICS)])
    db.session.commit()
    stored = db.session.scalars(sa.select(OutgoingMailAttachment)).all()
    assert [(a.mail_id, a.filename, a.data) for a in stored] == [(mail.id, "invite.ics", ICS)]


@pytest.mark.parametrize(
    ("to", "template", "language", "attachments", "error"),
    [
        ("ada@example.org", "mail/test", "de", (), "unknown language"),
        ("ada@example.org", "../base", "fr", (), "not of the form"),
        ("ada@example.org\r\nBcc: eve@example.org", "mail/test", "fr", (), "one plain"),
        ("Ada <ada@example.org>", "mail/test", "fr", (), "one plain"),
        ("not an address", "mail/test", "fr", (), "one plain"),
        ("a" * 310 + "@example.org", "mail/test", "fr", (), "one plain"),
        ("ada@example.org", "mail/test", "fr", [Attachment("a", "text\nplain", b"")], "type"),
        ("ada@example.org", "mail/test", "fr", [Attachment("a/b", "text/plain", b"")], "name"),
        (
            "ada@example.org",
            "mail/test",
            "fr",
            [Attachment("big.bin", "application/octet-stream", bytes(MAX_ATTACHMENTS_BYTES + 1))],
            "attachments total",
        ),
    ],
)
def test_queue_mail_refuses_what_it_cannot_send(app, to, template, language, attachments, error):
    with pytest.raises(ValueError, match=error):
        queue_mail(to, template, language, {"recipient": to}, attachments)
    assert db.session.scalar(sa.select(sa.func.count(OutgoingMail.id))) == 0


def test_a_missing_template_is_an_error(app):
    with pytest.raises(jinja2.TemplateNotFound):
        queue_mail("ada@example.org", "mail/nothing", "fr", {})


def test_rolling_back_the_transaction_leaves_no_mail(app, smtp_server):
    smtp_server.configure(app)
    queue_test_mail(attachments=[Attachment("invite.ics", "text/calendar", ICS)])
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(OutgoingMail.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(OutgoingMailAttachment.id))) == 0
    assert deliver().attempted == 0
    assert smtp_server.messages == []


# --- delivery ---------------------------------------------------------------------------


def test_delivery_over_smtp_multipart_with_headers_and_attachments(app, smtp_server):
    smtp_server.configure(app)
    app.config["MAIL_REPLY_TO"] = "organisers@example.org"
    mail = queue_test_mail(
        language="fr",
        attachments=[
            Attachment("colloque.ics", "text/calendar; method=PUBLISH", ICS),
            Attachment("qr.png", "image/png", PNG),
        ],
    )
    db.session.commit()

    report = deliver()

    assert (report.sent, report.retry, report.failed) == (1, 0, 0)
    [message] = smtp_server.messages
    assert smtp_server.envelopes[0].rcpt_tos == ("ada@example.org",)
    assert smtp_server.envelopes[0].mail_from == "colloque@example.org"
    assert message["To"] == "ada@example.org"
    assert message["From"].addresses[0].addr_spec == "colloque@example.org"
    assert message["From"].addresses[0].display_name == "Colloque ECTEH"
    assert message["Reply-To"] == "organisers@example.org"
    assert message["Subject"] == "Message d\u2019essai du site du colloque"
    assert message["Message-ID"] == mail.message_id
    assert abs(message["Date"].datetime - utcnow()) < timedelta(minutes=1)
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_body(("plain",)).get_content().startswith("Bonjour,")
    assert '<html lang="fr">' in message.get_body(("html",)).get_content()
    attachments = {part.get_filename(): part for part in message.iter_attachments()}
    assert attachments["colloque.ics"].get_content_type() == "text/calendar"
    assert attachments["colloque.ics"].get_param("method") == "PUBLISH"
    assert attachments["colloque.ics"].get_payload(decode=True) == ICS
    assert attachments["qr.png"].get_content_type() == "image/png"
    assert attachments["qr.png"].get_payload(decode=True) == PNG
    row = reload(mail.id)
    assert (row.status, row.attempts, row.last_error, row.claimed_at) == ("sent", 1, None, None)
    assert row.finished_at is not None


def test_no_reply_to_header_unless_configured(app, smtp_server):
    smtp_server.configure(app)
    queue_test_mail(language="en")
    db.session.commit()
    deliver()
    [message] = smtp_server.messages
    assert message["Reply-To"] is None
    assert message["Subject"] == "Test message from the colloquium's website"


def test_nothing_due_means_nothing_sent(app, smtp_server):
    smtp_server.configure(app)
    mail = queue_test_mail()
    mail.next_attempt_at = utcnow() + timedelta(minutes=5)
    db.session.commit()
    assert deliver().attempted == 0
    assert smtp_server.messages == []


def test_server_down_then_retried_and_delivered_exactly_once(app, smtp_server):
    smtp_server.configure(app)
    first, second = queue_test_mail(), queue_test_mail(to="grace@example.org")
    db.session.commit()
    smtp_server.down()

    report = deliver()

    # The server does not answer: one attempt is spent, the other mail waits untouched.
    assert (report.sent, report.retry, report.failed) == (0, 1, 0)
    assert "ConnectionRefusedError" in report.unreachable
    row = reload(first.id)
    assert (row.status, row.attempts) == ("retry", 1)
    assert "ConnectionRefusedError" in row.last_error and "ada@" not in row.last_error
    assert row.next_attempt_at > utcnow()
    assert (reload(second.id).status, reload(second.id).attempts) == ("queued", 0)

    smtp_server.up()
    later = row.next_attempt_at + timedelta(seconds=1)
    assert deliver(now=later).sent == 2
    assert deliver(now=later + timedelta(hours=5)).attempted == 0
    assert sorted(m["To"] for m in smtp_server.messages) == [
        "ada@example.org",
        "grace@example.org",
    ]
    row = reload(first.id)
    assert (row.status, row.attempts) == ("sent", 2)
    assert "ConnectionRefusedError" in row.last_error  # the story of the mail is kept


def test_421_twice_then_250_gives_one_delivery_in_three_attempts(app, smtp_server):
    smtp_server.configure(app)
    mail = queue_test_mail()
    db.session.commit()
    smtp_server.answer("421 4.3.0 Try again later", times=2)

    moment = utcnow()
    statuses = []
    for _ in range(3):
        deliver(now=moment)
        row = reload(mail.id)
        statuses.append((row.status, row.attempts))
        moment = row.next_attempt_at + timedelta(seconds=1)

    assert statuses == [("retry", 1), ("retry", 2), ("sent", 3)]
    assert len(smtp_server.messages) == 1
    assert reload(mail.id).last_error == "421 4.3.0 Try again later"


def test_550_fails_for_good_without_retry(app, smtp_server):
    smtp_server.configure(app)
    mail = queue_test_mail()
    db.session.commit()
    smtp_server.answer("550 5.1.1 Mailbox unavailable")

    report = deliver()

    assert (report.sent, report.retry, report.failed) == (0, 0, 1)
    row = reload(mail.id)
    assert (row.status, row.attempts, row.last_error) == (
        "failed",
        1,
        "550 5.1.1 Mailbox unavailable",
    )
    assert deliver(now=utcnow() + timedelta(days=1)).attempted == 0
    assert smtp_server.messages == []


@pytest.mark.parametrize(
    ("reply", "status"),
    [("550 5.1.1 <ada@example.org>: no such user", "failed"), ("450 4.2.1 Mailbox busy", "retry")],
)
def test_a_refused_recipient_is_failed_or_retried_by_its_reply_code(
    app, smtp_server, reply, status
):
    smtp_server.configure(app)
    mail = queue_test_mail()
    db.session.commit()
    smtp_server.answer(reply, at="RCPT")

    deliver()

    row = reload(mail.id)
    assert (row.status, row.attempts, row.last_error) == (status, 1, reply)
    assert smtp_server.messages == []


def test_a_failing_message_does_not_stop_the_others(app, smtp_server):
    smtp_server.configure(app)
    refused, accepted = queue_test_mail(), queue_test_mail(to="grace@example.org")
    db.session.commit()
    smtp_server.answer("552 5.3.4 Message too big")

    report = deliver()

    assert (report.sent, report.failed) == (1, 1)
    assert reload(refused.id).status == "failed" and reload(accepted.id).status == "sent"


def test_attempts_are_bounded(app, smtp_server):
    smtp_server.configure(app)
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    mail = queue_test_mail()
    db.session.commit()
    smtp_server.answer("451 4.7.1 Greylisted", times=5)

    deliver()
    row = reload(mail.id)
    assert (row.status, row.attempts) == ("retry", 1)
    deliver(now=row.next_attempt_at + timedelta(seconds=1))
    row = reload(mail.id)
    assert (row.status, row.attempts) == ("failed", 2)
    assert row.last_error == "451 4.7.1 Greylisted (gave up after 2 attempts)"
    assert deliver(now=utcnow() + timedelta(days=2)).attempted == 0


def test_a_silent_server_cannot_hang_the_worker(app, smtp_server):
    smtp_server.configure(app)
    app.config["MAIL_TIMEOUT"] = 1
    mail = queue_test_mail()
    db.session.commit()
    smtp_server.black_hole()

    started = time.monotonic()
    report = deliver()
    elapsed = time.monotonic() - started

    assert elapsed < 5
    assert (report.sent, report.retry) == (0, 1)
    row = reload(mail.id)
    assert row.status == "retry" and "timed out" in row.last_error


def test_starttls_verifies_the_server_certificate(app, smtp_server, tmp_path):
    """A server offering STARTTLS with a self-signed certificate is not trusted."""
    import ssl
    import subprocess

    from aiosmtpd.controller import Controller

    from tests.smtp import HOST, free_port

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    port = free_port()
    server = Controller(object(), hostname=HOST, port=port, tls_context=context)
    server.start()
    try:
        app.config.update(MAIL_SERVER=HOST, MAIL_PORT=port, MAIL_USE_TLS=True)
        mail = queue_test_mail()
        db.session.commit()
        report = deliver()
    finally:
        server.stop()
        server.loop.close()
    assert report.retry == 1
    assert "CERTIFICATE_VERIFY_FAILED" in reload(mail.id).last_error


def test_retry_delays_grow_exponentially_with_jitter_and_a_ceiling():
    for attempts, minutes in [(1, 2), (2, 4), (3, 8), (4, 16), (7, 128)]:
        for _ in range(20):
            delay = delivery.retry_delay(attempts)
            assert timedelta(minutes=minutes) / 2 <= delay <= timedelta(minutes=minutes)
    delays = {delivery.retry_delay(3) for _ in range(20)}
    assert len(delays) > 1
    assert delivery.retry_delay(30) <= delivery.BACKOFF_LONGEST


def test_every_connection_gets_the_configured_timeout(app, smtp_server):
    smtp_server.configure(app)
    app.config["MAIL_TIMEOUT"] = 3
    with delivery.SMTPConnection() as connection:
        assert connection.host.timeout == 3
        assert connection.host.sock.gettimeout() == 3
    app.config["MAIL_TIMEOUT"] = None
    with delivery.SMTPConnection() as connection:
        assert connection.host.timeout == Defaults.MAIL_TIMEOUT


def test_a_message_that_cannot_be_encoded_fails_without_stopping_the_pass(
    app, smtp_server, monkeypatch
):
    smtp_server.configure(app)
    broken, fine = queue_test_mail(), queue_test_mail(to="grace@example.org")
    db.session.commit()
    original = delivery.SMTPConnection.send

    def send(self, message):
        if message.recipients == ["ada@example.org"]:
            raise UnicodeEncodeError("ascii", "é", 0, 1, "not ASCII")
        return original(self, message)

    monkeypatch.setattr(delivery.SMTPConnection, "send", send)

    report = deliver()

    assert (report.sent, report.failed) == (1, 1)
    assert reload(broken.id).status == "failed"
    assert reload(broken.id).last_error.startswith("UnicodeEncodeError")
    assert reload(fine.id).status == "sent"
