"""Queueing mail: render a bilingual template and add it to the caller's transaction.

Two ways: ``queue_mail`` renders the mail at once; ``queue_mail_later`` stores only what the
mail is made from (small JSON parameters captured now) and the worker writes it just before
sending, through the function its domain registered with ``@writes_mail``. The second keeps
QR codes, calendar files and templates out of the request (and out of its locks).
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.utils import make_msgid, parseaddr
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import force_locale
from jinja2 import Environment

from colloquium.content.tracking import execute_unshown
from colloquium.extensions import db
from colloquium.links import external_url
from colloquium.mail.models import OutgoingMail, OutgoingMailAttachment
from colloquium.people import smtp_address

# Whole e-mails, attachments included, are kept in the database until delivered: bound them.
MAX_ATTACHMENTS_BYTES = 10 * 1024 * 1024
TEMPLATE_NAME = re.compile(r"^[a-z0-9_-]+/[a-z0-9_-]+$")
CONTENT_TYPE = re.compile(r"^[\w.+-]+/[\w.+-]+(\s*;\s*[\w.+-]+=(\"[^\"\r\n/]*\"|[\w.+-]+))*$")
BLANK_LINES = re.compile(r"\n{3,}")
MAIL_ENVIRONMENT = "colloquium.mail.jinja_env"


class UndeliverableAddress(ValueError):
    """The recipient is no address SMTP can deliver to (e.g. accents before the @)."""


@dataclass(frozen=True)
class Attachment:
    """A file to send with an e-mail."""

    filename: str
    content_type: str  # e.g. "text/calendar; method=PUBLISH", "image/png"
    data: bytes


# An image attachment is also shown in the HTML when the HTML refers to it by
# "cid:<filename>@colloquium" (see ``inline_src``): the outbox keeps it once, delivery puts a
# copy beside the HTML (multipart/related). No column needed: the HTML says it.
INLINE_FILENAME = re.compile(r"^[A-Za-z0-9_.-]+$")
INLINE_DOMAIN = "colloquium"


def inline_content_id(filename: str) -> str:
    """The Content-ID (without its angle brackets) of an image shown in the HTML."""
    if not INLINE_FILENAME.match(filename):
        raise ValueError(f"{filename!r} cannot be shown inline: letters, digits, . _ - only")
    return f"{filename}@{INLINE_DOMAIN}"


def inline_src(attachment: Attachment) -> str:
    """The ``src`` of an ``<img>`` showing this image attachment in the mail's HTML."""
    if not attachment.content_type.startswith("image/"):
        raise ValueError(f"only images are shown inline, not {attachment.content_type!r}")
    return f"cid:{inline_content_id(attachment.filename)}"


def shown_inline(attachment: Attachment, html: str) -> bool:
    """Whether ``html`` shows this attachment (it is then sent inline as well as attached)."""
    return (
        attachment.content_type.startswith("image/")
        and INLINE_FILENAME.match(attachment.filename) is not None
        and f'"cid:{inline_content_id(attachment.filename)}"' in html
    )


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class MailContent:
    """What a domain gives to write a mail queued for later: the template's context, files."""

    context: dict
    attachments: Sequence[Attachment] = ()


@dataclass(frozen=True)
class WrittenMail:
    """A mail queued for later, written: its texts and its attachments."""

    rendered: RenderedMail
    attachments: tuple[Attachment, ...]


# (template, language, parameters) -> the content, or None when what the mail was about is
# gone (the registration deleted or erased): there is then nothing left to send.
ContentWriter = Callable[[str, str, dict], MailContent | None]
_WRITERS: dict[str, ContentWriter] = {}


def writes_mail(domain: str) -> Callable[[ContentWriter], ContentWriter]:
    """Register the function that gives the content of ``<domain>/…`` mail queued for later.

    The mail domain cannot import the others (they build on it): each tells it, when
    imported, how to write its own mail.
    """

    def register(writer: ContentWriter) -> ContentWriter:
        _WRITERS[domain] = writer
        return writer

    return register


def _deliverable(to: str, language: str) -> str:
    """``to`` in the form SMTP delivers to, once it and ``language`` are checked."""
    _check_recipient(to)
    try:
        to = smtp_address(to)
    except ValueError as error:
        raise UndeliverableAddress(str(error)) from None
    if language not in current_app.config["LANGUAGES"]:
        raise ValueError(f"unknown language {language!r}")
    return to


