"""Messages to a group of attendees: the audience, both languages, preview then send, one
copy per person through the outbox, progress, the audit log, and fixed query counts."""

import re
from email.utils import getaddresses

import pytest
import sqlalchemy as sa

from colloquium.audit.models import AuditEntry
from colloquium.extensions import db
from colloquium.mail.delivery import deliver_due
from colloquium.mail.models import MailStatus, OutgoingMail
from colloquium.registration import services
from colloquium.registration.models import Message, Registration
from colloquium.registration.tokens import hash_token, manage_token
from tests.factories import COMING_YEAR, make_edition, make_registration, make_user
from tests.web import csrf_token, log_in

URL = f"/admin/messages/{COMING_YEAR}"
LINK = re.compile(r"http://colloquium\.test/registration/([\w-]+)")
HIDDEN = re.compile(r'<input[^>]*name="(recipient_count|previewed)"[^>]*value="([^"]*)"')
TEXT = {
    "subject_fr": "Bonjour {first_name}",
    "body_fr": "Chère ou cher {first_name},\n\nLe **programme** est en ligne : {manage_link}",
    "subject_en": "Hello {first_name}",
    "body_en": "Dear {first_name},\n\nThe **programme** is online: [your page]({manage_link})",
}


@pytest.fixture
def organiser(client):
    make_user("boss@example.org", role="organiser")
    log_in(client, "boss@example.org")


def clear_outbox():
    """Forget the registrations' own e-mails: only the message's copies are left to count."""
    db.session.execute(sa.delete(OutgoingMail))
    db.session.commit()


@pytest.fixture
def attendees(app):
    """One person in each state, in both languages, and one erased."""
    edition = make_edition(COMING_YEAR, capacity=4)
    people = {
        "ada": make_registration(edition, "ada@example.org", confirm=True, first_name="Ada")[0],
        "bob": make_registration(
            edition, "bob@example.org", confirm=True, first_name="Bob", language="en"
        )[0],
        "cy": make_registration(
            edition,
            "cy@example.org",
            confirm=True,
            first_name="Cy",
            accessibility_needs="Wheelchair",
            attendee_type="press",
        )[0],
        "fay": make_registration(edition, "fay@example.org", confirm=True, first_name="Fay")[0],
        "dan": make_registration(
            edition, "dan@example.org", confirm=True, first_name="Dan", language="en"
        )[0],
        "gil": make_registration(edition, "gil@example.org", confirm=True, first_name="Gil")[0],
        "eve": make_registration(edition, "eve@example.org", first_name="Eve", language="en")[0],
    }
    services.cancel_registration(people["fay"])  # frees a seat: dan is promoted, not gil
    assert people["gil"].status == "waitlisted"
    erased = make_registration(edition, "gone@example.org", confirm=True, first_name="Gone")[0]
    services.erase_registration(erased)
    db.session.commit()
    clear_outbox()
    return people


def hidden_fields(html: str) -> dict:
    return dict(HIDDEN.findall(html))


def preview(client, audience: dict, text: dict = TEXT):
    data = {**audience, **text, "preview": "Preview", "csrf_token": csrf_token(client, URL)}
    return client.post(f"{URL}?lang=en", data=data)


def send(client, audience: dict, text: dict = TEXT, confirm: bool = True):
    """Preview, then send what the preview showed (ticking the box unless told not to)."""
    shown = preview(client, audience, text).get_data(as_text=True)
    data = {**audience, **text, **hidden_fields(shown), "send": "Send"}
    if confirm:
        data["confirm_send"] = "y"
    data["csrf_token"] = csrf_token(client, html=shown)
    return client.post(f"{URL}?lang=en", data=data)


def deliver(smtp_server, count: int):
    before = len(smtp_server.messages)
    report = deliver_due()
    assert (report.sent, report.retry, report.failed) == (count, 0, 0)
    assert smtp_server.wait_for(before + count)
    return smtp_server.messages[before:]


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def html_of(message) -> str:
    return message.get_body(("html",)).get_content()


