"""The outbox listing organisers will see in the back office."""

from datetime import timedelta

from colloquium.clock import utcnow
from colloquium.extensions import db
from colloquium.mail.outbox import Attachment, queue_mail
from colloquium.mail.services import OutboxFilter, list_outbox, outbox_counts


def make_outbox():
    now = utcnow()
    specs = [
        ("ada@example.org", "sent", 3),
        ("grace@example.org", "failed", 2),
        ("Ada.Lovelace@Example.org", "queued", 1),
        ("alan_t@example.org", "retry", 0),
    ]
    ids = {}
    for to, status, age in specs:
        mail = queue_mail(
            to, "mail/test", "fr", {"recipient": to}, [Attachment("a.bin", "x/y", b"1" * 1000)]
        )
        mail.status = status
        mail.created_at = now - timedelta(days=age)
        ids[to] = mail.id
    db.session.commit()
    return ids, now


def listed(**filters):
    return [m.recipient for m in list_outbox(OutboxFilter(**filters)).items]


def test_the_outbox_lists_newest_first_with_filters(app):
    _, now = make_outbox()
    assert listed() == [
        "alan_t@example.org",
        "Ada.Lovelace@Example.org",
        "grace@example.org",
        "ada@example.org",
    ]
    assert listed(status="failed") == ["grace@example.org"]
    assert listed(recipient="ADA") == ["Ada.Lovelace@Example.org", "ada@example.org"]
    assert listed(recipient="n_t") == ["alan_t@example.org"]
    assert listed(recipient="%") == []  # a wildcard is taken literally
    assert listed(template="mail/test", status="sent") == ["ada@example.org"]
    assert listed(template="registration/confirmed") == []
    assert listed(
        created_from=now - timedelta(days=2, hours=1), created_until=now - timedelta(hours=12)
    ) == ["Ada.Lovelace@Example.org", "grace@example.org"]


def test_the_outbox_is_paginated_in_a_fixed_number_of_queries(app, count_queries):
    make_outbox()
    db.session.expire_all()
    with count_queries() as queries:
        page = list_outbox(page=2, per_page=3)
        recipients = [m.recipient for m in page.items]
    assert (page.total, page.pages, recipients) == (4, 2, ["ada@example.org"])
    assert len(queries) == 2, queries
    assert list_outbox(page=9, per_page=3).items == []


def test_outbox_counts_by_status(app):
    make_outbox()
    assert outbox_counts() == {"queued": 1, "sending": 0, "sent": 1, "retry": 1, "failed": 1}
