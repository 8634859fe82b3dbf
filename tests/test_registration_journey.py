"""The whole journey through a real SMTP server: form, e-mailed link, manage page, confirm,
ticket by e-mail (QR code and calendar); and the other e-mails, in each attendee's language."""

import re
from datetime import UTC, datetime, timedelta
from io import BytesIO

import icalendar
import pytest
import segno

from colloquium.extensions import db
from colloquium.mail.delivery import deliver_due
from colloquium.registration import services
from colloquium.registration.models import Registration
from tests.factories import COMING_YEAR, make_edition, make_registration
from tests.web import csrf_token

FORM = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "Ada@Example.org",
    "attendee_type": "ngo",
    "language": "en",
    "consent_privacy": "y",
}
LINK = re.compile(r"http://colloquium\.test/registration/([\w-]+)")


@pytest.fixture
def smtp(app, smtp_server):
    smtp_server.configure(app)
    return smtp_server


def deliver(smtp, count: int):
    """Send what the outbox holds; exactly ``count`` more messages must arrive."""
    before = len(smtp.messages)
    report = deliver_due()
    assert (report.sent, report.retry, report.failed) == (count, 0, 0)
    assert smtp.wait_for(before + count)
    return smtp.messages[before:]


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def attachments_of(message) -> dict:
    return {part.get_filename(): part for part in message.iter_attachments()}


def test_register_confirm_and_receive_the_ticket(app, client, smtp):
    edition = make_edition(COMING_YEAR, capacity=10, venue_name="Halle aux grains", city="Toulouse")
    response = client.post(
        "/register", data={**FORM, "csrf_token": csrf_token(client, "/register")}
    )
    assert response.headers["Location"] == "/register/sent"

    [welcome] = deliver(smtp, 1)
    assert welcome["To"] == "ada@example.org"
    assert (
        welcome["Subject"] == f"Confirm your registration: Colloquium of 17 October {COMING_YEAR}"
    )
    body = text_of(welcome)
    assert body.startswith("Hello Ada,")
    token = LINK.search(body).group(1)
    assert (
        f'href="http://colloquium.test/registration/{token}"'
        in welcome.get_body(("html",)).get_content()
    )
    assert not list(welcome.iter_attachments())

    manage = f"/registration/{token}"
    page = client.get(f"{manage}?lang=en")
    assert page.status_code == 200 and "Not confirmed yet." in page.get_data(as_text=True)
    confirmed = client.post(
        f"{manage}/confirm?lang=en",
        data={"csrf_token": csrf_token(client, manage)},
        follow_redirects=True,
    )
    assert "your seat is confirmed" in confirmed.get_data(as_text=True)

    [ticket] = deliver(smtp, 1)
    registration = db.session.get(Registration, 1)
    assert ticket["Subject"] == f"Your seat is confirmed: Colloquium of 17 October {COMING_YEAR}"
    body = text_of(ticket)
    assert f"\n\nYour reference: {registration.reference}. Show" in body  # paragraphs kept
    assert "Halle aux grains, Toulouse" in body
    assert f"http://colloquium.test/registration/{token}\n" in body  # the same link, again
    files = attachments_of(ticket)
    assert set(files) == {f"{registration.reference}.png", "colloquium.ics"}
    png = files[f"{registration.reference}.png"]
    assert png.get_content_type() == "image/png"
    check_in = f"http://colloquium.test/admin/check-in/{registration.reference}"
    expected = segno.make(check_in, error="m")
    assert png.get_payload(decode=True)[:8] == b"\x89PNG\r\n\x1a\n"
    buffer = BytesIO()
    expected.save(buffer, kind="png", scale=8, border=4)
    assert png.get_payload(decode=True) == buffer.getvalue()  # the QR code of the check-in URL
    ics = files["colloquium.ics"]
    assert ics.get_content_type() == "text/calendar"
    calendar = icalendar.Calendar.from_ical(ics.get_payload(decode=True))
    [event] = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == f"Colloquium of 17 October {COMING_YEAR}"
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Paris"
    assert edition.id == registration.edition_id


def test_a_duplicate_registration_gets_a_new_link_by_mail(client, smtp):
    make_edition(COMING_YEAR)
    for _ in range(2):
        client.post("/register", data={**FORM, "csrf_token": csrf_token(client, "/register")})
    first, second = deliver(smtp, 2)
    old, new = (LINK.search(text_of(m)).group(1) for m in (first, second))
    assert old != new
    assert client.get(f"/registration/{new}").status_code == 200
    assert client.get(f"/registration/{old}").status_code == 404
    assert "This link replaces any earlier one." in text_of(second)


def test_waiting_list_promotion_and_cancellation_mails_in_each_language(app, client, smtp):
    edition = make_edition(COMING_YEAR, capacity=1)
    seated, token = make_registration(edition, "seated@example.org", confirm=True, language="en")
    make_registration(edition, "waiting@example.org", confirm=True, language="fr")
    messages = deliver(smtp, 4)  # two links (unused here), one ticket, one waiting-list mail
    waiting = next(m for m in messages if m["Subject"].startswith("Vous êtes sur la liste"))
    assert waiting["To"] == "waiting@example.org"
    assert "Vous êtes n° 1 sur la liste d\u2019attente." in text_of(waiting)
    assert not list(waiting.iter_attachments())

    manage = f"/registration/{token}"
    client.post(f"{manage}/cancel", data={"csrf_token": csrf_token(client, f"{manage}/cancel")})
    cancelled, promoted = deliver(smtp, 2)
    assert cancelled["To"] == "seated@example.org"
    assert cancelled["Subject"] == f"Registration cancelled: Colloquium of 17 October {COMING_YEAR}"
    assert seated.reference in text_of(cancelled)
    assert promoted["To"] == "waiting@example.org"
    assert (
        promoted["Subject"] == f"Une place vous attend\u00a0: Colloque du 17 octobre {COMING_YEAR}"
    )
    assert "une place s\u2019est libérée" in text_of(promoted)
    assert len(list(promoted.iter_attachments())) == 2


def test_purge_runs_as_a_retention_step(app, runner):
    registration, _ = make_registration(make_edition(COMING_YEAR))
    registration.created_at = datetime.now(UTC) - timedelta(days=8)
    registration_id = registration.id
    db.session.commit()
    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0, result.output
    assert "unconfirmed-registrations: 1 removed" in result.output
    db.session.expire_all()
    assert db.session.get(Registration, registration_id) is None
    assert services.purge_unconfirmed() == 0
