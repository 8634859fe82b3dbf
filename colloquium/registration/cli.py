"""``flask reminders send``."""

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from colloquium.editions.services import current_edition
from colloquium.errors import DomainError
from colloquium.extensions import db
from colloquium.registration import messages

reminders_cli = AppGroup("reminders", help="E-mail the practical information before the day.")


@reminders_cli.command("send")
@click.option(
    "--days",
    type=int,
    default=None,
    help="Send when the colloquium is at most this many days away "
    "(default: COLLOQUIUM_REMINDER_DAYS, 7).",
)
def send_command(days):
    """Queue the reminder to each confirmed attendee of the current edition, once."""
    edition = current_edition()
    if edition is None:
        click.echo("No edition: no reminder queued.")
        return
    with force_locale("en"):  # the command line speaks English, like its --help
        try:
            days = messages.reminder_days(days)
            outcome = messages.send_reminders(edition, days)
        except DomainError as error:
            db.session.rollback()
            raise click.ClickException(str(error.message)) from None
        db.session.commit()
        click.echo(f"Edition {edition.year}: {messages.describe_reminders(outcome, days)}")
