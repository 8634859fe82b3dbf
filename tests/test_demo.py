"""``flask demo`` loads a coming edition, and running it again changes nothing."""

import sqlalchemy as sa

from colloquium.db import utcnow
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
    assert edition.date >= services.local_today()
    assert edition.city == "Paris" and edition.capacity > 0
    assert edition.registration_state(utcnow()) == "open"
    assert client.get("/").status_code == 200
