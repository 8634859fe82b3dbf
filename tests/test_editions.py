"""Editions: defaults, validation, the current-edition rule and the CLI."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from colloquium.editions import services
from colloquium.editions.models import Edition
from colloquium.errors import DomainError
from colloquium.extensions import db
from tests.factories import COMING_YEAR, NEXT_YEAR, make_edition


def test_defaults_follow_the_spec(app):
    edition = make_edition(COMING_YEAR, capacity=120)
    assert edition.date == date(COMING_YEAR, 10, 17)
    assert edition.timezone == "Europe/Paris"
    assert edition.programme_published is False
    # The day before at 23:59 in Paris, summer time: 21:59 UTC.
    assert edition.registration_closes_at == datetime(COMING_YEAR, 10, 16, 21, 59, tzinfo=UTC)
    assert edition.registration_opens_at <= datetime.now(UTC)
    assert edition.seats_left == 120


def test_a_year_cannot_have_two_editions(app):
    make_edition(COMING_YEAR)
    with pytest.raises(DomainError) as caught:
        services.create_edition(COMING_YEAR)
    assert caught.value.field == "year"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"date": date(NEXT_YEAR, 10, 17)}, "date"),
        ({"capacity": -1}, "capacity"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        (
            {"registration_closes_at": datetime(COMING_YEAR, 10, 19, tzinfo=UTC)},
            "registration_closes_at",
        ),
        (
            {
                "registration_opens_at": datetime(COMING_YEAR, 10, 10, tzinfo=UTC),
                "registration_closes_at": datetime(COMING_YEAR, 10, 1, tzinfo=UTC),
            },
            "registration_closes_at",
        ),
    ],
)
def test_create_refuses_bad_values(app, changes, field):
    with pytest.raises(DomainError) as caught:
        services.create_edition(COMING_YEAR, services.EditionChanges(**changes))
    assert caught.value.field == field
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Edition)) == 0


def test_capacity_cannot_drop_below_the_seats_taken(app):
    edition = make_edition(COMING_YEAR, capacity=10)
    edition.seats_taken = 8
    db.session.commit()
    with pytest.raises(DomainError) as caught:
        services.update_edition(edition, services.EditionChanges(capacity=7))
    assert caught.value.field == "capacity"
    assert edition.capacity == 10
    services.update_edition(edition, services.EditionChanges(capacity=8))
    assert edition.capacity == 8


def test_a_rejected_update_changes_nothing(app):
    edition = make_edition(COMING_YEAR, capacity=10, city="Lyon")
    with pytest.raises(DomainError):
        services.update_edition(
            edition,
            services.EditionChanges(
                city="Paris", registration_closes_at=datetime(NEXT_YEAR, 1, 1, tzinfo=UTC)
            ),
        )
    assert edition.city == "Lyon"


def test_the_database_refuses_more_seats_than_capacity(app):
    edition = make_edition(COMING_YEAR, capacity=2)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(Edition).where(Edition.id == edition.id).values(seats_taken=3))
        db.session.flush()
    db.session.rollback()


def test_current_edition_is_the_next_to_come_else_the_latest(app):
    # Three editions to come (a past one could not be created with today's defaults); the
    # day the question is asked is given.
    first, second, third = COMING_YEAR, COMING_YEAR + 1, COMING_YEAR + 2
    assert services.current_edition(date(third, 1, 1)) is None
    make_edition(first)
    make_edition(third)
    make_edition(second)
    assert services.current_edition(date(second, 1, 1)).year == second
    assert services.current_edition(date(second, 10, 17)).year == second  # the day itself
    assert services.current_edition(date(second, 10, 18)).year == third
    assert services.current_edition(date(third + 5, 1, 1)).year == third


def test_publishing_records_when(app):
    edition = make_edition(COMING_YEAR)
    services.update_edition(edition, services.EditionChanges(publish_programme=True))
    assert edition.programme_published
    assert edition.programme_updated_at is not None


# The command line


def test_cli_create_and_update(runner):
    result = runner.invoke(
        args=[
            "edition",
            "create",
            f"{NEXT_YEAR}",
            "--capacity",
            "150",
            "--venue",
            "Salle des fêtes",
            "--city",
            "Marseille",
        ]
    )
    assert result.exit_code == 0, result.output
    assert f"Edition {NEXT_YEAR} created" in result.output
    edition = services.get_edition(NEXT_YEAR)
    assert (edition.capacity, edition.venue_name, edition.city) == (
        150,
        "Salle des fêtes",
        "Marseille",
    )

    result = runner.invoke(
        args=[
            "edition",
            "update",
            f"{NEXT_YEAR}",
            "--capacity",
            "200",
            "--opens",
            f"{NEXT_YEAR}-06-01T09:00",
            "--closes",
            f"{NEXT_YEAR}-10-10T18:00+02:00",
            "--publish-programme",
        ]
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    edition = services.get_edition(NEXT_YEAR)
    assert edition.capacity == 200
    assert edition.registration_opens_at == datetime(NEXT_YEAR, 6, 1, 7, 0, tzinfo=UTC)
    assert edition.registration_closes_at == datetime(NEXT_YEAR, 10, 10, 16, 0, tzinfo=UTC)
    assert edition.programme_published


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["edition", "create", f"{COMING_YEAR}"], f"An edition already exists for {COMING_YEAR}."),
        (
            ["edition", "create", f"{NEXT_YEAR}", "--date", f"{COMING_YEAR + 2}-10-17"],
            f"The date must fall in {NEXT_YEAR}.",
        ),
        (["edition", "create", f"{NEXT_YEAR}", "--date", f"17/10/{NEXT_YEAR}"], "is not a date"),
        (["edition", "create", "1900"], "The year must be between"),
        (
            ["edition", "update", f"{COMING_YEAR - 1}"],
            f"There is no edition for {COMING_YEAR - 1}.",
        ),
        (
            ["edition", "update", f"{COMING_YEAR}", "--capacity", "3"],
            "cannot be lower than the 5 seats already taken",
        ),
        (
            ["edition", "update", f"{COMING_YEAR}", "--capacity", "-3"],
            "The capacity cannot be negative.",
        ),
        (
            ["edition", "update", f"{COMING_YEAR}", "--closes", f"{COMING_YEAR}-10-20T10:00"],
            "cannot close after the colloquium",
        ),
        (["edition", "update", f"{COMING_YEAR}", "--opens", "soon"], "is not a date-time"),
        (
            [
                "edition",
                "update",
                f"{COMING_YEAR}",
                "--opens",
                f"{COMING_YEAR}-10-16T10:00",
                "--closes",
                f"{COMING_YEAR}-10-15T10:00",
            ],
            "must close after it opens",
        ),
    ],
)
def test_cli_mistakes_get_one_clear_line_and_change_nothing(runner, args, message):
    edition = make_edition(COMING_YEAR, capacity=10)
    edition.seats_taken = 5
    db.session.commit()
    before = {c.key: getattr(edition, c.key) for c in sa.inspect(Edition).columns}

    result = runner.invoke(args=args)

    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    db.session.expire_all()
    after = db.session.get(Edition, edition.id)
    assert {c.key: getattr(after, c.key) for c in sa.inspect(Edition).columns} == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Edition)) == 1
