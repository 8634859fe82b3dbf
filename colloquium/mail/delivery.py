"""Delivering the outbox: claim one due mail at a time, send it with Flask-Mail, record how it went.

At least once: a mail is marked sent only after the SMTP server accepted it. A worker killed
between the two leaves its row in ``sending``; after ``STUCK_AFTER`` another worker claims it
again (it may then arrive twice, with the same Message-ID, which mail clients collapse).
"""

import random
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.encoders import encode_base64
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart

import flask_mail
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from colloquium.clock import utcnow
from colloquium.config import Defaults
from colloquium.extensions import db
from colloquium.log_redaction import KEEP_LINKS
from colloquium.mail import services
from colloquium.mail.models import (
    MailStatus,
    OutgoingMail,
    OutgoingMailAttachment,
    erased_values,
)
from colloquium.mail.outbox import Attachment, inline_content_id, shown_inline, write_mail

STUCK_AFTER = timedelta(minutes=10)
# Waits after failed attempt n: about 2, 4, 8 … minutes, at most four hours; eight attempts
# (MAIL_MAX_ATTEMPTS) span about four hours, long enough for an SMTP server to come back.
BACKOFF_FIRST = timedelta(minutes=2)
BACKOFF_LONGEST = timedelta(hours=4)
MAX_ERROR_LENGTH = 500


@dataclass(frozen=True)
class ClaimedMail:
    """What a worker needs to send one mail, read while it held the row."""

    id: int
    recipient: str
    subject: str
    text: str
    html: str
    message_id: str
    attempts: int
    claimed_at: datetime
    attachments: tuple[Attachment, ...] = ()
    erase_after_delivery: bool = False
    # Set when the mail could not be written (see ``write_claimed_mail``): it fails for good.
    unwritable: str | None = None


@dataclass(frozen=True)
class Outcome:
    status: MailStatus
    error: str | None = None
    server_unreachable: bool = False


@dataclass
class DeliveryReport:
    """What one pass did."""

    sent: int = 0
    retry: int = 0
    failed: int = 0
    unreachable: str | None = None

    @property
    def attempted(self) -> int:
        return self.sent + self.retry + self.failed

    def summary(self) -> str:
        line = f"sent {self.sent}, retry {self.retry}, failed {self.failed}"
        if self.unreachable:
            line += f" (SMTP server unreachable: {self.unreachable}; the rest waits)"
        return line


class SMTPConnection(flask_mail.Connection):
    """Flask-Mail's connection, always with a timeout and with verified TLS.

    Flask-Mail 0.10 opens smtplib connections without a timeout (a silent server would hang
    the worker for ever) and calls ``starttls()`` without a context (no certificate check).
    Settings are read when connecting, and whether mail goes out at all is the outbox's
    decision (``MAIL_SERVER`` set or not), so ``MAIL_SUPPRESS_SEND`` plays no part here.
    """

    def __init__(self) -> None:
        super().__init__(current_app.extensions["mail"])

    def __enter__(self) -> "SMTPConnection":
        self.host = self.configure_host()
        self.num_emails = 0
        return self

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        self.close(politely=exc_type is None)

    def configure_host(self) -> smtplib.SMTP:
        config = current_app.config
        # An unset timeout would let a silent server hang the worker: never go without one.
        timeout = float(config.get("MAIL_TIMEOUT") or Defaults.MAIL_TIMEOUT)
        context = ssl.create_default_context()
        server, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
        host: smtplib.SMTP
        if config.get("MAIL_USE_SSL"):
            host = smtplib.SMTP_SSL(server, port, timeout=timeout, context=context)
        else:
            host = smtplib.SMTP(server, port, timeout=timeout)
        try:
            if config.get("MAIL_USE_TLS"):
                host.starttls(context=context)
            if config.get("MAIL_USERNAME") and config.get("MAIL_PASSWORD"):
                host.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        except BaseException:
            host.close()
            raise
        return host

    def close(self, politely: bool = True) -> None:
        """End the SMTP session (QUIT when it is healthy), never raising."""
        host, self.host = self.host, None
        if host is None:
            return
        try:
            if politely:
                host.quit()
        except (smtplib.SMTPException, OSError):
            pass
        finally:
            host.close()


