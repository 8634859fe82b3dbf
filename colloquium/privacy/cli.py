"""``flask privacy purge``."""

import click
from flask.cli import AppGroup

from colloquium.privacy import services

privacy_cli = AppGroup("privacy", help="Apply the personal-data retention rules.")


@privacy_cli.command("purge")
def purge_command():
    """Apply every retention rule (idempotent; run it daily)."""
    failed = False
    for result in services.apply_retention():
        if result.error:
            failed = True
            click.echo(f"{result.step.name}: FAILED ({result.error})", err=True)
        else:
            click.echo(f"{result.step.name}: {result.count} removed ({result.step.description})")
    if failed:
        raise click.ClickException("some retention steps failed; the others were applied")
