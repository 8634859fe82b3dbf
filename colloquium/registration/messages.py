"""Organisers write to attendees: a message to a group, and the reminder before the day.

Both are mail to attendees, one outbox row per person in their own language, queued in the
transaction of the request (or of the command) that sends them. Neither keeps an address
outside the outbox: a ``Message`` keeps the text and the filters, the audit log the counts.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, gettext, ngettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from colloquium.accounts.models import User
from colloquium.audit import services as audit
from colloquium.clock import local_today, utcnow
from colloquium.editions.models import Edition
from colloquium.errors import DomainError
from colloquium.extensions import db
from colloquium.links import external_url
from colloquium.mail.outbox import (
    Attachment,
    PreparedMail,
    RenderedMail,
    inline_src,
    queue_mails,
    render_mail,
)
from colloquium.mail.services import batch_progress
from colloquium.markdown import render_markdown
from colloquium.programme.services import list_rooms, rooms_with_notes
from colloquium.registration.documents import programme_start, qr_png
from colloquium.registration.models import (
    CONFIRMED,
    LANGUAGES,
    Message,
    Registration,
)
from colloquium.registration.notifications import data_subject
from colloquium.registration.tokens import current_token

# What a message may say of each recipient; anything else between braces is refused.
PLACEHOLDERS = ("first_name", "manage_link")
BRACED_NAME = re.compile(r"\{([^{}\s]{1,40})\}")
KNOWN_PLACEHOLDER = re.compile(r"\{(first_name|manage_link)\}")
# A bare {manage_link} in the HTML text (not already a link's address or text) becomes a link.
BARE_MANAGE_LINK = re.compile(r'(?<!href=")(?<!">)\{manage_link\}')
SAMPLE_FIRST_NAME = "Camille"
SAMPLE_TOKEN = "sample"  # noqa: S105 (shown in the preview in place of a real link)
MAX_REMINDER_DAYS = 365
MISSING_LANGUAGE = {
    "fr": _l("Write it in French too: the message goes to people who read French."),
    "en": _l("Write it in English too: the message goes to people who read English."),
}


@dataclass(frozen=True)
class Audience:
    """Who receives a message: each filter left empty lets everyone through."""

    statuses: tuple[str, ...]
    attendee_types: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    accessibility_needs: bool = False

    def as_details(self) -> dict:
        """The filters as the audit log and the message keep them (no one's data)."""
        return {
            "statuses": list(self.statuses),
            "types": list(self.attendee_types),
            "languages": list(self.languages),
            "needs": self.accessibility_needs,
        }


@dataclass(frozen=True)
class MessageText:
    """What the organisers wrote: a subject and a Markdown body in each language."""

    subject_fr: str = ""
    subject_en: str = ""
    body_fr: str = ""
    body_en: str = ""

    def subject(self, language: str) -> str:
        return getattr(self, f"subject_{language}").strip()

    def body(self, language: str) -> str:
        return getattr(self, f"body_{language}").strip()


@dataclass(frozen=True)
class Preview:
    """A message as one sample recipient reads it, in one language."""

    language: str
    subject: str
    body: Markup


def recipients_query(edition: Edition, audience: Audience) -> sa.Select[tuple[Registration]]:
    """The registrations of ``edition`` in ``audience``; erased ones never receive anything."""
    query = sa.select(Registration).where(
        Registration.edition_id == edition.id,
        Registration.erased_at.is_(None),
        Registration.email != "",
        Registration.status.in_(audience.statuses),
    )
    if audience.attendee_types:
        query = query.where(Registration.attendee_type.in_(audience.attendee_types))
    if audience.languages:
        query = query.where(Registration.language.in_(audience.languages))
    if audience.accessibility_needs:
        query = query.where(Registration.accessibility_needs != "")
    return query.order_by(Registration.id)


def count_recipients(edition: Edition, audience: Audience) -> int:
    """How many people ``audience`` reaches in ``edition`` (one per address)."""
    query = recipients_query(edition, audience).order_by(None).subquery()
    return db.session.scalar(sa.select(sa.func.count(sa.distinct(query.c.email))))


def _one_per_address(registrations: list[Registration]) -> list[Registration]:
    """The newest registration of each address: someone who cancelled and registered again
    is one person, and gets one copy."""
    newest = {registration.email: registration for registration in registrations}
    return sorted(newest.values(), key=lambda registration: registration.id)


def written_languages(audience: Audience) -> tuple[str, ...]:
    """The languages the message must be written in: those of the people it reaches."""
    return tuple(
        language for language in LANGUAGES if language in (audience.languages or LANGUAGES)
    )


def check_message(text: MessageText, audience: Audience) -> None:
    """Refuse a message without its audience, a language it needs, or an unknown placeholder."""
    if not audience.statuses:
        raise DomainError("statuses", _l("Choose at least one status."))
    for language in written_languages(audience):
        for part in ("subject", "body"):
            if not getattr(text, part)(language):
                raise DomainError(f"{part}_{language}", MISSING_LANGUAGE[language])
    for language in LANGUAGES:
        for part in ("subject", "body"):
            unknown = [
                name
                for name in BRACED_NAME.findall(getattr(text, part)(language))
                if name not in PLACEHOLDERS
            ]
            if unknown:
                raise DomainError(
                    f"{part}_{language}",
                    _l(
                        "Unknown placeholder {%(name)s}: use {first_name} or {manage_link}.",
                        name=unknown[0],
                    ),
                )


def fingerprint(audience: Audience, text: MessageText) -> str:
    """A short digest of the audience and the text: did they change since the preview?"""
    data = json.dumps([asdict(audience), asdict(text)], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode()).hexdigest()[:32]


def _body_html(body: str) -> Markup:
    """The body as sanitised HTML, its placeholders still in place to be filled per person."""
    html = str(render_markdown(body))
    return Markup(  # noqa: S704 (sanitised above; only our own link around a placeholder added)
        BARE_MANAGE_LINK.sub('<a href="{manage_link}">{manage_link}</a>', html)
    )


def _render(edition: Edition, text: MessageText, language: str) -> RenderedMail:
    """The message in ``language`` with its placeholders unfilled (rendered once for all)."""
    with force_locale(language):
        title = edition.display_title
    return render_mail(
        "registration/message",
        language,
        {
            "subject": text.subject(language),
            "body_text": text.body(language),
            "body_html": _body_html(text.body(language)),
            "manage_url": "{manage_link}",
            "edition_title": title,
        },
    )


def _replace(text: str, values: dict[str, str]) -> str:
    """The known placeholders of ``text`` replaced in one pass (a value is never re-read)."""
    return KNOWN_PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def _fill(template: RenderedMail, first_name: str, manage_link: str) -> RenderedMail:
    """One person's copy of a message rendered with its placeholders."""
    plain = {"first_name": first_name, "manage_link": manage_link}
    html = {name: str(escape(value)) for name, value in plain.items()}
    return RenderedMail(
        subject=_replace(template.subject, plain),
        text=_replace(template.text, plain),
        html=_replace(template.html, html),
    )


def preview_message(edition: Edition, text: MessageText) -> list[Preview]:
    """The message in each language it is written in, as a sample attendee would read it."""
    plain = {
        "first_name": SAMPLE_FIRST_NAME,
        # Not a working link: a sample of what each person gets.
        "manage_link": external_url("registration.manage", token=SAMPLE_TOKEN),
    }
    html = {name: str(escape(value)) for name, value in plain.items()}
    return [
        Preview(
            language=language,
            subject=_replace(text.subject(language), plain),
            # Sanitised Markdown with escaped values in place of its placeholders.
            body=Markup(_replace(str(_body_html(text.body(language))), html)),  # noqa: S704
        )
        for language in LANGUAGES
        if text.subject(language) or text.body(language)
    ]


def send_message(
    edition: Edition,
    audience: Audience,
    text: MessageText,
    author: User,
    expected_count: int,
) -> Message:
    """Queue one copy per recipient, in their language, and record the message and its audit.

    A fixed number of queries whatever the audience: the recipients in one SELECT, their
    copies in one INSERT. ``expected_count`` is the count the organiser confirmed: if the
    audience has changed since, nothing is sent.
    """
    check_message(text, audience)
    recipients = _one_per_address(db.session.scalars(recipients_query(edition, audience)).all())
    if len(recipients) != expected_count:
        raise DomainError(
            "confirm_send",
            _l("The audience has changed since the preview: check the new count and send again."),
        )
    message = Message(
        edition_id=edition.id,
        subject_fr=text.subject("fr"),
        subject_en=text.subject("en"),
        body_fr=text.body("fr"),
        body_en=text.body("en"),
        audience=audience.as_details(),
        recipient_count=len(recipients),
        created_by_id=author.id,
        created_by_email=author.email,
    )
    db.session.add(message)
    db.session.flush()
    languages = {registration.language for registration in recipients}
    templates = {language: _render(edition, text, language) for language in languages}
    queued = queue_mails(
        "registration/message",
        [
            PreparedMail(
                to=registration.email,
                language=registration.language,
                rendered=_fill(
                    templates[registration.language],
                    registration.first_name,
                    external_url("registration.manage", token=current_token(registration)),
                ),
                data_subject=data_subject(registration.id),
            )
            for registration in recipients
        ],
        batch=message.batch,
    )
    _log_undeliverable(len(recipients) - queued)
    audit.record(
        author,
        "messages.send",
        f"edition:{edition.year}",
        {"recipients": len(recipients), "audience": audience.as_details()},
    )
    db.session.flush()  # a stale manage-link hash follows its new link (``current_token``)
    return message


def _log_undeliverable(count: int) -> None:
    if count:
        current_app.logger.warning("%s e-mail(s) not queued: addresses cannot be delivered", count)


def list_messages(edition: Edition) -> list[Message]:
    """The messages sent to ``edition``'s attendees, the newest first."""
    return list(
        db.session.scalars(
            sa.select(Message)
            .where(Message.edition_id == edition.id)
            .order_by(Message.created_at.desc(), Message.id.desc())
        )
    )


def message_progress(messages: list[Message]) -> dict[int, dict[str, int]]:
    """For each message, how many of its copies are queued, being sent, sent, retried, failed."""
    progress = batch_progress(message.batch for message in messages)
    return {message.id: progress[message.batch] for message in messages}


# Reminders


@dataclass(frozen=True)
class ReminderOutcome:
    """What a reminder run did: how many were queued, and how far away the day is."""

    queued: int
    days_away: int
    due: bool


def reminder_days(days: int | None = None) -> int:
    """The window before the day when reminders go (``REMINDER_DAYS`` unless given)."""
    days = current_app.config["REMINDER_DAYS"] if days is None else days
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_REMINDER_DAYS:
        raise DomainError(
            "days",
            _l("The number of days must be between 0 and %(most)d.", most=MAX_REMINDER_DAYS),
        )
    return days


def pending_reminders(edition: Edition) -> int:
    """How many confirmed attendees of ``edition`` have not been sent the reminder yet."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Registration).where(_awaiting_reminder(edition))
    )


def _awaiting_reminder(edition: Edition) -> sa.ColumnElement[bool]:
    return sa.and_(
        Registration.edition_id == edition.id,
        Registration.status == CONFIRMED,
        Registration.erased_at.is_(None),
        Registration.email != "",
        Registration.reminder_sent_at.is_(None),
    )


def send_reminders(
    edition: Edition,
    days: int | None = None,
    actor: User | None = None,
    today: date | None = None,
    now: datetime | None = None,
) -> ReminderOutcome:
    """The practical information, once, to each confirmed attendee, from ``days`` before the day.

    Each registration is claimed by one conditional UPDATE (``reminder_sent_at`` still NULL)
    in the transaction that queues its mail: two runs at once never send it twice, and a run
    that fails sends nothing and claims nothing. Audit-logged when an organiser asks, or when
    anything was queued.
    """
    days = reminder_days(days)
    days_away = (edition.date - (today or local_today())).days
    if not 0 <= days_away <= days:
        return ReminderOutcome(queued=0, days_away=days_away, due=False)
    claimed = db.session.scalars(
        sa.update(Registration)
        .where(_awaiting_reminder(edition))
        .values(reminder_sent_at=now or utcnow())
        .returning(Registration.id)
        .execution_options(synchronize_session=False)
    ).all()
    registrations = (
        db.session.scalars(
            sa.select(Registration).where(Registration.id.in_(claimed)).order_by(Registration.id)
        ).all()
        if claimed
        else []
    )
    queued = queue_mails("registration/reminder", _reminders(edition, registrations))
    _log_undeliverable(len(registrations) - queued)
    if actor is not None or queued:
        audit.record(actor, "reminders.send", f"edition:{edition.year}", {"recipients": queued})
    db.session.flush()
    return ReminderOutcome(queued=queued, days_away=days_away, due=True)


def _reminders(edition: Edition, registrations: list[Registration]) -> list[PreparedMail]:
    """Each attendee's reminder: the day's hours and place, the QR code, the manage link."""
    if not registrations:
        return []
    starts_at = programme_start(registrations[0])  # the same for all: one query
    access_notes = rooms_with_notes(list_rooms(edition))
    titles: dict[str, str] = {}
    for language in LANGUAGES:
        with force_locale(language):
            titles[language] = edition.display_title
    mails = []
    for registration in registrations:
        qr_code = Attachment(f"{registration.reference}.png", "image/png", qr_png(registration))
        context = {
            "first_name": registration.first_name,
            "reference": registration.reference,
            "edition_title": titles[registration.language],
            "edition_date": edition.date,
            "starts_at": starts_at,
            "venue_name": edition.venue_name,
            "venue_address": edition.venue_address,
            "city": edition.city,
            "access_notes": access_notes,
            "qr_src": inline_src(qr_code),
            "manage_url": external_url("registration.manage", token=current_token(registration)),
        }
        mails.append(
            PreparedMail(
                to=registration.email,
                language=registration.language,
                rendered=render_mail("registration/reminder", registration.language, context),
                attachments=(qr_code,),
                data_subject=data_subject(registration.id),
            )
        )
    return mails


def describe_reminders(outcome: ReminderOutcome, days: int) -> str:
    """One sentence on what a reminder run did, for the command line and the flash message."""
    if outcome.due:
        return ngettext("%(num)d reminder queued.", "%(num)d reminders queued.", outcome.queued)
    if outcome.days_away < 0:
        return gettext("No reminder queued: the colloquium is over.")
    return ngettext(
        "No reminder queued: the colloquium is %(num)d day away; reminders go from %(days)d "
        "days before.",
        "No reminder queued: the colloquium is %(num)d days away; reminders go from %(days)d "
        "days before.",
        outcome.days_away,
        days=days,
    )
