"""``flask demo`` loads a coming edition, and running it again changes nothing."""

import sqlalchemy as sa

from colloquium.clock import local_today, utcnow
from colloquium.demo import coming_year
from colloquium.editions import services
from colloquium.editions.models import Edition
from colloquium.extensions import db


def test_demo_is_idempotent(runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Edition)) == 1


def test_demo_edition_is_coming_with_registration_open(runner, client):
    runner.invoke(args=["demo"])
    edition = services.current_edition()
    assert edition.year == coming_year()
    assert edition.date >= local_today()
    assert edition.city == "Paris" and edition.capacity > 0
    assert edition.registration_state(utcnow()) == "open"
    assert client.get("/").status_code == 200


def test_demo_programme_is_published_believable_and_idempotent(runner, client):
    from colloquium.programme import services as programme

    first = runner.invoke(args=["demo"])
    assert "Programme" in first.output and "created and published" in first.output
    edition = services.current_edition()
    sessions = programme.list_sessions(edition)
    kinds = {session.kind for session in sessions}
    assert {"opening", "keynote", "round_table", "workshop", "testimony", "closing"} <= kinds
    workshops = [session for session in sessions if session.kind == "workshop"]
    assert len(workshops) >= 2 and len({w.starts_at for w in workshops}) == 1  # in parallel
    assert programme.programme_conflicts(edition) == []
    assert edition.programme_published
    second = runner.invoke(args=["demo"])
    assert "already there" in second.output
    assert len(programme.list_sessions(edition)) == len(sessions)
    assert client.get("/programme").status_code == 200
    assert client.get("/programme.ics").status_code == 200


def test_demo_links_some_speakers_to_member_associations(runner):
    from colloquium.associations import services as associations
    from colloquium.programme import services as programme
    from tests.factories import make_association

    make_association("zz-maison-fictive", "Maison fictive")
    first = runner.invoke(args=["demo"])
    assert "speakers linked to member associations." in first.output
    edition = services.current_edition()
    linked = [s for s in programme.list_speakers(edition) if s.association_id]
    assert len(linked) == min(3, len(associations.search_members()))
    assert all(s.affiliation_fr == s.association.name for s in linked)
    assert "linked" not in runner.invoke(args=["demo"]).output
