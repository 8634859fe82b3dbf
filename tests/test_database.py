"""The SQLite settings that make one file safe to share between workers."""

import threading
import time

import pytest
import sqlalchemy as sa

from colloquium.extensions import db
from tests.conftest import POSTGRES_URL

sqlite_only = pytest.mark.skipif(
    bool(POSTGRES_URL), reason="SQLite settings; this run is on PostgreSQL"
)


@sqlite_only
def test_sqlite_runs_in_wal_mode_with_a_busy_timeout_and_foreign_keys(app):
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


@sqlite_only
def test_sqlite_transactions_take_the_write_lock_at_begin(make_app):
    """A second transaction waits at BEGIN while the first is open, instead of failing later."""
    app = make_app({"SQLITE_BUSY_TIMEOUT_MS": 5000})
    with app.app_context():
        engine = db.engine
        held = threading.Event()
        release = threading.Event()
        waited = []

        def first():
            with engine.begin() as connection:
                connection.execute(sa.text("SELECT 1"))
                held.set()
                release.wait(5)

        def second():
            held.wait(5)
            started = time.monotonic()
            with engine.begin() as connection:
                connection.execute(sa.text("SELECT 1"))
            waited.append(time.monotonic() - started)

        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for thread in threads:
            thread.start()
        held.wait(5)
        time.sleep(0.3)
        release.set()
        for thread in threads:
            thread.join()
        assert waited and waited[0] >= 0.25


@pytest.mark.skipif(not POSTGRES_URL, reason="needs COLLOQUIUM_TEST_DATABASE_URL (PostgreSQL)")
def test_postgresql_goes_through_psycopg_3(app):
    assert db.engine.dialect.driver == "psycopg"
