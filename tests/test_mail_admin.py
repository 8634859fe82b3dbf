"""The outbox page: counts, failures and their reasons, retrying, and a stopped worker."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from colloquium.audit.models import AuditEntry
from colloquium.clock import utcnow
from colloquium.extensions import db
from colloquium.mail import delivery
from colloquium.mail.models import MailStatus, OutgoingMail
from colloquium.mail.outbox import queue_mail
from tests.factories import make_user
from tests.web import csrf_token, log_in

ORGANISER = "organiser@example.org"


def queue(to, status="queued", error=None, age=timedelta(0), body="Corps secret du message"):
    """One outbox row in ``status``, created ``age`` ago; its id."""
    mail = queue_mail(to, "mail/test", "fr", {"recipient": to, "body": body})
    mail.status = status
    mail.last_error = error
    mail.created_at = utcnow() - age
    mail.next_attempt_at = utcnow() - age
    if status in ("sent", "failed"):
        mail.finished_at = utcnow() - age
        mail.attempts = 1
    db.session.flush()
    return mail.id


@pytest.fixture
def organiser(app, client):
    make_user(ORGANISER, role="organiser")
    db.session.commit()
    assert log_in(client, ORGANISER).status_code == 302
    return client


def page(client, query=""):
    response = client.get(f"/admin/mail/{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def mail(mail_id):
    db.session.expire_all()
    return db.session.get(OutgoingMail, mail_id)


def audit_entries():
    db.session.expire_all()
    return db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()


def test_the_page_counts_every_status_and_shows_failures_with_their_reason(organiser):
    for number, status in enumerate(["queued", "queued", "retry", "sent", "sent", "sent"]):
        queue(f"person{number}@example.org", status)
    queue("nobody@example.org", "failed", "550 5.1.1 <nobody@example.org>: no such user")
    db.session.commit()
    html = page(organiser, "?lang=en")
    counts = dict(re.findall(r"<dt>([^<]+)</dt><dd><a [^>]+>(\d+)</a></dd>", html))
    assert counts == {
        "Waiting": "2",
        "Being sent": "0",
        "To retry": "1",
        "Sent": "3",
        "Failed": "1",
    }
    assert "550 5.1.1 &lt;nobody@example.org&gt;: no such user" in html
    assert "nobody@example.org" in html  # organisers see the address: they act on it
    assert "Corps secret" not in html  # never the text of a message


def test_the_status_filter_lists_only_that_status(organiser):
    queue("sent@example.org", "sent")
    queue("failed@example.org", "failed", "550 no")
    queue("waiting@example.org")
    db.session.commit()
    html = page(organiser, "?status=failed&lang=en")
    assert "Failed: 1 e-mail" in html
    assert "failed@example.org" in html
    assert "sent@example.org" not in html and "waiting@example.org" not in html
    # An unknown status shows everything rather than an error.
    assert "All e-mails: 3" in page(organiser, "?status=confirmed&lang=en")


def test_the_list_is_paginated(organiser):
    for number in range(55):
        queue(f"p{number}@example.org", "sent")
    db.session.commit()
    first = page(organiser, "?lang=en")
    assert "page 1 of 2" in first
    assert first.count("@example.org</td>") == 50
    second = page(organiser, "?page=2&lang=en")
    assert second.count("@example.org</td>") == 5


def test_retrying_one_failed_mail_makes_it_due_and_is_audited(organiser):
    failed = queue("grace@example.org", "failed", "550 mailbox full")
    other = queue("other@example.org", "failed", "550 no")
    db.session.commit()
    token = csrf_token(organiser, "/admin/mail/")
    response = organiser.post(f"/admin/mail/{failed}/retry", data={"csrf_token": token})
    assert response.status_code == 302
    retried = mail(failed)
    assert retried.status == MailStatus.RETRY.value
    assert retried.attempts == 0 and retried.finished_at is None
    assert retried.next_attempt_at <= utcnow()
    assert retried.last_error == "550 mailbox full"  # kept until the next attempt
    assert mail(other).status == "failed"
    [entry] = audit_entries()
    assert (entry.action, entry.target, entry.details) == (
        "mail.retry",
        f"mail:{failed}",
        {"mails": 1},
    )
    assert entry.actor_email == ORGANISER


def test_only_a_failed_mail_can_be_retried(organiser):
    sent = queue("ada@example.org", "sent")
    db.session.commit()
    token = csrf_token(organiser, "/admin/mail/?lang=en")
    response = organiser.post(
        f"/admin/mail/{sent}/retry", data={"csrf_token": token}, follow_redirects=True
    )
    assert "Only an e-mail that failed can be sent again." in response.get_data(as_text=True)
    assert mail(sent).status == "sent"
    assert audit_entries() == []
    assert organiser.post("/admin/mail/999999/retry", data={"csrf_token": token}).status_code == 404


def test_retrying_all_asks_first_then_retries_every_failed_mail_once_audited(organiser):
    ids = [queue(f"f{number}@example.org", "failed", "550 no") for number in range(3)]
    erased = queue("gone@example.org", "failed", "550 no")
    db.session.get(OutgoingMail, erased).recipient = ""  # its recipient was erased
    sent = queue("ok@example.org", "sent")
    db.session.commit()
    question = organiser.get("/admin/mail/retry-failed?lang=en")
    assert question.status_code == 200
    html = question.get_data(as_text=True)
    assert "Send the 3 failed e-mails again?" in html
    assert [mail(mail_id).status for mail_id in ids] == ["failed"] * 3  # asking changed nothing
    token = csrf_token(organiser, html=html)
    response = organiser.post("/admin/mail/retry-failed", data={"csrf_token": token})
    assert response.status_code == 302
    assert [mail(mail_id).status for mail_id in ids] == ["retry"] * 3
    assert mail(erased).status == "failed" and mail(sent).status == "sent"
    [entry] = audit_entries()
    assert (entry.action, entry.target) == ("mail.retry", "outbox")
    assert entry.details == {"mails": 3, "status": "failed"}
    # Nothing left to retry: no second audit line.
    organiser.post("/admin/mail/retry-failed", data={"csrf_token": token})
    assert len(audit_entries()) == 1


def test_the_page_says_when_the_worker_last_sent_something(organiser):
    assert "No e-mail has been sent yet." in page(organiser, "?lang=en")
    queue("ada@example.org", "sent", age=timedelta(hours=2))
    db.session.commit()
    assert "Last e-mail sent:" in page(organiser, "?lang=en")


def test_a_stopped_worker_is_pointed_out_with_the_command_to_start_it(organiser, time_machine):
    time_machine.move_to(utcnow(), tick=False)
    queue("ada@example.org", "sent", age=timedelta(hours=1))
    queue("bob@example.org")  # due now
    db.session.commit()
    assert "seems stopped" not in page(organiser, "?lang=en")
    time_machine.shift(timedelta(minutes=14))
    assert "seems stopped" not in page(organiser, "?lang=en")
    time_machine.shift(timedelta(minutes=2))
    html = page(organiser, "?lang=en")
    assert "The mail worker seems stopped." in html
    assert "flask --app colloquium mail worker" in html
    assert "Le service d\u2019envoi des courriels semble arrêté." in page(organiser, "?lang=fr")


def test_no_warning_while_the_worker_moves_or_waits_to_retry(organiser, time_machine):
    time_machine.move_to(utcnow(), tick=False)
    queue("old@example.org", age=timedelta(minutes=30))  # due for 30 minutes…
    queue("ada@example.org", "sent", age=timedelta(minutes=1))  # …but mail moves
    retry = queue("later@example.org", "retry", age=timedelta(hours=1))
    db.session.get(OutgoingMail, retry).next_attempt_at = utcnow() + timedelta(minutes=30)
    db.session.commit()
    assert "seems stopped" not in page(organiser, "?lang=en")


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("count", [1, 20])
@pytest.mark.parametrize("status", ["", "failed"])
def test_the_page_runs_a_fixed_number_of_queries(organiser, count_queries, language, count, status):
    for number in range(count):
        for state in ("queued", "sent", "failed"):
            queue(f"{state}{number}@example.org", state, "550 no" if state == "failed" else None)
    db.session.commit()
    with count_queries() as queries:
        page(organiser, f"?lang={language}&status={status}")
    # The user, the counts, the worker's state, the page of mail and its total; without a
    # filter, the latest failures too.
    assert len(queries) == (6 if not status else 5), queries


def test_the_dashboard_links_its_failure_figure_to_the_failed_mail(organiser):
    html = organiser.get("/admin/?lang=en").get_data(as_text=True)
    assert 'href="/admin/mail/?status=failed"' in html


def test_a_failed_mail_retried_from_the_page_is_delivered(app, organiser, smtp_server):
    smtp_server.configure(app)
    mail_id = queue_mail("grace@example.org", "mail/test", "en", {"recipient": "grace"}).id
    db.session.commit()
    smtp_server.answer("550 5.2.2 Mailbox full")
    report = delivery.deliver_due()
    assert report.failed == 1 and smtp_server.messages == []
    html = page(organiser, "?status=failed&lang=en")
    assert "550 5.2.2 Mailbox full" in html
    token = csrf_token(organiser, html=html)
    assert (
        organiser.post(f"/admin/mail/{mail_id}/retry", data={"csrf_token": token}).status_code
        == 302
    )
    report = delivery.deliver_due()
    assert report.sent == 1
    smtp_server.wait_for(1)
    [message] = smtp_server.messages
    assert message["To"] == "grace@example.org"
    assert mail(mail_id).status == "sent"


# Every new URL x anonymous, an editor, an organiser: others get the login page or a 404.
PERMISSIONS = [
    ("GET", "/admin/mail/"),
    ("GET", "/admin/mail/?status=failed"),
    ("GET", "/admin/mail/retry-failed"),
    ("POST", "/admin/mail/retry-failed"),
    ("POST", "/admin/mail/{mail_id}/retry"),
]


@pytest.mark.parametrize("actor", ["anonymous", "editor", "organiser"])
@pytest.mark.parametrize(("method", "url"), PERMISSIONS, ids=[f"{m} {u}" for m, u in PERMISSIONS])
def test_permission_table(app, actor, method, url):
    from tests.factories import make_association

    make_user("editor@example.org", association=make_association())
    make_user(ORGANISER, role="organiser")
    mail_id = queue("lost@example.org", "failed", "550 no")
    db.session.commit()
    client = app.test_client()
    if actor != "anonymous":
        assert log_in(client, f"{actor}@example.org").status_code == 302
    token = csrf_token(client, "/password/reset") if actor == "anonymous" else None
    target = url.format(mail_id=mail_id)
    if method == "GET":
        response = client.get(target)
    else:
        token = token or csrf_token(client, "/")
        response = client.post(target, data={"csrf_token": token})
    if actor == "anonymous":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    elif actor == "editor":
        assert response.status_code == 404
    elif method == "GET":
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
    else:
        assert response.status_code == 302
        assert mail(mail_id).status == "retry"
    if actor != "organiser":
        assert mail(mail_id).status == "failed" and audit_entries() == []
