"""Registers each domain's command group, and ``flask demo``."""

import click
from flask import Flask

from colloquium import demo
from colloquium.accounts.cli import user_cli
from colloquium.associations.cli import association_cli
from colloquium.editions.cli import edition_cli
from colloquium.extensions import db
from colloquium.mail.cli import mail_cli
from colloquium.privacy.cli import privacy_cli
from colloquium.registration.cli import reminders_cli


@click.command("demo")
def demo_command():
    """Load demonstration data (idempotent)."""
    for line in demo.load_demo():
        click.echo(line)
    db.session.commit()


def init_app(app: Flask) -> None:
    """Attach every command group to ``flask``."""
    app.cli.add_command(edition_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(user_cli)
    app.cli.add_command(association_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(reminders_cli)