# Built once: the columns come with each execution, so SQLAlchemy neither builds nor keys a
# new statement for every mail queued.
_QUEUE_LATER = sa.insert(OutgoingMail.__table__)


def queue_mail_later(
    to: str,
    template: str,
    language: str,
    parameters: dict,
    *,
    data_subject: str | None = None,
    erase_after_delivery: bool = False,
) -> None:
    """Add an outbox row that the worker writes just before sending (no commit).

    ``parameters`` (JSON: ids, the state announced, the link to carry) are what the mail
    must say as of now; the rest is read when it is written. Checked as ``queue_mail``
    checks, so a mail that could never be written is refused now, not at delivery.

    One INSERT of the row's columns in the session's transaction, with no object for the
    session to track: it is in a request that answers a burst of registrations, and
    nothing reads the row back before the worker does.
    """
    to = _deliverable(to, language)
    if not TEMPLATE_NAME.match(template):
        raise ValueError(f"template {template!r} is not of the form 'domain/name'")
    if template.split("/", 1)[0] not in _WRITERS:
        raise ValueError(f"no function writes {template!r} (see writes_mail)")
    execute_unshown(
        db.session,
        _QUEUE_LATER,
        {
            "recipient": to,
            "template": template,
            "language": language,
            "subject": "",
            "text_body": "",
            "html_body": "",
            "parameters": dict(parameters),
            "message_id": make_msgid(domain=_public_host()),
            "data_subject": data_subject,
            "erase_after_delivery": erase_after_delivery,
        },
    )


def write_mail(template: str, language: str, parameters: dict) -> WrittenMail | None:
    """Write a mail queued for later: its subject, texts and attachments, as of now.

    ``None`` when what it was about is gone. Raises ``LookupError`` for a template no
    domain writes, ``ValueError`` for attachments ``queue_mail`` would refuse.
    """
    writer = _WRITERS.get(template.split("/", 1)[0])
    if writer is None:
        raise LookupError(f"no function writes {template!r} (see writes_mail)")
    content = writer(template, language, parameters)
    if content is None:
        return None
    _check_attachments(content.attachments)
    return WrittenMail(
        rendered=render_mail(template, language, content.context),
        attachments=tuple(content.attachments),
    )


def queue_mail(
    to: str,
    template: str,
    language: str,
    context: dict,
    attachments: Sequence[Attachment] = (),
    *,
    data_subject: str | None = None,
    erase_after_delivery: bool = False,
) -> OutgoingMail:
    """Render templates/email/<template>.txt and .html in `language` and add an outbox row
    to the current db.session (flush, no commit).

    ``data_subject`` names whose personal data the mail holds ("registration:42"), so that
    erasing them finds it; ``erase_after_delivery`` blanks the row once it is sent or failed.
    The recipient is kept in its ASCII form (IDNA domain): what SMTP delivers to.
    """
    to = _deliverable(to, language)
    _check_attachments(attachments)
    rendered = render_mail(template, language, context)
    mail = OutgoingMail(
        recipient=to,
        template=template,
        language=language,
        subject=rendered.subject,
        text_body=rendered.text,
        html_body=rendered.html,
        message_id=make_msgid(domain=_public_host()),
        data_subject=data_subject,
        erase_after_delivery=erase_after_delivery,
        attachments=[
            OutgoingMailAttachment(
                filename=attachment.filename,
                content_type=attachment.content_type,
                data=bytes(attachment.data),
            )
            for attachment in attachments
        ],
    )
    db.session.add(mail)
    db.session.flush()
    return mail


@dataclass(frozen=True)
class PreparedMail:
    """One rendered e-mail for ``queue_mails``: to whom, in which language, what it says."""

    to: str
    language: str
    rendered: RenderedMail
    attachments: Sequence[Attachment] = ()
    data_subject: str | None = None


