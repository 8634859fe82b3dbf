"""The e-mails a registration sends, each in the attendee's language, through the outbox.

This is the only module of the domain that knows about mail.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from flask_babel import force_locale

from colloquium.extensions import db
from colloquium.links import external_url
from colloquium.mail.outbox import (
    Attachment,
    MailContent,
    UndeliverableAddress,
    inline_src,
    queue_mail,
    queue_mail_later,
    writes_mail,
)
from colloquium.mail.services import forget_data_subjects
from colloquium.programme.services import list_rooms, rooms_with_notes
from colloquium.registration.documents import calendar_file, programme_start, qr_png
from colloquium.registration.models import Registration
from colloquium.registration.tokens import current_token


def _context(registration: Registration, language: str, **extra) -> dict:
    """What every registration mail's template reads: the person, the edition, ``extra``."""
    edition = registration.edition
    with force_locale(language):
        title = edition.display_title
    return {
        "first_name": registration.first_name,
        "reference": registration.reference,
        "edition_title": title,
        "edition_date": edition.date,
        "venue_name": edition.venue_name,
        "venue_address": edition.venue_address,
        "city": edition.city,
        "register_url": external_url("registration.register"),
        **extra,
    }


def data_subject(registration_id: int) -> str:
    """How the outbox knows the mail of one registration, to forget it with them."""
    return f"registration:{registration_id}"


# The mails with the practical information: the QR code (shown in the body and attached),
# the calendar file, the start time, the venue and how to reach the rooms.
TICKETS = ("registration/confirmed", "registration/promoted")


def _send(registration: Registration, template: str, **announced) -> None:
    """Queue a mail written when sent; ``announced``: what it says as of now (JSON values).

    The request only records the registration, the state announced and the manage link
    (recomputed, never stored, so captured now: a later "resend the link" revokes it as it
    would revoke a mail sent at once). The worker writes the rest (``write_registration_mail``).
    """
    parameters = {"registration": registration.id, **announced}
    if registration.token_hash is not None:
        # Every e-mail about a registration carries its manage link.
        parameters["manage_url"] = external_url(
            "registration.manage", token=current_token(registration)
        )
    try:
        queue_mail_later(
            to=registration.email,
            template=f"registration/{template}",
            language=registration.language,
            parameters=parameters,
            data_subject=data_subject(registration.id),
        )
    except UndeliverableAddress:
        _undeliverable(registration)


def _undeliverable(registration: Registration) -> None:
    """Log that no mail could be queued (by id, never by address); the action goes on.

    Only an address stored before such addresses were refused: its owner must still be
    able to confirm, cancel or erase.
    """
    current_app.logger.warning(
        "Registration %s: no e-mail queued, its address cannot be delivered", registration.id
    )


@writes_mail("registration")
def write_registration_mail(template: str, language: str, parameters: dict) -> MailContent | None:
    """The content of a registration mail queued for later, as the worker writes it.

    What it announces comes from ``parameters`` (captured when queued); the name, the
    edition and the rooms are read now. Nothing is written for a registration deleted or
    erased since: its mail would otherwise outlive it.
    """
    registration = db.session.get(Registration, parameters["registration"])
    if registration is None or registration.erased_at is not None:
        return None
    announced = {k: v for k, v in parameters.items() if k != "registration"}
    if template not in TICKETS:
        return MailContent(_context(registration, language, **announced))
    qr_code, calendar = _ticket(registration, language)
    context = _context(
        registration,
        language,
        qr_src=inline_src(qr_code),
        starts_at=programme_start(registration),
        access_notes=rooms_with_notes(list_rooms(registration.edition)),
        **announced,
    )
    return MailContent(context, (qr_code, calendar))


def _ticket(registration: Registration, language: str) -> tuple[Attachment, Attachment]:
    """The QR code for the door and the calendar event (its texts in ``language``)."""
    with force_locale(language):
        calendar = calendar_file(registration)
    return (
        Attachment(f"{registration.reference}.png", "image/png", qr_png(registration)),
        Attachment("colloquium.ics", "text/calendar; method=PUBLISH; charset=utf-8", calendar),
    )


def send_manage_link(registration: Registration) -> None:
    """The link to the manage page, where the address is confirmed (sent again on request)."""
    _send(registration, "manage_link", status=registration.status)


def send_confirmed(registration: Registration) -> None:
    """A seat is yours: QR code (shown and attached), calendar file, start time and venue."""
    _send(registration, "confirmed")


def send_waitlisted(registration: Registration, position: int) -> None:
    """No seat left: you are on the waiting list, at this position."""
    _send(registration, "waitlisted", position=position)


def send_promoted(registration: Registration) -> None:
    """A seat was freed for you: the same practical information as the confirmation."""
    _send(registration, "promoted")


def send_cancelled(registration: Registration) -> None:
    """Your registration is cancelled."""
    _send(registration, "cancelled")


def send_erased(registration: Registration) -> None:
    """Your data is erased: the last e-mail, itself blanked in the outbox once delivered.

    Queued before the details are blanked (it needs the address); it names no one. Written
    at once, not when sent: by then the registration holds nothing to write it from.
    """
    try:
        queue_mail(
            to=registration.email,
            template="registration/erased",
            language=registration.language,
            context=_context(registration, registration.language, first_name=""),
            data_subject=data_subject(registration.id),
            erase_after_delivery=True,
        )
    except UndeliverableAddress:
        _undeliverable(registration)


def forget_mail(registration_ids: Iterable[int]) -> int:
    """Delete the undelivered e-mails of these registrations and blank the delivered ones."""
    return forget_data_subjects(
        data_subject(registration_id) for registration_id in registration_ids
    )
