"""Fixtures: an app with a fresh database per test, its client and CLI runner, helpers."""

import os
import sys
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine
from flask import has_app_context
from flask.testing import FlaskClient

from colloquium import create_app
from colloquium.content.models import ContentVersion, add_the_row
from colloquium.extensions import db

pytest_plugins = ["tests.browser"]

POSTGRES_URL = os.environ.get("COLLOQUIUM_TEST_DATABASE_URL")
TRANSLATIONS = Path(__file__).resolve().parent.parent / "colloquium" / "translations"
CLOCK_SHIFT_DAYS = int(os.environ.get("COLLOQUIUM_TEST_CLOCK_SHIFT_DAYS") or 0)
_shifted_clock = pytest.StashKey[time_machine.travel]()


def pytest_configure(config):
    """Refuse to run without compiled catalogs (French pages would silently be English);
    with COLLOQUIUM_TEST_CLOCK_SHIFT_DAYS, move the clock that many days forward."""
    missing = [
        str(po.relative_to(TRANSLATIONS.parent.parent))
        for po in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))
        if not po.with_suffix(".mo").exists()
    ]
    if missing:
        pytest.exit(
            f"{', '.join(missing)} not compiled: run `make translations` first",
            returncode=pytest.ExitCode.USAGE_ERROR,
        )
    if CLOCK_SHIFT_DAYS:
        # `make test-future`: the whole run happens that many days ahead (the clock ticks on;
        # tests that move time with the time_machine fixture travel from there). Started
        # before the test modules are imported: tests.factories reads the year then.
        assert "tests.factories" not in sys.modules, "tests.factories was imported too early"
        traveller = time_machine.travel(
            datetime.now(UTC) + timedelta(days=CLOCK_SHIFT_DAYS), tick=True
        )
        traveller.start()
        config.stash[_shifted_clock] = traveller


def pytest_unconfigure(config):
    traveller = config.stash.get(_shifted_clock, None)
    if traveller is not None:
        traveller.stop()


def python_on_the_test_clock() -> list[str]:
    """How to start Python in a subprocess so that its clock agrees with the tests' own.

    ``python`` as such, but when the run's clock is moved (``make test-future``) a prelude
    moves the child's clock to the tests' "now" first. Append ``-m module`` and its arguments.
    """
    if not CLOCK_SHIFT_DAYS:
        return [sys.executable]
    prelude = (
        "import runpy, sys, time_machine\n"
        f"time_machine.travel({datetime.now(UTC).isoformat()!r}, tick=True).start()\n"
        "sys.argv = sys.argv[2:]  # drop '-c' and '-m': the module and its arguments\n"
        "runpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)\n"
    )
    return [sys.executable, "-c", prelude]


def pytest_report_header(config):
    if CLOCK_SHIFT_DAYS:
        return f"clock moved {CLOCK_SHIFT_DAYS} days ahead: today is {datetime.now(UTC):%Y-%m-%d}"


class RequestClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    Tests keep an app context open to use services directly; without this, requests would
    share its ``g`` (and so Flask-Babel's and Flask-Login's per-request caches) and its
    database session. What the test has written is committed first, so the request sees it.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


def database_url(tmp_path) -> str:
    """PostgreSQL when COLLOQUIUM_TEST_DATABASE_URL is set, else a new SQLite file."""
    return POSTGRES_URL or f"sqlite:///{tmp_path / 'test.sqlite'}"


def drop_everything(engine: sa.Engine) -> None:
    """Remove every table, including ones the models no longer know (and alembic's)."""
    metadata = sa.MetaData()
    metadata.reflect(bind=engine)
    metadata.drop_all(bind=engine)


# On PostgreSQL, rebuilding the schema for every test costs more than most tests: when the
# previous test left the models' schema as create_all() made it, emptying its tables (and
# restarting their ids) gives the same fresh database. A test that builds the schema
# otherwise (the migration tests: create_schema=False) makes the next one rebuild it.
_postgres_schema = {"pristine": False}