def queue_mails(template: str, mails: Sequence[PreparedMail], *, batch: str | None = None) -> int:
    """Add many rendered e-mails to the outbox at once; how many were queued.

    One INSERT for the rows (and one for their attachments), whatever their number, so a
    message to three hundred people costs the request no more queries than one to three.
    An address SMTP cannot deliver to is left out (see ``UndeliverableAddress``); ``batch``
    ties the rows together (e.g. "message:7") for counting their progress.
    """
    host = _public_host()
    rows, files = [], []
    for mail in mails:
        _check_recipient(mail.to)
        try:
            to = smtp_address(mail.to)
        except ValueError:
            continue
        if mail.language not in current_app.config["LANGUAGES"]:
            raise ValueError(f"unknown language {mail.language!r}")
        _check_attachments(mail.attachments)
        rows.append(
            {
                "recipient": to,
                "template": template,
                "language": mail.language,
                "subject": mail.rendered.subject,
                "text_body": mail.rendered.text,
                "html_body": mail.rendered.html,
                "message_id": make_msgid(domain=host),
                "data_subject": mail.data_subject,
                "erase_after_delivery": False,
                "batch": batch,
            }
        )
        files.append(mail.attachments)
    if not rows:
        return 0
    if not any(files):
        db.session.execute(sa.insert(OutgoingMail), rows)
        return len(rows)
    ids = db.session.scalars(
        sa.insert(OutgoingMail).returning(OutgoingMail.id, sort_by_parameter_order=True), rows
    ).all()
    db.session.execute(
        sa.insert(OutgoingMailAttachment),
        [
            {
                "mail_id": mail_id,
                "filename": attachment.filename,
                "content_type": attachment.content_type,
                "data": bytes(attachment.data),
            }
            for mail_id, attachments in zip(ids, files, strict=True)
            for attachment in attachments
        ],
    )
    return len(rows)


def render_mail(template: str, language: str, context: dict) -> RenderedMail:
    """Subject, plain text and HTML of ``email/<template>`` in ``language``."""
    if not TEMPLATE_NAME.match(template):
        raise ValueError(f"template {template!r} is not of the form 'domain/name'")
    env = _mail_environment(current_app)
    values = dict(context)
    with force_locale(language):
        current_app.update_template_context(values)
        values.update(
            language=language,
            site_url=external_url("editions.home"),
            privacy_url=external_url("pages.privacy"),
        )
        text_template = env.get_template(f"email/{template}.txt")
        if "subject" not in text_template.blocks:
            raise ValueError(f"email/{template}.txt has no subject block")
        subject_context = text_template.new_context(dict(values))
        # One line; the template's line breaks and indents go, a French no-break space stays.
        subject = _LAYOUT_SPACES.sub(
            " ", "".join(text_template.blocks["subject"](subject_context))
        ).strip(" ")
        if not subject:
            raise ValueError(f"email/{template}.txt renders an empty subject")
        text = _tidy_text(text_template.render(values))
        html = env.get_template(f"email/{template}.html").render(values, subject=subject)
    return RenderedMail(subject=subject, text=text, html=html)


_LAYOUT_SPACES = re.compile(r"[ \t\r\n\f\v]+")


def _mail_environment(app: Flask) -> Environment:
    """The app's Jinja environment, with blocks trimmed so plain-text mail reads cleanly."""
    env = app.extensions.get(MAIL_ENVIRONMENT)
    if env is None:
        env = app.jinja_env.overlay(trim_blocks=True, lstrip_blocks=True)
        app.extensions[MAIL_ENVIRONMENT] = env
    return env


def _tidy_text(text: str) -> str:
    # "-- " (with its space) is the signature separator mail clients recognise.
    lines = [line if line == "-- " else line.rstrip() for line in text.strip().splitlines()]
    return BLANK_LINES.sub("\n\n", "\n".join(lines)) + "\n"


def _public_host() -> str:
    return urlsplit(current_app.config["PUBLIC_URL"]).hostname or "localhost"


def _check_recipient(to: str) -> None:
    name, address = parseaddr(to)
    if "\r" in to or "\n" in to or not address or "@" not in address or name or len(to) > 320:
        raise ValueError("the recipient must be one plain e-mail address")


def _check_attachments(attachments: Sequence[Attachment]) -> None:
    total = 0
    for attachment in attachments:
        if not CONTENT_TYPE.match(attachment.content_type):
            raise ValueError(f"invalid content type {attachment.content_type!r}")
        if not attachment.filename or any(c in attachment.filename for c in "\r\n/\\"):
            raise ValueError(f"invalid attachment file name {attachment.filename!r}")
        total += len(attachment.data)
    if total > MAX_ATTACHMENTS_BYTES:
        raise ValueError(f"attachments total {total} bytes, more than {MAX_ATTACHMENTS_BYTES}")
