"""Workers: claiming without double sends, reclaiming stuck mail, the commands, SIGTERM."""

import logging
import os
import signal
import subprocess
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from colloquium.clock import utcnow
from colloquium.extensions import db
from colloquium.mail import delivery
from colloquium.mail.models import OutgoingMail
from colloquium.mail.outbox import queue_mail
from tests.conftest import python_on_the_test_clock

ROOT = Path(__file__).resolve().parent.parent


def queue(count=1, language="en"):
    """Queue ``count`` test e-mails and commit; their ids (read before the commit)."""
    ids = []
    for number in range(count):
        to = f"attendee{number}@example.org"
        ids.append(queue_mail(to, "mail/test", language, {"recipient": to}).id)
    db.session.commit()
    return ids


def rows():
    db.session.expire_all()
    return db.session.scalars(sa.select(OutgoingMail).order_by(OutgoingMail.id)).all()


def test_workers_racing_send_each_mail_exactly_once(app, smtp_server):
    """Real threads, each a worker with its own session (SKIP LOCKED on PostgreSQL)."""
    smtp_server.configure(app)
    ids = queue(24)
    workers = 4
    start = threading.Barrier(workers)
    errors = []

    def work():
        try:
            with app.app_context():
                start.wait(10)
                while delivery.deliver_due().attempted:
                    pass
                db.session.remove()
        except Exception as error:  # reported below: a thread's exception would vanish
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert len(smtp_server.messages) == len(ids)
    assert len({m["Message-ID"] for m in smtp_server.messages}) == len(ids)
    assert [(r.status, r.attempts) for r in rows()] == [("sent", 1)] * len(ids)


@pytest.mark.skipif(
    not os.environ.get("COLLOQUIUM_TEST_DATABASE_URL"), reason="PostgreSQL row locks"
)
def test_postgresql_claims_skip_rows_another_worker_holds(app):
    """While one transaction holds the first due row, another worker claims the second."""
    first, second = queue(2)
    with db.engine.connect() as other:
        other.execute(sa.select(OutgoingMail.id).where(OutgoingMail.id == first).with_for_update())
        # Were the row waited for instead of skipped, this would fail rather than hang.
        db.session.execute(sa.text("SET lock_timeout = '2s'"))
        claimed = delivery.claim_next_mail(utcnow())
        other.rollback()
    assert claimed.id == second


def test_a_pass_stops_between_messages_when_asked(app, smtp_server):
    smtp_server.configure(app)
    queue(3)

    report = delivery.deliver_due(should_stop=lambda: len(smtp_server.messages) >= 1)

    assert report.sent == 1
    assert [r.status for r in rows()] == ["sent", "queued", "queued"]


def test_mail_left_in_sending_by_a_vanished_worker_is_sent_again(app, smtp_server):
    smtp_server.configure(app)
    stuck, recent = queue(2)
    now = utcnow()
    for mail_id, claimed in [(stuck, now - timedelta(minutes=11)), (recent, now)]:
        mail = db.session.get(OutgoingMail, mail_id)
        mail.status, mail.attempts, mail.claimed_at = "sending", 1, claimed
    db.session.commit()

    report = delivery.deliver_due(now=now + timedelta(seconds=1))

    assert report.sent == 1
    stuck_row, recent_row = rows()
    assert (stuck_row.status, stuck_row.attempts) == ("sent", 2)
    assert (recent_row.status, recent_row.attempts) == ("sending", 1)  # its worker is alive
    assert [m["To"] for m in smtp_server.messages] == ["attendee0@example.org"]


def test_mail_stuck_in_its_last_attempt_fails(app, smtp_server):
    smtp_server.configure(app)
    [mail_id] = queue(1)
    mail = db.session.get(OutgoingMail, mail_id)
    mail.status, mail.claimed_at = "sending", utcnow() - timedelta(hours=1)
    mail.attempts = app.config["MAIL_MAX_ATTEMPTS"]
    db.session.commit()

    report = delivery.deliver_due()

    assert (report.sent, report.failed) == (0, 1)
    [row] = rows()
    assert row.status == "failed" and row.last_error.startswith("Interrupted while sending")
    assert smtp_server.messages == []


