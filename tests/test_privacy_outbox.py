"""Erasing or anonymising a registration leaves nothing of the person in the outbox either.

Each test scans every column of every table of the database (reflected, not the models: a
table the models forgot is scanned too) for the attendee's address and names.
"""

import json
from datetime import date, timedelta

import sqlalchemy as sa

from colloquium.clock import utcnow
from colloquium.extensions import db
from colloquium.mail import delivery
from colloquium.mail.models import MailStatus, OutgoingMail
from colloquium.registration import services as registrations
from tests.factories import (
    COMING_YEAR,
    PAST_YEAR,
    make_edition,
    make_registration,
    registration_details,
)
from tests.web import csrf_token, written_mail

ADDRESS = "zephyrine.q@exämple.net"
SMTP_ADDRESS = "zephyrine.q@xn--exmple-cua.net"  # the same mailbox, as SMTP writes it
# The local part is in both forms of the address; the names are unusual enough to be hers.
TRACES = ("zephyrine.q", "Zéphyrine", "Quellec-Brandt")
PERSON = {"first_name": "Zéphyrine", "last_name": "Quellec-Brandt", "organisation": "Refuge"}


def traces_of_the_person() -> list[str]:
    """``table.column`` of every value, in every table, holding the address or a name."""
    db.session.commit()  # the scan reads what is committed, on the session's connection
    connection = db.session.connection()
    metadata = sa.MetaData()
    metadata.reflect(bind=connection)
    found = []
    for table in metadata.sorted_tables:
        for row in connection.execute(sa.select(table)).mappings():
            found.extend(
                f"{table.name}.{column}" for column, value in row.items() if _holds_a_trace(value)
            )
    db.session.commit()
    return sorted(found)


def _holds_a_trace(value) -> bool:
    """Whether a column's value, text, bytes or JSON, contains the person's details."""
    if isinstance(value, bytes | bytearray | memoryview):
        text = bytes(value).decode("utf-8", "replace")
    elif isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, str):
        text = value
    else:
        return False
    return any(trace.casefold() in text.casefold() for trace in TRACES)


def deliver():
    """One delivery pass through the real SMTP server."""
    return delivery.deliver_due(now=utcnow())


def statuses() -> list[str]:
    """The status of every outbox row, in order."""
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutgoingMail.status).order_by(OutgoingMail.id)))


def test_erasure_leaves_no_trace_once_its_last_email_is_delivered(app, client, smtp_server):
    smtp_server.configure(app)
    edition = make_edition(COMING_YEAR)
    registration, token = make_registration(edition, ADDRESS, confirm=True, **PERSON)
    # Her first mail is refused, quoting her address; the second is delivered.
    smtp_server.answer(f"550 5.1.1 <{SMTP_ADDRESS}>: mailbox full for good", at="RCPT")
    report = deliver()
    assert (report.failed, report.sent) == (1, 1)
    # A new link, asked for and never delivered (the test keeps using the old one).
    registrations.register(edition, registration_details(ADDRESS, **PERSON))
    registration.token_hash = registrations.hash_token(token)
    db.session.commit()
    assert statuses() == ["failed", "sent", "queued"]
    assert "outgoing_mail.last_error" in traces_of_the_person()

    manage = f"/registration/{token}"
    response = client.post(
        f"{manage}/delete?lang=en", data={"csrf_token": csrf_token(client, f"{manage}/delete")}
    )
    assert response.status_code == 302

    # Until it is delivered, the last e-mail alone still knows where to go (not her name).
    assert statuses() == ["failed", "sent", "queued"]
    last = db.session.scalars(sa.select(OutgoingMail).order_by(OutgoingMail.id.desc())).first()
    assert last.template == "registration/erased" and last.erase_after_delivery
    assert traces_of_the_person() == ["outgoing_mail.recipient"]

    assert deliver().sent == 1
    assert smtp_server.envelopes[-1].rcpt_tos == (SMTP_ADDRESS,)
    assert "effacées" in smtp_server.messages[-1]["Subject"]  # in her language, French
    assert traces_of_the_person() == []
    db.session.expire_all()
    rows = db.session.scalars(sa.select(OutgoingMail).order_by(OutgoingMail.id)).all()
    assert [(row.status, row.recipient, row.attachments) for row in rows] == [
        ("failed", "", []),
        ("sent", "", []),
        ("sent", "", []),
    ]
    assert rows[0].last_error == "550 (reply erased with the recipient)"


def test_the_last_email_is_blanked_when_it_fails_for_good_not_while_retried(app, smtp_server):
    smtp_server.configure(app)
    registration, _ = make_registration(make_edition(COMING_YEAR), ADDRESS, **PERSON)
    assert deliver().sent == 1
    registrations.erase_registration(registration)
    db.session.commit()
    smtp_server.answer("451 4.3.0 Try again later")
    assert deliver().retry == 1
    assert traces_of_the_person() == ["outgoing_mail.recipient"]  # still to deliver

    smtp_server.answer("554 5.7.1 Refused")
    assert delivery.deliver_due(now=utcnow() + timedelta(hours=5)).failed == 1
    assert statuses() == ["sent", "failed"]
    assert traces_of_the_person() == []


def test_anonymising_a_past_edition_clears_its_attendees_mail(make_app, smtp_server):
    app = make_app({"RETENTION_DAYS": 0})
    with app.app_context():
        smtp_server.configure(app)
        edition = make_edition(COMING_YEAR)
        make_registration(edition, ADDRESS, confirm=True, **PERSON)
        assert deliver().sent == 2  # the link, then the ticket (QR code and calendar)
        registrations.register(edition, registration_details(ADDRESS, **PERSON))
        edition.year, edition.date = PAST_YEAR, date(PAST_YEAR, 10, 17)  # it has taken place
        db.session.commit()
        assert len(traces_of_the_person()) > 5

        result = app.test_cli_runner().invoke(args=["privacy", "purge"])
        assert result.exit_code == 0, result.output
        assert statuses() == ["sent", "sent"]  # the link never delivered is gone
        assert traces_of_the_person() == []


def test_deleting_unconfirmed_registrations_clears_their_mail(app, runner, smtp_server):
    smtp_server.configure(app)
    edition = make_edition(COMING_YEAR)
    make_registration(edition, ADDRESS, **PERSON)
    assert deliver().sent == 1
    registrations.register(edition, registration_details(ADDRESS, **PERSON))
    db.session.commit()
    assert statuses() == ["sent", "queued"]

    assert registrations.purge_unconfirmed(now=utcnow() + timedelta(days=8)) == 1
    db.session.commit()
    assert statuses() == ["sent"]
    assert traces_of_the_person() == []


def test_someone_elses_mail_is_left_alone(app):
    edition = make_edition(COMING_YEAR)
    gone, _ = make_registration(edition, ADDRESS, **PERSON)
    make_registration(edition, "grace@example.org", first_name="Grace")
    registrations.erase_registration(gone)
    db.session.commit()
    rows = db.session.scalars(sa.select(OutgoingMail).order_by(OutgoingMail.id)).all()
    assert [(row.recipient, row.template, row.status) for row in rows] == [
        ("grace@example.org", "registration/manage_link", MailStatus.QUEUED.value),
        (SMTP_ADDRESS, "registration/erased", MailStatus.QUEUED.value),
    ]
    assert "Grace" in written_mail(rows[0]).text