def test_a_message_reaches_exactly_its_audience_once_each_in_their_language(
    app, client, organiser, attendees, smtp_server
):
    smtp_server.configure(app)
    response = send(client, {"statuses": ["confirmed", "unconfirmed"]})
    assert response.status_code == 302
    assert response.headers["Location"].startswith(URL)

    received = deliver(smtp_server, 5)  # ada, bob, cy, dan (promoted), eve; not fay, not gone
    by_address = {message["To"]: message for message in received}
    assert sorted(by_address) == [
        "ada@example.org",
        "bob@example.org",
        "cy@example.org",
        "dan@example.org",
        "eve@example.org",
    ]
    for envelope in smtp_server.envelopes[-5:]:
        assert len(envelope.rcpt_tos) == 1
    for address, message in by_address.items():
        # No other address anywhere in the headers: no Cc, no Bcc, no shared To.
        headers = "\n".join(f"{name}: {value}" for name, value in message.items())
        others = {a for a in by_address if a != address}
        assert not any(other in headers for other in others)
        assert message["Cc"] is None and message["Bcc"] is None
        assert [a for _, a in getaddresses(message.get_all("To"))] == [address]

    ada, bob = by_address["ada@example.org"], by_address["bob@example.org"]
    assert ada["Subject"] == "Bonjour Ada"
    assert bob["Subject"] == "Hello Bob"
    assert text_of(ada).startswith("Chère ou cher Ada,")
    assert "<strong>programme</strong>" in html_of(ada)
    assert text_of(bob).startswith("Dear Bob,")

    # Each copy carries its own working manage link, in the text and as a link.
    token = LINK.search(text_of(bob)).group(1)
    assert token == manage_token(attendees["bob"])
    assert f'href="http://colloquium.test/registration/{token}"' in html_of(bob)
    ada_token = LINK.search(text_of(ada)).group(1)
    assert f'<a href="http://colloquium.test/registration/{ada_token}">' in html_of(ada)
    assert client.get(f"/registration/{token}").status_code == 200


def test_the_audience_filters_by_type_language_and_needs(app, client, organiser, attendees):
    response = send(
        client,
        {
            "statuses": ["confirmed"],
            "attendee_types": ["press"],
            "languages": ["fr"],
            "accessibility_needs": "y",
        },
    )
    assert response.status_code == 302
    assert db.session.scalars(sa.select(OutgoingMail.recipient)).all() == ["cy@example.org"]


def test_cancelled_people_are_reached_only_when_asked_and_erased_never(
    app, client, organiser, attendees
):
    assert send(client, {"statuses": ["cancelled"]}).status_code == 302
    assert db.session.scalars(sa.select(OutgoingMail.recipient)).all() == ["fay@example.org"]


def test_someone_who_registered_again_gets_one_copy(client, organiser, attendees):
    make_registration(attendees["ada"].edition, "fay@example.org", first_name="Fay")
    clear_outbox()
    html = preview(client, {"statuses": ["unconfirmed", "cancelled"]}).get_data(as_text=True)
    assert "Send to 2 people" in html  # eve, and fay once
    assert send(client, {"statuses": ["unconfirmed", "cancelled"]}).status_code == 302
    recipients = db.session.scalars(sa.select(OutgoingMail.recipient)).all()
    assert sorted(recipients) == ["eve@example.org", "fay@example.org"]


def test_the_preview_shows_the_count_and_both_languages(client, organiser, attendees):
    page = preview(client, {"statuses": ["confirmed"]})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "This message will go to 4 people." in html
    assert "Send to 4 people" in html
    assert "Bonjour Camille" in html and "Hello Camille" in html
    assert 'lang="fr"' in html and 'lang="en"' in html
    assert "<strong>programme</strong>" in html
    assert hidden_fields(html)["recipient_count"] == "4"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingMail)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 0


def test_markdown_in_the_preview_is_sanitised(client, organiser, attendees):
    text = {**TEXT, "body_en": "<script>alert(1)</script> [x](javascript:alert(1))"}
    html = preview(client, {"statuses": ["confirmed"]}, text).get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert 'href="javascript:' not in html


def test_sending_without_the_box_ticked_sends_nothing(client, organiser, attendees):
    response = send(client, {"statuses": ["confirmed"]}, confirm=False)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Check the preview and tick the box to send." in html
    assert "Send to 4 people" in html  # the preview again
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingMail)) == 0


def test_sending_without_a_preview_sends_nothing(client, organiser, attendees):
    data = {"statuses": ["confirmed"], **TEXT, "send": "Send", "confirm_send": "y"}
    data["recipient_count"] = "4"
    data["csrf_token"] = csrf_token(client, URL)
    response = client.post(f"{URL}?lang=en", data=data)
    assert response.status_code == 200
    assert "The audience or the message has changed" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingMail)) == 0


