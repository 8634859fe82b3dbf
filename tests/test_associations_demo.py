"""``flask demo`` adds 26 invented members, their editors and an organiser, once."""

import re

import sqlalchemy as sa

from colloquium.accounts.models import User
from colloquium.associations.models import Association
from colloquium.extensions import db
from tests.web import log_in


def test_demo_members_and_accounts_are_created_once(runner, client):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    passwords = re.findall(r"^(Editor of \S+|Organiser): (\S+) / (\S+)$", first.output, re.M)
    assert len(passwords) == 27
    members = db.session.scalars(sa.select(Association)).all()
    assert len(members) == 26 and all(m.is_member for m in members)
    assert len({m.city for m in members}) >= 15
    assert len({area for m in members for area in m.areas}) == 10
    assert sum(1 for m in members if m.logo_digest) >= 4
    assert all("fictive" in m.summary_fr for m in members)
    assert all(m.website.endswith(".example.org") for m in members)
    editors = db.session.scalars(sa.select(User).where(User.role == "editor")).all()
    assert sorted(e.association.slug for e in editors) == sorted(m.slug for m in members)

    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert " / " not in second.output  # no password printed again
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Association)) == 26
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 27

    # The printed passwords work.
    _, email, password = passwords[-1]
    assert log_in(client, email, password).headers["Location"] == "/admin/"
    html = client.get("/associations?lang=en").get_data(as_text=True)
    assert "26 member associations work together" in html
