"""Editions: defaults, validation, the current-edition rule and the CLI."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from colloquium.editions import services
from colloquium.editions.models import Edition
from colloquium.errors import DomainError
from colloquium.extensions import db
from tests.factories import make_edition


def test_defaults_follow_the_spec(app):
    edition = make_edition(2030, capacity=120)
    assert edition.date == date(2030, 10, 17)
    assert edition.timezone == "Europe/Paris"
    assert edition.programme_published is False
    # The day before at 23:59 in Paris, summer time: 21:59 UTC.
    assert edition.registration_closes_at == datetime(2030, 10, 16, 21, 59, tzinfo=UTC)
    assert edition.registration_opens_at <= datetime.now(UTC)
    assert edition.seats_left == 120


def test_a_year_cannot_have_two_editions(app):
    make_edition(2030)
    with pytest.raises(DomainError) as caught:
        services.create_edition(2030)
    assert caught.value.field == "year"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"date": date(2031, 10, 17)}, "date"),
        ({"capacity": -1}, "capacity"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"registration_closes_at": datetime(2030, 10, 19, tzinfo=UTC)}, "registration_closes_at"),
        (
            {
                "registration_opens_at": datetime(2030, 10, 10, tzinfo=UTC),
                "registration_closes_at": datetime(2030, 10, 1, tzinfo=UTC),
            },
            "registration_closes_at",
        ),
    ],
)
def test_create_refuses_bad_values(app, changes, field):
    with pytest.raises(DomainError) as caught:
        services.create_edition(2030, services.EditionChanges(**changes))
    assert caught.value.field == field
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Edition)) == 0


def test_capacity_cannot_drop_below_the_seats_taken(app):
    edition = make_edition(2030, capacity=10)
    edition.seats_taken = 8
    db.session.commit()
    with pytest.raises(DomainError) as caught:
        services.update_edition(edition, services.EditionChanges(capacity=7))
    assert caught.value.field == "capacity"
    assert edition.capacity == 10
    services.update_edition(edition, services.EditionChanges(capacity=8))
    assert edition.capacity == 8


def test_a_rejected_update_changes_nothing(app):
    edition = make_edition(2030, capacity=10, city="Lyon")
    with pytest.raises(DomainError):
        services.update_edition(
            edition,
            services.EditionChanges(
                city="Paris", registration_closes_at=datetime(2031, 1, 1, tzinfo=UTC)
            ),
        )
    assert edition.city == "Lyon"


def test_the_database_refuses_more_seats_than_capacity(app):
    edition = make_edition(2030, capacity=2)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(Edition).where(Edition.id == edition.id).values(seats_taken=3))
        db.session.flush()
    db.session.rollback()


def test_current_edition_is_the_next_to_come_else_the_latest(app):
    assert services.current_edition(date(2030, 1, 1)) is None
    make_edition(2028)
    make_edition(2030)
    make_edition(2029)
    assert services.current_edition(date(2029, 1, 1)).year == 2029
    assert services.current_edition(date(2029, 10, 17)).year == 2029  # the day itself
    assert services.current_edition(date(2029, 10, 18)).year == 2030
    assert services.current_edition(date(2035, 1, 1)).year == 2030


def test_publishing_records_when(app):
    edition = make_edition(2030)
    services.update_edition(edition, services.EditionChanges(publish_programme=True))
    assert edition.programme_published
    assert edition.programme_updated_at is not None


# The command line


def test_cli_create_and_update(runner):
    result = runner.invoke(
        args=[
            "edition",
            "create",
            "2031",
            "--capacity",
            "150",
            "--venue",
            "Salle des fêtes",
            "--city",
            "Marseille",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Edition 2031 created" in result.output
    edition = services.get_edition(2031)
    assert (edition.capacity, edition.venue_name, edition.city) == (
        150,
        "Salle des fêtes",
        "Marseille",
    )

    result = runner.invoke(
        args=[
            "edition",
            "update",
            "2031",
            "--capacity",
            "200",
            "--opens",
            "2031-06-01T09:00",
            "--closes",
            "2031-10-10T18:00+02:00",
            "--publish-programme",
        ]
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    edition = services.get_edition(2031)
    assert edition.capacity == 200
    assert edition.registration_opens_at == datetime(2031, 6, 1, 7, 0, tzinfo=UTC)
    assert edition.registration_closes_at == datetime(2031, 10, 10, 16, 0, tzinfo=UTC)
    assert edition.programme_published


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["edition", "create", "2030"], "An edition already exists for 2030."),
        (["edition", "create", "2031", "--date", "2032-10-17"], "The date must fall in 2031."),
        (["edition", "create", "2031", "--date", "17/10/2031"], "is not a date"),
        (["edition", "create", "1900"], "The year must be between"),
        (["edition", "update", "2029"], "There is no edition for 2029."),
        (
            ["edition", "update", "2030", "--capacity", "3"],
            "cannot be lower than the 5 seats already taken",
        ),
        (["edition", "update", "2030", "--capacity", "-3"], "-3 is not in the range"),
        (
            ["edition", "update", "2030", "--closes", "2030-10-20T10:00"],
            "cannot close after the colloquium",
        ),
        (["edition", "update", "2030", "--opens", "soon"], "is not a date-time"),
        (
            [
                "edition",
                "update",
                "2030",
                "--opens",
                "2030-10-16T10:00",
                "--closes",
                "2030-10-15T10:00",
            ],
            "must close after it opens",
        ),
    ],
)
def test_cli_mistakes_get_one_clear_line_and_change_nothing(runner, args, message):
    edition = make_edition(2030, capacity=10)
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