def test_a_changed_audience_is_previewed_again_instead_of_sent(client, organiser, attendees):
    shown = preview(client, {"statuses": ["confirmed"]}).get_data(as_text=True)
    data = {"statuses": ["confirmed", "unconfirmed"], **TEXT, **hidden_fields(shown)}
    data.update(send="Send", confirm_send="y", csrf_token=csrf_token(client, html=shown))
    response = client.post(f"{URL}?lang=en", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The audience or the message has changed" in html
    assert "Send to 5 people" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingMail)) == 0


def test_someone_registering_between_preview_and_send_means_a_new_preview(
    client, organiser, attendees
):
    shown = preview(client, {"statuses": ["confirmed"]}).get_data(as_text=True)
    edition = attendees["ada"].edition
    edition.capacity = 10
    make_registration(edition, "new@example.org", confirm=True)
    clear_outbox()
    data = {"statuses": ["confirmed"], **TEXT, **hidden_fields(shown)}
    data.update(send="Send", confirm_send="y", csrf_token=csrf_token(client, html=shown))
    html = client.post(f"{URL}?lang=en", data=data).get_data(as_text=True)
    assert "The audience has changed since the preview" in html
    assert "Send to 5 people" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingMail)) == 0


def test_unknown_placeholders_are_an_error_next_to_the_field(client, organiser, attendees):
    text = {**TEXT, "body_en": "Dear {name}, {first_name.__class__}"}
    response = preview(client, {"statuses": ["confirmed"]}, text)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="body_en-error"' in html
    assert "Unknown placeholder {name}" in html
    assert "Send to" not in html


def test_placeholders_are_replaced_never_evaluated(client, organiser, attendees):
    attendees["ada"].first_name = "{manage_link} <b>"
    db.session.commit()
    send(client, {"statuses": ["confirmed"], "languages": ["fr"]})
    mail = db.session.scalar(
        sa.select(OutgoingMail).where(OutgoingMail.recipient == "ada@example.org")
    )
    assert mail.subject == "Bonjour {manage_link} <b>"
    assert "Chère ou cher {manage_link} &lt;b&gt;," in mail.html_body


def test_both_languages_are_required_unless_the_audience_reads_one(client, organiser, attendees):
    text = {**TEXT, "subject_en": "", "body_en": ""}
    html = preview(client, {"statuses": ["confirmed"]}, text).get_data(as_text=True)
    assert 'id="subject_en-error"' in html
    assert "Write it in English too" in html
    response = send(client, {"statuses": ["confirmed"], "languages": ["fr"]}, text)
    assert response.status_code == 302
    assert set(db.session.scalars(sa.select(OutgoingMail.language))) == {"fr"}


def test_a_status_is_required(client, organiser, attendees):
    html = preview(client, {}).get_data(as_text=True)
    assert 'id="statuses-error"' in html


def test_the_audit_log_records_counts_and_filters_never_addresses(client, organiser, attendees):
    send(client, {"statuses": ["confirmed"], "languages": ["en"]})
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "messages.send"))
    assert entry.target == f"edition:{COMING_YEAR}"
    assert entry.details == {
        "recipients": 2,
        "audience": {"statuses": ["confirmed"], "types": [], "languages": ["en"], "needs": False},
    }
    assert "@" not in str(entry.details) and "Bob" not in str(entry.details)


def test_the_page_shows_each_message_and_its_delivery_progress(
    app, client, organiser, attendees, smtp_server
):
    smtp_server.configure(app)
    send(client, {"statuses": ["confirmed"]})
    smtp_server.answer("550 5.1.1 No such user", at="RCPT")
    report = deliver_due()
    assert (report.sent, report.failed) == (3, 1)
    message = db.session.scalar(sa.select(Message))
    assert message.recipient_count == 4
    html = client.get(f"{URL}?lang=en").get_data(as_text=True)
    row = html[html.index(f'id="message-{message.id}"') :]
    row = row[: row.index("</tr>")]
    assert "Hello {first_name}" in row
    assert [int(n) for n in re.findall(r"<td>(\d+)</td>", row)] == [4, 0, 3, 1]