class Courier:
    """Sends claimed mails over one SMTP connection, opened when first needed."""

    def __init__(self) -> None:
        self.connection: SMTPConnection | None = None

    def deliver(self, mail: ClaimedMail) -> Outcome:
        """Try to send ``mail`` once; say whether it was sent, should be retried, or failed."""
        try:
            message = build_message(mail)
        except Exception as error:
            current_app.logger.exception("Mail %s could not be built", mail.id)
            return Outcome(MailStatus.FAILED, _describe(error))
        if self.connection is None:
            try:
                connection = SMTPConnection()
                connection.__enter__()
            except (smtplib.SMTPException, OSError) as error:
                return Outcome(MailStatus.RETRY, _describe(error), server_unreachable=True)
            self.connection = connection
        try:
            self.connection.send(message)
        except smtplib.SMTPRecipientsRefused as error:
            self.close(politely=False)
            code, reply = next(iter(error.recipients.values()))
            return Outcome(_status_for(code), _describe_reply(code, reply))
        except smtplib.SMTPResponseException as error:
            self.close(politely=False)
            return Outcome(
                _status_for(error.smtp_code), _describe_reply(error.smtp_code, error.smtp_error)
            )
        except (smtplib.SMTPException, OSError) as error:
            self.close(politely=False)
            return Outcome(MailStatus.RETRY, _describe(error))
        except Exception as error:
            # Not the network, not the server: trying again would fail the same way.
            current_app.logger.exception("Mail %s could not be sent", mail.id)
            self.close(politely=False)
            return Outcome(MailStatus.FAILED, _describe(error))
        return Outcome(MailStatus.SENT)

    def close(self, politely: bool = True) -> None:
        if self.connection is not None:
            self.connection.close(politely=politely)
            self.connection = None


