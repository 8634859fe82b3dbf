"""``flask association import FILE.csv``."""

import click
from flask.cli import AppGroup

from colloquium.associations import services
from colloquium.extensions import db

association_cli = AppGroup("association", help="Manage member associations.")


@association_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_command(path):
    """Create or update member associations from a CSV file (matched by slug).

    Columns: slug,name,acronym,summary_fr,summary_en,description_fr,description_en,website,
    public_email,city,country,areas,member_since (slug and name required; the old columns
    summary and description hold the French texts; areas separated by ";", e.g.
    "victim_support;legal_aid"). If any row is wrong nothing is imported.
    """
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            text = handle.read()
    except UnicodeDecodeError:
        raise click.ClickException(f"{path} is not UTF-8 text.") from None
    try:
        summary = services.import_csv(text)
    except services.ImportFailed as failure:
        db.session.rollback()
        for line, message in failure.errors:
            click.echo(f"{path}:{line}: {message}", err=True)
        raise click.ClickException(
            f"{len(failure.errors)} error(s): nothing was imported."
        ) from None
    db.session.commit()
    click.echo(
        f"{len(summary.created)} created, {len(summary.updated)} updated, "
        f"{len(summary.unchanged)} unchanged."
    )
