"""Migrations build the schema from nothing, and agree with the models."""

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from colloquium.extensions import db


def pending_differences(engine: sa.Engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        return compare_metadata(context, db.metadata)


def test_upgrade_from_nothing_matches_the_models(make_app):
    app = make_app(create_schema=False)
    with app.app_context():
        upgrade()
        assert pending_differences(db.engine) == []
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {"edition", "alembic_version"} <= tables


def test_downgrade_to_nothing_and_back(make_app):
    app = make_app(create_schema=False)
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        assert sa.inspect(db.engine).get_table_names() == ["alembic_version"]
        upgrade()
        assert pending_differences(db.engine) == []


def test_running_upgrade_twice_is_harmless(make_app):
    app = make_app(create_schema=False)
    cli = app.test_cli_runner()
    assert cli.invoke(args=["db", "upgrade"]).exit_code == 0
    result = cli.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