class Message(flask_mail.Message):
    """Flask-Mail's message, with the images its HTML shows beside it in multipart/related.

    Flask-Mail 0.10 puts every attachment side by side in multipart/mixed, where mail clients
    do not resolve an HTML ``cid:`` reference. Here the HTML part becomes
    multipart/related (the HTML, then each image with its Content-ID, inline), inside the
    usual multipart/alternative; the attachments stay in multipart/mixed as files.
    """

    def __init__(self, *args, inline_images: tuple[Attachment, ...] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.inline_images = inline_images

    def _message(self) -> MIMEBase:
        message = super()._message()
        if not self.inline_images or not self.html:
            return message
        alternative = next(
            part
            for part in message.get_payload()
            if part.get_content_type() == "multipart/alternative"
        )
        parts = alternative.get_payload()
        html = next(i for i, part in enumerate(parts) if part.get_content_type() == "text/html")
        related = MIMEMultipart("related")
        related.attach(parts[html])
        for image in self.inline_images:
            part = MIMEBase(*image.content_type.split("/", 1))
            part.set_payload(image.data)
            encode_base64(part)
            part.add_header("Content-ID", f"<{inline_content_id(image.filename)}>")
            part.add_header("Content-Disposition", "inline", filename=image.filename)
            related.attach(part)
        parts[html] = related
        return message


def build_message(mail: ClaimedMail) -> flask_mail.Message:
    """The Flask-Mail message for ``mail``: multipart text and HTML, attachments, headers.

    An image the HTML shows (``cid:``, see ``outbox.inline_src``) is sent inline beside the
    HTML and also attached as a file, so it can be saved or printed.
    """
    config = current_app.config
    message = Message(
        subject=mail.subject,
        recipients=[mail.recipient],
        body=mail.text,
        html=mail.html,
        sender=config["MAIL_DEFAULT_SENDER"],
        reply_to=config.get("MAIL_REPLY_TO") or None,
        date=time.time(),
        charset="utf-8",
        # RFC 3834: a transactional message; auto-responders should not answer it.
        extra_headers={"Auto-Submitted": "auto-generated"},
        inline_images=tuple(a for a in mail.attachments if shown_inline(a, mail.html)),
    )
    message.msgId = mail.message_id  # chosen when queued: every attempt carries the same one
    for attachment in mail.attachments:
        message.attach(attachment.filename, attachment.content_type, attachment.data)
    return message


def deliver_due(
    now: datetime | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    stuck_after: timedelta = STUCK_AFTER,
) -> DeliveryReport:
    """Send every due mail once, each claimed so no other worker sends it; one pass."""
    clock = (lambda: now) if now is not None else utcnow
    report = DeliveryReport()
    abandoned = fail_abandoned_mail(clock(), stuck_after)
    report.failed += abandoned
    courier = Courier()
    try:
        while not should_stop():
            mail = claim_next_mail(clock(), stuck_after)
            if mail is None:
                break
            if mail.unwritable is not None:
                outcome = Outcome(MailStatus.FAILED, mail.unwritable)
            else:
                outcome = courier.deliver(mail)
            status = record_outcome(mail, outcome, clock())
            if status is MailStatus.SENT:
                report.sent += 1
                current_app.logger.info("Mail %s sent", mail.id)
            elif status is MailStatus.RETRY:
                report.retry += 1
                current_app.logger.warning("Mail %s will be retried: %s", mail.id, outcome.error)
            else:
                report.failed += 1
                current_app.logger.error("Mail %s failed: %s", mail.id, outcome.error)
            if outcome.server_unreachable:
                # The server is down or silent: do not spend every other mail's attempt on it.
                report.unreachable = outcome.error
                break
    finally:
        courier.close()
    return report


def due_condition(now: datetime, stuck_after: timedelta) -> sa.ColumnElement[bool]:
    """Waiting mail whose time has come, and mail a vanished worker left in ``sending``."""
    return sa.or_(
        sa.and_(
            OutgoingMail.status.in_([MailStatus.QUEUED.value, MailStatus.RETRY.value]),
            OutgoingMail.next_attempt_at <= now,
        ),
        sa.and_(
            OutgoingMail.status == MailStatus.SENDING.value,
            OutgoingMail.claimed_at <= now - stuck_after,
        ),
    )


def claim_next_mail(now: datetime, stuck_after: timedelta = STUCK_AFTER) -> ClaimedMail | None:
    """Take the next due mail for this worker alone, and commit that it is being sent."""
    # PostgreSQL: rows another worker holds are skipped, not waited for. SQLite: outside
    # requests every transaction begins IMMEDIATE (colloquium/db.py), so one worker at
    # a time runs this select-then-update.
    query = (
        sa.select(OutgoingMail)
        .where(due_condition(now, stuck_after))
        .order_by(OutgoingMail.next_attempt_at, OutgoingMail.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    mail = db.session.scalar(query)
    if mail is None:
        db.session.commit()
        return None
    if mail.status == MailStatus.SENDING.value:
        current_app.logger.warning("Mail %s was left in sending; trying it again", mail.id)
    mail.status = MailStatus.SENDING.value
    mail.claimed_at = now
    mail.attempts += 1
    unwritable = write_claimed_mail(mail) if mail.parameters is not None else None
    claimed = ClaimedMail(
        id=mail.id,
        recipient=mail.recipient,
        subject=mail.subject,
        text=mail.text_body,
        html=mail.html_body,
        message_id=mail.message_id,
        attempts=mail.attempts,
        claimed_at=now,
        attachments=tuple(Attachment(a.filename, a.content_type, a.data) for a in mail.attachments),
        erase_after_delivery=mail.erase_after_delivery,
        unwritable=unwritable,
    )
    # Commit before talking to SMTP: no transaction (nor SQLite's write lock) is held meanwhile.
    db.session.commit()
    return claimed


NOTHING_TO_SEND = "Nothing to send: what this e-mail was about no longer exists."


def write_claimed_mail(mail: OutgoingMail) -> str | None:
    """Write a mail queued for later into its row, once; why it cannot be written, if so.

    Written once, at its first attempt: every retry then sends the same mail, and the
    parameters are cleared, since nothing needs them any more (the texts say it all). A
    mail about a registration gone since is blanked and fails: no one is left to tell. A
    mail that cannot be written keeps its parameters, so that "send again" writes it anew
    once the cause is fixed.
    """
    try:
        written = write_mail(mail.template, mail.language, mail.parameters or {})
    except SQLAlchemyError:
        raise  # the database, not the mail: the next pass tries again
    except Exception as error:
        current_app.logger.exception("Mail %s could not be written", mail.id)
        return _describe(error)
    if written is None:
        # No one is left to tell: blank the row now (the failure is recorded after).
        for name, value in erased_values(None).items():
            setattr(mail, name, value)
        return NOTHING_TO_SEND
    mail.subject = written.rendered.subject
    mail.text_body = written.rendered.text
    mail.html_body = written.rendered.html
    mail.attachments = [
        OutgoingMailAttachment(filename=a.filename, content_type=a.content_type, data=a.data)
        for a in written.attachments
    ]
    mail.parameters = None
    return None


def record_outcome(mail: ClaimedMail, outcome: Outcome, now: datetime) -> MailStatus:
    """Write how the attempt went, unless another worker has reclaimed the row since."""
    values: dict = {"claimed_at": None}
    if outcome.error is not None:  # a mail sent at last keeps the error of its last retry
        values["last_error"] = outcome.error
    status = outcome.status
    if status is MailStatus.RETRY and mail.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        status = MailStatus.FAILED
        values["last_error"] = _truncate(
            f"{outcome.error} (gave up after {mail.attempts} attempts)"
        )
    values["status"] = status.value
    if status is MailStatus.RETRY:
        values["next_attempt_at"] = now + retry_delay(mail.attempts)
    else:
        values["finished_at"] = now
    db.session.execute(
        sa.update(OutgoingMail)
        .where(
            OutgoingMail.id == mail.id,
            OutgoingMail.status == MailStatus.SENDING.value,
            OutgoingMail.claimed_at == mail.claimed_at,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if mail.erase_after_delivery and status is not MailStatus.RETRY:
        # Its recipient was erased: the address and text were kept only to deliver this.
        services.erase_finished_mail(OutgoingMail.id == mail.id)
    db.session.commit()
    return status


def fail_abandoned_mail(now: datetime, stuck_after: timedelta = STUCK_AFTER) -> int:
    """Give up on mail left in ``sending`` by a vanished worker during its last attempt."""
    result = db.session.execute(
        sa.update(OutgoingMail)
        .where(
            OutgoingMail.status == MailStatus.SENDING.value,
            OutgoingMail.claimed_at <= now - stuck_after,
            OutgoingMail.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"],
        )
        .values(
            status=MailStatus.FAILED.value,
            claimed_at=None,
            finished_at=now,
            last_error="Interrupted while sending, and no attempt left.",
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:
        services.erase_finished_mail()
    db.session.commit()
    return result.rowcount


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after ``attempts`` failed attempts: exponential, with jitter."""
    ceiling = min(BACKOFF_FIRST * 2 ** max(attempts - 1, 0), BACKOFF_LONGEST)
    # Half fixed, half random: workers retrying after one outage do not all return at once.
    return ceiling / 2 + ceiling * (random.random() / 2)  # noqa: S311 (jitter, not a secret)


def log_pending_mail(after_id: int = 0) -> tuple[int, int]:
    """Log undelivered mail newer than ``after_id`` in full (no SMTP configured: development).

    Returns how many were logged and the last id seen. Nothing changes in the outbox: the
    same mail is delivered once ``MAIL_SERVER`` is set.
    """
    mails = db.session.scalars(
        sa.select(OutgoingMail)
        .where(
            OutgoingMail.id > after_id,
            OutgoingMail.status.in_([MailStatus.QUEUED.value, MailStatus.RETRY.value]),
        )
        .order_by(OutgoingMail.id)
    ).all()
    for mail in mails:
        subject, text = mail.subject, mail.text_body
        if mail.parameters is not None:
            # Written for the log only: the row stays as it is, to be written when sent.
            try:
                written = write_mail(mail.template, mail.language, mail.parameters)
            except SQLAlchemyError:
                raise
            except Exception:
                current_app.logger.exception("Mail %s could not be written", mail.id)
                continue
            if written is None:
                current_app.logger.info("Mail %s not sent: %s", mail.id, NOTHING_TO_SEND)
                continue
            subject, text = written.rendered.subject, written.rendered.text
        current_app.logger.info(
            "Mail %s not sent (no MAIL_SERVER configured)\nTo: %s\nSubject: %s\n\n%s",
            mail.id,
            mail.recipient,
            subject,
            text,
            extra=KEEP_LINKS,  # development only: these links are what the log is read for
        )
    last_id = mails[-1].id if mails else after_id
    db.session.commit()
    return len(mails), last_id


def _status_for(code: int) -> MailStatus:
    # 5xx is the server's final word on this message; anything else may succeed later.
    return MailStatus.FAILED if 500 <= code < 600 else MailStatus.RETRY


def _describe_reply(code: int, reply: bytes | str) -> str:
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "replace")
    return _truncate(f"{code} {' '.join(reply.split())}")


def _describe(error: BaseException) -> str:
    # The exception's own text, never the message: it holds no recipient's details.
    if isinstance(error, smtplib.SMTPResponseException):
        return _describe_reply(error.smtp_code, error.smtp_error)
    return _truncate(f"{type(error).__name__}: {error}")


def _truncate(text: str) -> str:
    return text if len(text) <= MAX_ERROR_LENGTH else text[: MAX_ERROR_LENGTH - 1] + "…"
