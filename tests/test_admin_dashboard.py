"""The dashboard: the current edition in figures, the needs, and a fixed number of queries."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from colloquium.extensions import db
from colloquium.mail.models import OutgoingMail
from colloquium.registration import services as registrations
from colloquium.registration.models import Registration
from tests.factories import (
    COMING_YEAR,
    make_association,
    make_edition,
    make_registration,
    make_user,
)
from tests.web import log_in


@pytest.fixture
def organiser(app):
    """A committed organiser account."""
    user = make_user("boss@example.org", role="organiser")
    db.session.commit()
    return user


def _client(app):
    client = app.test_client()
    assert log_in(client, "boss@example.org").status_code == 302
    return client


def _fill(edition, count: int):
    """``count`` confirmed people (the rest waitlisted), one unconfirmed, one cancelled."""
    for number in range(count):
        make_registration(
            edition,
            f"p{number}@example.org",
            confirm=True,
            first_name=f"P{number}",
            accessibility_needs="Fauteuil roulant" if number == 0 else "",
            dietary_requirements="Végétarien" if number % 2 else "",
        )
    make_registration(edition, "late@example.org", first_name="Late")
    gone, _ = make_registration(edition, "gone@example.org", first_name="Gone")
    registrations.cancel_registration(gone)
    db.session.commit()


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("count", [2, 12])
def test_the_dashboard_runs_a_fixed_number_of_queries(
    app, organiser, count_queries, count, language
):
    _fill(make_edition(COMING_YEAR, capacity=5), count)
    client = _client(app)
    with count_queries() as queries:
        page = client.get(f"/admin/?lang={language}")
    assert page.status_code == 200
    # The user, members, accounts, the current edition, its counts, its overview, the outbox.
    assert len(queries) == 7, queries


def test_the_dashboard_shows_the_current_edition_in_figures(app, organiser):
    edition = make_edition(COMING_YEAR, capacity=2)
    _fill(edition, 3)
    first_mail = db.session.scalar(sa.select(sa.func.min(OutgoingMail.id)))
    db.session.execute(
        sa.update(OutgoingMail).where(OutgoingMail.id == first_mail).values(status="failed")
    )
    # Two of the registrations came in the day before.
    first_two = db.session.scalars(sa.select(Registration).order_by(Registration.id).limit(2))
    for registration in first_two:
        registration.created_at = registration.created_at - timedelta(days=1)
    db.session.commit()
    html = _client(app).get("/admin/?lang=en").get_data(as_text=True)
    figures = re.sub(r"\s+", " ", html.split('class="figures"', 1)[1].split("</ul>", 1)[0])
    assert "2 of 2</span> seats taken" in figures
    assert ">1</span> on the waiting list" in figures
    assert ">1</span> not confirmed yet" in figures
    assert ">1</span> cancelled" in figures
    assert ">0</span> checked in" in figures
    assert ">1</span> e-mails that could not be delivered" in figures
    assert '<svg class="bar-chart" role="img" aria-labelledby="per-day-svg-title"' in html
    assert html.count("<rect ") == 2  # yesterday and today
    assert re.search(r"<tr><th scope=\"row\">[^<]+</th><td>2</td></tr>", html)  # the table
    assert "<strong>P0 Lovelace</strong> — Fauteuil roulant" in html
    assert "Végétarien \u00d7 1" in html  # P1 holds a seat; P2 waits, so is not counted
    assert "Gone" not in html and "Late" not in html


@pytest.mark.parametrize(
    ("who", "expected"), [("anonymous", 302), ("editor", 404), ("organiser", 200)]
)
def test_only_organisers_see_the_dashboard_and_it_is_never_stored(app, organiser, who, expected):
    _fill(make_edition(COMING_YEAR), 1)
    make_user("editor@example.org", association=make_association("alpha", "Alpha"))
    db.session.commit()
    client = app.test_client()
    if who != "anonymous":
        log_in(client, "boss@example.org" if who == "organiser" else "editor@example.org")
    response = client.get("/admin/")
    assert response.status_code == expected
    assert "no-store" in response.headers["Cache-Control"]
    assert ("Fauteuil roulant" in response.get_data(as_text=True)) is (expected == 200)


def test_the_overview_counts_days_in_paris_time(app):
    edition = make_edition(COMING_YEAR)
    registration, _ = make_registration(edition)
    # 23:30 UTC on 31 March is already 1 April in Paris (summer time, UTC+2).
    registration.created_at = datetime(COMING_YEAR, 3, 31, 23, 30, tzinfo=UTC)
    db.session.commit()
    overview = registrations.edition_overview(edition)
    assert overview.per_day == [(datetime(COMING_YEAR, 4, 1).date(), 1)]
