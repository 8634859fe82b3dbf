"""The audit log: written in the caller's transaction, read by organisers only."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from colloquium.accounts.models import User
from colloquium.audit import services as audit
from colloquium.audit.models import AuditEntry
from colloquium.clock import utcnow
from colloquium.extensions import db
from tests.factories import make_association, make_user
from tests.web import log_in


@pytest.fixture
def organiser(app):
    return make_user("organiser@example.org", role="organiser")


def _organiser_client(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert log_in(client, "organiser@example.org").status_code == 302
    return client


def test_record_copies_the_actor_and_joins_the_callers_transaction(app, organiser):
    entry = audit.record(organiser, "registrations.export", "edition:2030", {"rows": 3})
    assert entry.id is not None
    db.session.rollback()
    assert db.session.scalars(sa.select(AuditEntry)).all() == []

    audit.record(organiser, "registrations.export", "edition:2030", {"rows": 3})
    db.session.commit()
    [entry] = db.session.scalars(sa.select(AuditEntry)).all()
    assert (entry.actor_id, entry.actor_email) == (organiser.id, "organiser@example.org")
    assert entry.details == {"rows": 3}
    assert entry.created_at.tzinfo is not None


def test_the_line_survives_its_actors_account(app, organiser):
    audit.record(organiser, "registrations.export", "edition:2030", {"rows": 3})
    db.session.commit()
    db.session.execute(sa.delete(User).where(User.id == organiser.id))
    db.session.commit()
    db.session.expire_all()
    [entry] = db.session.scalars(sa.select(AuditEntry)).all()
    assert entry.actor_id is None
    assert entry.actor_email == "organiser@example.org"


@pytest.mark.parametrize(("who", "expected"), [("anonymous", "login"), ("editor", 404)])
def test_only_organisers_read_the_audit_log(app, organiser, who, expected):
    make_user("editor@example.org", association=make_association("alpha", "Alpha"))
    client = app.test_client()
    if who == "editor":
        assert log_in(client, "editor@example.org").status_code == 302
    response = client.get("/admin/audit/")
    if expected == "login":
        assert response.status_code == 302
        assert "/login?next=" in response.headers["Location"]
    else:
        assert response.status_code == 404


def test_the_audit_page_lists_the_newest_first(app, organiser):
    now = utcnow()
    for number in range(3):
        entry = audit.record(
            organiser, "registrations.export", f"edition:203{number}", {"rows": number}
        )
        entry.created_at = now - timedelta(minutes=10 - number)
    db.session.commit()
    response = _organiser_client(app).get("/admin/audit/")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    table = page.split("<table")[1]
    assert '<caption id="audit-caption">Audit log: 3 entries</caption>' in table
    assert table.index("Edition 2032") < table.index("Edition 2031") < table.index("Edition 2030")
    assert "rows: 2" in table
    assert table.count('<th scope="row">') == 3


def test_an_empty_audit_log_says_so(app, organiser):
    page = _organiser_client(app).get("/admin/audit/").get_data(as_text=True)
    assert "Nothing has been recorded yet." in page


def test_the_audit_page_is_paginated(app, organiser):
    for number in range(55):
        audit.record(organiser, "registrations.export", f"edition:{2000 + number}", {"rows": 1})
    db.session.commit()
    client = _organiser_client(app)
    first = client.get("/admin/audit/").get_data(as_text=True)
    assert first.split("<table")[1].count('<th scope="row">') == 50
    assert "page 1 of 2" in first
    assert 'href="/admin/audit/?page=2"' in first
    second = client.get("/admin/audit/?page=2").get_data(as_text=True)
    assert second.split("<table")[1].count('<th scope="row">') == 5


@pytest.mark.parametrize("count", [3, 60])
def test_the_audit_page_has_a_fixed_query_count(app, organiser, count_queries, count):
    for number in range(count):
        audit.record(organiser, "registrations.export", f"edition:{2000 + number}", {"rows": 1})
    db.session.commit()
    client = _organiser_client(app)
    client.get("/admin/audit/")
    with count_queries() as queries:
        assert client.get("/admin/audit/").status_code == 200
    # The account, the total, the page's rows.
    assert len(queries) == 3
