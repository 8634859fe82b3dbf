"""The e-mails a registration sends, each in the attendee's language, through the outbox.

This is the only module of the domain that knows about mail.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from flask_babel import force_locale

from colloquium.links import external_url
from colloquium.mail.outbox import Attachment, UndeliverableAddress, inline_src, queue_mail
from colloquium.mail.services import forget_data_subjects
from colloquium.programme.services import list_rooms, rooms_with_notes
from colloquium.registration.documents import calendar_file, programme_start, qr_png
from colloquium.registration.models import Registration
from colloquium.registration.tokens import current_token


def _context(registration: Registration, **extra) -> dict:
    edition = registration.edition
    with force_locale(registration.language):
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


def _send(
    registration: Registration,
    template: str,
    attachments=(),
    erase_after_delivery=False,
    link=True,
    **extra,
) -> None:
    if link and registration.token_hash is not None:
        # Every e-mail about a registration carries its manage link (recomputed, never stored).
        extra["manage_url"] = external_url("registration.manage", token=current_token(registration))
    try:
        queue_mail(
            to=registration.email,
            template=f"registration/{template}",
            language=registration.language,
            context=_context(registration, **extra),
            attachments=attachments,
            data_subject=data_subject(registration.id),
            erase_after_delivery=erase_after_delivery,
        )
    except UndeliverableAddress:
        # Only an address stored before such addresses were refused: its owner must still
        # be able to confirm, cancel or erase. Logged by id, never by address.
        current_app.logger.warning(
            "Registration %s: no e-mail queued, its address cannot be delivered", registration.id
        )


def _in_language(language: str, render, *args):
    """``render(*args)`` with the edition's texts in the attendee's language."""
    with force_locale(language):
        return render(*args)


def _ticket(registration: Registration) -> tuple[Attachment, Attachment]:
    """The QR code for the door and the calendar event."""
    return (
        Attachment(f"{registration.reference}.png", "image/png", qr_png(registration)),
        Attachment(
            "colloquium.ics",
            "text/calendar; method=PUBLISH; charset=utf-8",
            _in_language(registration.language, calendar_file, registration),
        ),
    )


def _send_ticket(registration: Registration, template: str) -> None:
    """A mail with the practical information: the QR code shown in its body and attached,
    the calendar file, the start time, the venue and how to reach the rooms."""
    qr_code, calendar = _ticket(registration)
    rooms = list_rooms(registration.edition)
    _send(
        registration,
        template,
        attachments=(qr_code, calendar),
        qr_src=inline_src(qr_code),
        starts_at=programme_start(registration),
        access_notes=rooms_with_notes(rooms),
    )


def send_manage_link(registration: Registration) -> None:
    """The link to the manage page, where the address is confirmed (sent again on request)."""
    _send(registration, "manage_link", status=registration.status)


def send_confirmed(registration: Registration) -> None:
    """A seat is yours: QR code (shown and attached), calendar file, start time and venue."""
    _send_ticket(registration, "confirmed")


def send_waitlisted(registration: Registration, position: int) -> None:
    """No seat left: you are on the waiting list, at this position."""
    _send(registration, "waitlisted", position=position)


def send_promoted(registration: Registration) -> None:
    """A seat was freed for you: the same practical information as the confirmation."""
    _send_ticket(registration, "promoted")


def send_cancelled(registration: Registration) -> None:
    """Your registration is cancelled."""
    _send(registration, "cancelled")


def send_erased(registration: Registration) -> None:
    """Your data is erased: the last e-mail, itself blanked in the outbox once delivered.

    Queued before the details are blanked (it needs the address); it names no one.
    """
    _send(registration, "erased", erase_after_delivery=True, link=False, first_name="")


def forget_mail(registration_ids: Iterable[int]) -> int:
    """Delete the undelivered e-mails of these registrations and blank the delivered ones."""
    return forget_data_subjects(
        data_subject(registration_id) for registration_id in registration_ids
    )
