"""The database: SQLite's settings that make one file safe to share between workers, the
French fold on both back ends, and requests that only read (no transaction, no write)."""

import threading

import pytest
import sqlalchemy as sa

from colloquium.content.tracking import execute_unshown
from colloquium.db import WriteInReadingRequest, fold, fold_text
from colloquium.editions.models import Edition
from colloquium.extensions import db
from colloquium.programme.models import Room
from tests.conftest import POSTGRES_URL
from tests.factories import make_edition

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
        held, release, second_at_begin = threading.Event(), threading.Event(), threading.Event()
        order = []

        def first():
            with engine.begin() as connection:
                connection.execute(sa.text("SELECT 1"))
                held.set()
                release.wait(5)
                order.append("first commits")

        def second():
            held.wait(5)
            with engine.begin() as connection:  # BEGIN IMMEDIATE: waits for the first to end
                order.append("second began")
                connection.execute(sa.text("SELECT 1"))

        def announce(conn, cursor, statement, parameters, context, executemany):
            if threading.current_thread() is threads[1] and statement.startswith("BEGIN"):
                second_at_begin.set()

        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        sa.event.listen(engine, "before_cursor_execute", announce)
        try:
            for thread in threads:
                thread.start()
            assert held.wait(5) and second_at_begin.wait(5)
            release.set()
            for thread in threads:
                thread.join()
        finally:
            sa.event.remove(engine, "before_cursor_execute", announce)
        assert order == ["first commits", "second began"]


@pytest.mark.skipif(not POSTGRES_URL, reason="needs COLLOQUIUM_TEST_DATABASE_URL (PostgreSQL)")
def test_postgresql_goes_through_psycopg_3(app):
    assert db.engine.dialect.driver == "psycopg"


FOLDED = {
    "Cercle d'Études Aurore": "cercle d'etudes aurore",
    "ÉCOUTE Passage 33": "ecoute passage 33",
    "Œuvre d'Ærien": "oeuvre d'aerien",
    "Straße": "strasse",
    "Łódź Ñandú Søren Ĳssel": "łodz nandu søren ijssel",
    "e\u0301te\u0301 (decomposed)": "ete (decomposed)",
    "100% _x_": "100% _x_",
    "Foyer d\u2019Asile": "foyer d'asile",
    "l'Aube": "l'aube",
}


@pytest.mark.parametrize("text", FOLDED)
def test_sql_fold_matches_the_python_fold_on_both_databases(app, text):
    """Search and sort fold in SQL what the search box folds in Python: they must agree."""
    assert fold_text(text) == FOLDED[text]
    assert db.session.scalar(sa.select(fold(sa.literal(text, sa.String)))) == FOLDED[text]


def test_sql_fold_keeps_null(app):
    assert db.session.scalar(sa.select(fold(sa.null()))) is None


def _in_transaction() -> bool:
    """Whether the session's connection runs a transaction now (autocommit off, on psycopg)."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        return connection.connection.dbapi_connection.in_transaction
    return not connection.connection.dbapi_connection.autocommit


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_a_reading_request_runs_no_transaction_on_postgresql(app, method):
    """One statement is one round trip: no BEGIN and no ROLLBACK around it (on PostgreSQL).

    SQLite keeps its transaction: one snapshot for the whole page, and a reader never waits.
    """
    with app.test_request_context("/", method=method):
        assert db.session.execute(sa.text("SELECT 1")).scalar() == 1
        assert _in_transaction() is (not POSTGRES_URL)
        db.session.remove()
    with app.test_request_context("/", method="POST"):
        # The same pooled connection, given back to the pool as it was taken.
        db.session.execute(sa.text("SELECT 1"))
        assert _in_transaction()
        db.session.remove()
    db.session.execute(sa.text("SELECT 1"))  # outside requests: commands, the mail worker
    assert _in_transaction()


def test_a_reading_request_that_tries_to_write_is_refused_before_the_database(app):
    """GET, HEAD and OPTIONS never write: without a transaction nothing would undo a write."""
    edition_id = make_edition(capacity=10).id
    attempts = [
        lambda: db.session.execute(sa.update(Edition).values(city="Lille")),
        lambda: db.session.execute(sa.delete(Room)),
        lambda: execute_unshown(db.session, sa.update(Edition).values(seats_taken=2), {}),
        lambda: db.session.add(Room(edition_id=edition_id, name="Salle B")) or db.session.flush(),
        lambda: setattr(db.session.get(Edition, edition_id), "city", "Lille") or db.session.flush(),
    ]
    for attempt in attempts:
        with app.test_request_context("/", method="GET"):
            with pytest.raises(WriteInReadingRequest, match="GET request tried to write"):
                attempt()
            db.session.remove()
    with app.test_request_context("/", method="GET"):
        # Touched but unchanged is no write (a page may set what it was given).
        loaded = db.session.get(Edition, edition_id)
        loaded.city = loaded.city
        db.session.flush()
        db.session.remove()
    with app.test_request_context("/", method="POST"):
        db.session.execute(sa.update(Edition).values(city="Lille"))
        db.session.add(Room(edition_id=edition_id, name="Salle B"))
        db.session.commit()
    db.session.expire_all()
    assert db.session.scalar(sa.select(Edition.city)) == "Lille"
    assert db.session.scalar(sa.select(Edition.seats_taken)) == 0
    assert db.session.scalars(sa.select(Room.name)).all() == ["Salle B"]
