"""``flask edition create|update``."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from colloquium.editions import services
from colloquium.errors import DomainError
from colloquium.extensions import db

edition_cli = AppGroup("edition", help="Create and change editions of the colloquium.")


# Mistakes are ClickException, not BadParameter: click prints a usage error on several lines,
# and a mistake gets one line (README, Command line).


def _parse_date(value: str | None) -> date | None:
    """An ISO 8601 date, or one clear line on standard error."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.ClickException(f"{value[:40]!r} is not a date like 2027-10-17.") from None


def _parse_moment(value: str | None, timezone: str) -> datetime | None:
    """An ISO 8601 date-time; without an offset it is read in the edition's time zone."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.ClickException(
            f"{value[:40]!r} is not a date-time like 2027-09-01T09:00 or 2027-09-01T09:00+02:00."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return moment


def _commit_or_fail(action):
    """Run ``action`` and commit; a ``DomainError`` rolls back and becomes one line."""
    try:
        result = action()
        db.session.commit()
        return result
    except DomainError as error:
        db.session.rollback()
        with force_locale("en"):  # the command line speaks English, like its --help
            message = str(error.message)
        raise click.ClickException(message) from None


# Numbers are plain ``int``: the service bounds them (a year, at most 100,000 seats) and says
# so in one line, where click's ranges answer with a usage message on several lines.
@edition_cli.command("create")
@click.argument("year", type=int)
@click.option("--capacity", type=int, help="Number of seats (0 to 100,000).")
@click.option("--date", "day", help="Date of the colloquium (default: 17 October of YEAR).")
@click.option("--venue", help="Name of the venue.")
@click.option("--address", help="Street address of the venue.")
@click.option("--city", help="City of the venue.")
@click.option("--title", help="Title of this edition, in French.")
@click.option("--theme", help="Theme of this edition, in French.")
def create_command(year, capacity, day, venue, address, city, title, theme):
    """Create the edition of YEAR."""
    changes = services.EditionChanges(
        capacity=capacity,
        date=_parse_date(day),
        venue_name=venue,
        venue_address=address,
        city=city,
        title_fr=title,
        theme_fr=theme,
    )
    edition = _commit_or_fail(lambda: services.create_edition(year, changes))
    click.echo(
        f"Edition {edition.year} created: {edition.date.isoformat()}, "
        f"{edition.capacity} seats, registration closes "
        f"{edition.registration_closes_at.astimezone(edition.tz).isoformat(timespec='minutes')}."
    )


@edition_cli.command("update")
@click.argument("year", type=int)
@click.option("--capacity", type=int, help="New number of seats (up to 100,000).")
@click.option("--opens", help="When registration opens (ISO 8601).")
@click.option("--closes", help="When registration closes (ISO 8601).")
@click.option("--date", "day", help="New date of the colloquium.")
@click.option("--venue", help="Name of the venue.")
@click.option("--address", help="Street address of the venue.")
@click.option("--city", help="City of the venue.")
@click.option("--title", help="Title of this edition, in French.")
@click.option("--theme", help="Theme of this edition, in French.")
@click.option(
    "--publish-programme",
    "publish",
    flag_value=True,
    default=None,
    help="Make the programme public.",
)
@click.option(
    "--unpublish-programme",
    "publish",
    flag_value=False,
    help="Hide the programme from the public again.",
)
def update_command(year, capacity, opens, closes, day, venue, address, city, title, theme, publish):
    """Change the edition of YEAR."""
    edition = services.get_edition(year)
    if edition is None:
        raise click.ClickException(f"There is no edition for {str(year)[:20]}.")
    changes = services.EditionChanges(
        capacity=capacity,
        registration_opens_at=_parse_moment(opens, edition.timezone),
        registration_closes_at=_parse_moment(closes, edition.timezone),
        date=_parse_date(day),
        venue_name=venue,
        venue_address=address,
        city=city,
        title_fr=title,
        theme_fr=theme,
        publish_programme=publish,
    )
    _commit_or_fail(lambda: services.update_edition(edition, changes))
    state = "published" if edition.programme_published else "not published"
    click.echo(
        f"Edition {edition.year} updated: {edition.capacity} seats "
        f"({edition.seats_taken} taken), programme {state}."
    )