def test_an_outcome_is_not_written_over_a_reclaimed_row(app):
    [mail_id] = queue(1)
    claimed = delivery.claim_next_mail(utcnow())
    row = db.session.get(OutgoingMail, mail_id)
    row.claimed_at = utcnow() + timedelta(seconds=5)  # another worker took it over
    db.session.commit()

    delivery.record_outcome(claimed, delivery.Outcome(delivery.MailStatus.SENT), utcnow())

    [row] = rows()
    assert row.status == "sending" and row.finished_at is None


def test_mail_send_command_prints_the_counts(app, runner, smtp_server):
    smtp_server.configure(app)
    queue(3)
    smtp_server.answer("550 5.1.1 No such user")
    smtp_server.answer("421 4.3.0 Busy")

    result = runner.invoke(args=["mail", "send"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "sent 1, retry 1, failed 1"
    assert len(smtp_server.messages) == 1


def test_mail_send_command_says_when_the_server_is_unreachable(app, runner, smtp_server):
    smtp_server.configure(app)
    queue(2)
    smtp_server.down()

    result = runner.invoke(args=["mail", "send"])

    assert result.exit_code == 0, result.output
    assert result.output.startswith("sent 0, retry 1, failed 0 (SMTP server unreachable: ")
    assert [r.status for r in rows()] == ["retry", "queued"]


def test_without_smtp_mail_is_logged_and_kept_for_later(app, runner, caplog):
    assert app.config["MAIL_SERVER"] is None
    queue(1, language="fr")

    with caplog.at_level(logging.INFO, logger=app.logger.name):
        result = runner.invoke(args=["mail", "send"])

    assert result.exit_code == 0, result.output
    assert "No MAIL_SERVER configured: 1 e-mail(s) written to the log" in result.output
    assert "To: attendee0@example.org" in caplog.text
    assert "Subject: Message d\u2019essai du site du colloque" in caplog.text
    assert "http://colloquium.test/privacy" in caplog.text
    [row] = rows()
    assert (row.status, row.attempts) == ("queued", 0)

    assert "no e-mail waiting" not in result.output
    db.session.delete(row)
    db.session.commit()
    assert "no e-mail waiting" in runner.invoke(args=["mail", "send"]).output


def test_without_smtp_the_worker_logs_each_mail_once(app):
    _, second = queue(2)
    assert delivery.log_pending_mail() == (2, second)
    assert delivery.log_pending_mail(second) == (0, second)
    [third] = queue(1)
    assert delivery.log_pending_mail(second) == (1, third)


def test_mail_status_and_test_commands(app, runner, smtp_server):
    smtp_server.configure(app)
    result = runner.invoke(args=["mail", "test", "ops@example.org", "--language", "en"])
    assert result.exit_code == 0, result.output
    assert "queued" in result.output
    assert runner.invoke(args=["mail", "status"]).output.startswith("queued 1, sending 0, sent 0")
    assert runner.invoke(args=["mail", "send"]).output.strip() == "sent 1, retry 0, failed 0"
    [message] = smtp_server.messages
    assert "Sent to: ops@example.org" in message.get_body(("plain",)).get_content()

    refused = runner.invoke(args=["mail", "test", "not-an-address"])
    assert refused.exit_code == 2 and "one plain e-mail address" in refused.output


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_the_worker_delivers_and_stops_cleanly_on_a_signal(
    app, smtp_server, instance_path, stop_signal
):
    queue(1)
    env = {
        **os.environ,
        "COLLOQUIUM_SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "COLLOQUIUM_SECRET_KEY": "test-secret-key",
        "COLLOQUIUM_PUBLIC_URL": "http://colloquium.test",
        "COLLOQUIUM_MAIL_SERVER": "127.0.0.1",
        "COLLOQUIUM_MAIL_PORT": str(smtp_server.port),
    }
    worker = subprocess.Popen(
        [
            *python_on_the_test_clock(),  # the mail was queued by the tests' clock
            "-m",
            "flask",
            "--app",
            f"colloquium:create_app(instance_path={instance_path!r})",
            *("mail", "worker", "--interval", "60"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert smtp_server.wait_for(1, timeout=30)
        worker.send_signal(stop_signal)
        # The worker was sleeping for 60 s: it must wake up and leave at once.
        output, _ = worker.communicate(timeout=15)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
    assert worker.returncode == 0, output
    assert "Mail worker started" in output
    assert "Mail 1 sent" in output
    assert output.rstrip().endswith("Mail worker stopped.")
    [row] = rows()
    assert row.status == "sent"
