"""``flask user create``."""

import sys

import click
import sqlalchemy as sa
from flask.cli import AppGroup
from flask_babel import force_locale

from colloquium.accounts import services
from colloquium.accounts.models import ROLES
from colloquium.associations.models import Association
from colloquium.errors import DomainError
from colloquium.extensions import db

user_cli = AppGroup("user", help="Create accounts.")


@user_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the account may do.")
@click.option("--association", "slug", help="Slug of the association an editor edits.")
@click.option("--name", default="", help="The person's name.")
@click.option(
    "--password-stdin",
    "password_stdin",
    is_flag=True,
    help="Read the password from the first line of standard input "
    "(without it, an invitation is e-mailed instead).",
)
def create_command(email, role, slug, name, password_stdin):
    """Create the account of EMAIL."""
    association = None
    if slug:
        association = db.session.scalar(sa.select(Association).where(Association.slug == slug))
        if association is None:
            raise click.ClickException(f"There is no association with the slug {slug!r}.")
    if role == "editor" and association is None:
        raise click.ClickException("An editor needs --association SLUG.")
    if role == "organiser" and association is not None:
        raise click.ClickException("An organiser edits every association: drop --association.")
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise click.ClickException("No password on standard input.")
    try:
        if password is None:
            user = services.invite_user(email, role, name=name, association=association)
        else:
            user = services.create_user(
                email, role, name=name, association=association, password=password
            )
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        with force_locale("en"):  # the command line speaks English, like its --help
            message = str(error.message)
        raise click.ClickException(message) from None
    how = "with the password given" if password else "and invited by e-mail"
    where = f" of {association.slug}" if association else ""
    click.echo(f"Account {user.email} created ({user.role}{where}) {how}.")