def registrations_in_bulk(edition, count: int) -> None:
    """``count`` confirmed registrations, inserted at once (the form would take too long)."""
    from colloquium.clock import utcnow

    now = utcnow()
    db.session.execute(
        sa.insert(Registration),
        [
            {
                "edition_id": edition.id,
                "reference": f"BULK-{number:05d}",
                "status": "confirmed",
                "first_name": f"Person{number}",
                "last_name": "Bulk",
                "email": f"person{number}@example.org",
                "attendee_type": "ngo",
                "language": ("fr", "en")[number % 2],
                "privacy_policy_version": "test",
                "consented_at": now,
                "confirmed_at": now,
            }
            for number in range(count)
        ],
    )
    registrations = db.session.scalars(
        sa.select(Registration).where(Registration.edition_id == edition.id)
    ).all()
    for registration in registrations:
        registration.token_hash = hash_token(manage_token(registration))
    db.session.commit()


@pytest.mark.parametrize("count", [3, 300])
def test_sending_runs_a_fixed_number_of_queries(client, organiser, count_queries, count):
    edition = make_edition(COMING_YEAR, capacity=1000)
    registrations_in_bulk(edition, count)
    shown = preview(client, {"statuses": ["confirmed"]}).get_data(as_text=True)
    data = {"statuses": ["confirmed"], **TEXT, **hidden_fields(shown)}
    data.update(send="Send", confirm_send="y", csrf_token=csrf_token(client, html=shown))
    with count_queries() as queries:
        response = client.post(f"{URL}?lang=en", data=data)
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingMail)) == count
    assert len(queries) == 6, queries.statements


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("messages", [1, 20])
def test_the_messages_page_runs_a_fixed_number_of_queries(
    client, organiser, count_queries, lang, messages
):
    edition = make_edition(COMING_YEAR)
    make_registration(edition, "ada@example.org", confirm=True)
    for number in range(messages):
        db.session.add(
            Message(
                edition_id=edition.id,
                subject_fr=f"Message {number}",
                audience={"statuses": ["confirmed"], "types": ["ngo"], "languages": ["fr"]},
                recipient_count=1,
            )
        )
        db.session.add(
            OutgoingMail(
                recipient="ada@example.org",
                template="registration/message",
                language="fr",
                subject="s",
                text_body="t",
                html_body="h",
                message_id="<m@x>",
                status=MailStatus.SENT.value,
                batch=f"message:{number + 1}",
            )
        )
    db.session.commit()
    with count_queries() as queries:
        page = client.get(f"{URL}?lang={lang}")
    assert page.status_code == 200
    assert page.get_data(as_text=True).count('id="message-') == messages
    assert len(queries) == 5, queries.statements


def test_the_messages_index_goes_to_the_current_edition(client, organiser):
    assert "There is no edition yet" in client.get("/admin/messages/?lang=en").get_data(
        as_text=True
    )
    make_edition(COMING_YEAR)
    response = client.get("/admin/messages/")
    assert response.headers["Location"] == URL


def test_an_unknown_year_is_not_found(client, organiser):
    assert client.get("/admin/messages/1999").status_code == 404


PERMISSIONS = [
    ("GET", "/admin/messages/"),
    ("GET", URL),
    ("POST", URL),
    ("POST", f"{URL}/reminders"),
]


def _token(client):
    # The session's CSRF token, from a page every visitor can open.
    page = client.get("/password/reset").get_data(as_text=True)
    if 'name="csrf_token"' in page:
        return csrf_token(client, "/password/reset")
    return csrf_token(client, "/")


@pytest.mark.parametrize("actor", ["anonymous", "editor", "deactivated", "organiser"])
@pytest.mark.parametrize(("method", "url"), PERMISSIONS)
def test_only_organisers_reach_messages_and_reminders(app, actor, method, url):
    from colloquium.accounts import services as accounts
    from tests.factories import make_association

    edition = make_edition(COMING_YEAR)
    make_registration(edition, "ada@example.org", confirm=True)
    clear_outbox()
    boss = make_user("boss@example.org", role="organiser")
    make_user("ed@example.org", association=make_association("alpha", "Alpha"))
    client = app.test_client()
    if actor != "anonymous":
        email = {"editor": "ed@example.org"}.get(actor, "boss@example.org")
        assert log_in(client, email).status_code == 302
    if actor == "deactivated":
        accounts.deactivate_user(boss)
        db.session.commit()
    if method == "GET":
        response = client.get(url)
    else:
        data = {"csrf_token": _token(client), "statuses": ["confirmed"], **TEXT}
        data.update(preview="Preview", confirm="y")
        response = client.post(url, data=data)
    if actor in ("anonymous", "deactivated"):
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    elif actor == "editor":
        assert response.status_code == 404
    else:
        assert response.status_code in (200, 302)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 0
    mail = db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingMail))
    assert mail == 0 or (actor == "organiser" and url.endswith("/reminders"))
