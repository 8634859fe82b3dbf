"""``flask edition`` answers hostile values with one line on standard error and changes nothing."""

import pytest
import sqlalchemy as sa

from colloquium.editions import services
from colloquium.editions.models import Edition
from colloquium.errors import DomainError
from colloquium.extensions import db
from tests.factories import COMING_YEAR, NEXT_YEAR, make_edition

HUGE = "99999999999999999999"  # beyond 64 bits


def _columns(edition) -> dict:
    return {c.key: getattr(edition, c.key) for c in sa.inspect(Edition).columns}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", f"{NEXT_YEAR}", "--capacity", HUGE], "at most 100000 seats"),
        (["create", f"{NEXT_YEAR}", "--capacity", "100001"], "at most 100000 seats"),
        (["update", f"{COMING_YEAR}", "--capacity", HUGE], "at most 100000 seats"),
        (["update", f"{COMING_YEAR}", "--capacity", str(2**31)], "at most 100000 seats"),
        (["update", f"{COMING_YEAR}", "--capacity", "-1"], "cannot be negative"),
        (["create", f"{NEXT_YEAR}", "--title", "x" * 300], "title can have at most 200"),
        (["update", f"{COMING_YEAR}", "--title", "x" * 300], "title can have at most 200"),
        (["create", f"{NEXT_YEAR}", "--venue", "x" * 300], "venue can have at most 200"),
        (["update", f"{COMING_YEAR}", "--venue", "x" * 300], "venue can have at most 200"),
        (["update", f"{COMING_YEAR}", "--address", "x" * 301], "address can have at most 300"),
        (["update", f"{COMING_YEAR}", "--city", "x" * 101], "city can have at most 100"),
        (["update", f"{COMING_YEAR}", "--theme", "x" * 5001], "theme can have at most 5000"),
        (["update", f"{COMING_YEAR}", "--city", "Pa\x00ris"], "control characters"),
        (["update", f"{COMING_YEAR}", "--title", "Col\x1b[31mloque"], "control characters"),
        (["create", "99999"], "The year must be between 2008 and 2200."),
        (["create", HUGE], "The year must be between 2008 and 2200."),
        (["update", "99999"], "There is no edition for 99999."),
        (["update", HUGE], f"There is no edition for {HUGE}."),
        (["create", f"{NEXT_YEAR}", "--date", "0001-01-01"], f"must fall in {NEXT_YEAR}"),
        (["update", f"{COMING_YEAR}", "--date", "0001-01-01"], f"must fall in {COMING_YEAR}"),
        (["create", f"{NEXT_YEAR}", "--date", "99999-10-17"], "is not a date"),
        (["update", f"{COMING_YEAR}", "--opens", "0001-01-01T00:00"], "cannot open before 2008"),
        (
            ["update", f"{COMING_YEAR}", "--opens", "0001-01-01T00:00", "--closes", "0001-01-02"],
            "cannot open before 2008",
        ),
        (["update", f"{COMING_YEAR}", "--closes", "0001-01-02T00:00"], "close after it opens"),
        (["update", f"{COMING_YEAR}", "--closes", "9999-12-31T23:59"], "cannot close after"),
        (["update", f"{COMING_YEAR}", "--opens", "x" * 300], "is not a date-time"),
    ],
)
def test_hostile_values_get_one_line_and_change_nothing(runner, args, message):
    edition = make_edition(COMING_YEAR, capacity=10)
    before = _columns(edition)

    result = runner.invoke(args=["edition", *args])

    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert message in lines[0]
    assert len(lines[0]) < 200  # the hostile value is not echoed in full
    db.session.expire_all()
    assert _columns(db.session.get(Edition, edition.id)) == before
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Edition)) == 1


def test_the_longest_accepted_values_are_saved(runner):
    make_edition(COMING_YEAR, capacity=10)
    result = runner.invoke(
        args=[
            "edition",
            "update",
            f"{COMING_YEAR}",
            "--capacity",
            "100000",
            "--title",
            "T" * 200,
            "--venue",
            "V" * 200,
            "--address",
            "A" * 300,
            "--city",
            "C" * 100,
            "--theme",
            "Ligne une\n\tligne deux",
        ]
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    edition = services.get_edition(COMING_YEAR)
    assert (edition.capacity, len(edition.venue_address)) == (100_000, 300)
    assert edition.theme_fr == "Ligne une\n\tligne deux"


def test_the_service_refuses_the_same_values_for_any_caller(app):
    with pytest.raises(DomainError) as refused:
        services.create_edition(COMING_YEAR, services.EditionChanges(capacity=100_001))
    assert refused.value.field == "capacity"
    with pytest.raises(DomainError) as refused:
        services.create_edition(COMING_YEAR, services.EditionChanges(city="x" * 101))
    assert refused.value.field == "city"
    assert services.get_edition(int(HUGE)) is None


def test_the_error_speaks_french_outside_the_command_line(app):
    from flask_babel import force_locale

    with pytest.raises(DomainError) as refused:
        services.create_edition(COMING_YEAR, services.EditionChanges(title_fr="x" * 201))
    with force_locale("fr"):
        assert str(refused.value.message) == "Le titre peut compter au plus 200 caractères."
    with force_locale("en"):
        assert str(refused.value.message) == "The title can have at most 200 characters."
