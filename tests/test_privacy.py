"""Retention: the registry of steps, ``flask privacy purge``, and the outbox's 30 days."""

from datetime import timedelta

import sqlalchemy as sa

from colloquium.clock import utcnow
from colloquium.extensions import db
from colloquium.mail.models import OutgoingMail, OutgoingMailAttachment
from colloquium.mail.outbox import Attachment, queue_mail
from colloquium.mail.services import purge_sent_mail
from colloquium.privacy import services


def mail_in(status, age_days, finished=True, attachment=False):
    now = utcnow()
    mail = queue_mail(
        "ada@example.org",
        "mail/test",
        "en",
        {"recipient": "ada@example.org"},
        [Attachment("a.ics", "text/calendar", b"x")] if attachment else (),
    )
    mail.status = status
    mail.created_at = now - timedelta(days=age_days, hours=1)
    if finished:
        mail.finished_at = now - timedelta(days=age_days)
    if status == "sending":
        mail.claimed_at = now - timedelta(days=age_days)
    db.session.flush()
    return mail.id


def remaining_ids():
    db.session.expire_all()
    return set(db.session.scalars(sa.select(OutgoingMail.id)))


def test_outbox_rows_are_purged_after_30_days(app):
    old_sent = mail_in("sent", 31, attachment=True)
    old_failed = mail_in("failed", 31)
    old_queued = mail_in("queued", 31, finished=False)
    old_retry = mail_in("retry", 31, finished=False)
    kept = {
        mail_in("sent", 29),
        mail_in("failed", 29),
        mail_in("queued", 29, finished=False),
        mail_in("sending", 31, finished=False),  # a worker is on it
    }
    db.session.commit()

    assert purge_sent_mail(older_than_days=30) == 4
    db.session.commit()

    assert remaining_ids() == kept
    assert not {old_sent, old_failed, old_queued, old_retry} & remaining_ids()
    assert db.session.scalar(sa.select(sa.func.count(OutgoingMailAttachment.id))) == 0
    assert purge_sent_mail() == 0


def test_the_outbox_is_a_registered_retention_step(app):
    assert "outbox" in [step.name for step in services.retention_steps()]


def test_privacy_purge_command_reports_each_step_and_is_idempotent(app, runner):
    mail_in("sent", 40)
    mail_in("sent", 1)
    db.session.commit()

    first = runner.invoke(args=["privacy", "purge"])
    second = runner.invoke(args=["privacy", "purge"])

    assert first.exit_code == 0, first.output
    assert "outbox: 1 removed (e-mails sent, failed or undelivered more than 30 days ago)" in (
        first.output
    )
    assert second.exit_code == 0 and "outbox: 0 removed" in second.output
    assert len(remaining_ids()) == 1


def test_a_failing_step_spares_the_others_and_fails_the_command(app, runner, monkeypatch):
    def broken():
        db.session.execute(sa.delete(OutgoingMail))
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "_steps", dict(services._steps))
    services.retention_step("broken", "always fails")(broken)
    mail_in("sent", 40)
    kept = mail_in("sent", 1)
    db.session.commit()

    result = runner.invoke(args=["privacy", "purge"])

    assert result.exit_code == 1
    assert "outbox: 1 removed" in result.output
    assert "broken: FAILED (RuntimeError: disk on fire)" in result.output
    assert remaining_ids() == {kept}  # the broken step's deletion was rolled back