def fresh_postgres_schema(engine: sa.Engine, create_schema: bool) -> None:
    """Leave the test's PostgreSQL database empty: the models' tables, or none at all."""
    tables = [table.name for table in db.metadata.sorted_tables]
    if create_schema and _postgres_schema["pristine"]:
        with engine.begin() as connection:
            present = set(
                connection.scalars(
                    sa.text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
                )
            )
            if present == set(tables):
                names = ", ".join(f'"{name}"' for name in tables)
                connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
                # The one-row table is never empty, as after create_all() or the migration.
                add_the_row(ContentVersion.__table__, connection)
                return
    _postgres_schema["pristine"] = False
    drop_everything(engine)
    if create_schema:
        db.create_all()
        _postgres_schema["pristine"] = True


@pytest.fixture
def instance_path(tmp_path):
    path = tmp_path / "instance"
    path.mkdir()
    return str(path)


@pytest.fixture
def make_app(tmp_path, instance_path):
    """Build apps on this test's fresh database; every app made is torn down after."""
    made = []

    def make(config: dict | None = None, create_schema: bool = True):
        settings = {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": database_url(tmp_path),
            "RATELIMIT_STORAGE_URI": "memory://",
            "PUBLIC_URL": "http://colloquium.test",
            "SERVER_NAME": None,
        }
        settings.update(config or {})
        app = create_app(settings, instance_path=instance_path)
        app.test_client_class = RequestClient
        on_postgres = settings["SQLALCHEMY_DATABASE_URI"] == POSTGRES_URL
        with app.app_context():
            if on_postgres:
                fresh_postgres_schema(db.engine, create_schema)
            elif create_schema:
                db.create_all()
        made.append((app, on_postgres))
        return app

    yield make
    for app, _on_postgres in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class QueryCounter:
    """Counts the SQL statements the app sends while active."""

    def __init__(self):
        self.statements: list[str] = []

    def __len__(self):
        return len(self.statements)

    def __repr__(self):
        return f"{len(self)} queries:\n" + "\n".join(self.statements)


@pytest.fixture
def count_queries(app):
    """``with count_queries() as queries: ...`` then ``len(queries)``."""

    @contextmanager
    def counting():
        counter = QueryCounter()

        def record(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE")):
                counter.statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            yield counter
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)

    return counting


from tests.smtp import smtp_server  # noqa: E402, F401  (the real SMTP server fixture)


class QueuedMail(dict):
    """One queued registration mail; a mail written when sent gets its ``context`` and
    ``attachments`` when first asked, written as the worker would write it then."""

    def __missing__(self, key):
        if key not in ("context", "attachments") or "parameters" not in self:
            raise KeyError(key)
        from colloquium.registration import notifications

        content = notifications.write_registration_mail(
            self["template"], self["language"], self["parameters"]
        )
        assert content is not None, "the registration of this mail is gone"
        self["context"], self["attachments"] = content.context, list(content.attachments)
        return self[key]


@pytest.fixture
def sent_mail(monkeypatch):
    """Every e-mail the registration domain queues, as dicts, in order (still really queued)."""
    from colloquium.registration import notifications

    sent: list[dict] = []
    queue, queue_later = notifications.queue_mail, notifications.queue_mail_later

    def recording(to, template, language, context, attachments=(), **options):
        """Note the mail, then queue it for real (``options``: whose data it holds…)."""
        sent.append(
            QueuedMail(
                to=to,
                template=template,
                language=language,
                context=context,
                attachments=list(attachments),
                **options,
            )
        )
        return queue(
            to=to,
            template=template,
            language=language,
            context=context,
            attachments=attachments,
            **options,
        )

    def recording_later(to, template, language, parameters, **options):
        """Note the mail to be written when sent, then queue it for real."""
        sent.append(
            QueuedMail(
                to=to, template=template, language=language, parameters=parameters, **options
            )
        )
        return queue_later(
            to=to, template=template, language=language, parameters=parameters, **options
        )

    monkeypatch.setattr(notifications, "queue_mail", recording)
    monkeypatch.setattr(notifications, "queue_mail_later", recording_later)
    return sent
