"""The database: declarative base, naming convention, column types, SQLite and PostgreSQL set-up."""

import unicodedata
from datetime import UTC

import sqlalchemy as sa
from flask import Flask, current_app, has_request_context, request
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(sa.TypeDecorator):
    """A point in time stored as naive UTC and always read back as aware UTC.

    SQLite keeps no time zone; storing UTC everywhere keeps both back ends identical.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


# French is typed with the straight apostrophe and printed with the curly one (U+2019):
# "d'asile" finds "d\u2019Asile" and the other way round.
_APOSTROPHES = {"\u2019": "'"}
# Letters NFKD does not split: "oeuvre" finds "Œuvre", "aerien" finds "Ærien".
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", **_APOSTROPHES})


def fold_text(text: str | None) -> str | None:
    """``text`` as searched and sorted: without accents or ligatures, case-folded."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return bare.casefold().translate(_LIGATURES)


class fold(sa.sql.functions.GenericFunction):
    """SQL ``fold(text)``: the same as ``fold_text`` (search and sort French names)."""

    type = sa.String()
    name = "fold"
    inherit_cache = True


def _postgresql_fold_tables() -> tuple[list[tuple[str, str]], str, str]:
    # PostgreSQL has no fold(): it gets the same result from built-in functions, so no
    # extension (unaccent needs a superuser) and no migration. Latin letters (U+00C0 to
    # U+017F, every European language written in Latin script) map as fold_text maps them;
    # combining marks are dropped (translate() deletes what has no counterpart).
    expansions, sources, targets = [], [], []
    for code in range(0xC0, 0x180):
        char = chr(code)
        folded = fold_text(char)
        if folded == char:
            continue
        if len(folded) == 1:
            sources.append(char)
            targets.append(folded)
        else:
            expansions.append((char, folded))
    for char, folded in _APOSTROPHES.items():
        sources.append(char)
        targets.append(folded)
    marks = "".join(chr(code) for code in range(0x300, 0x370))
    return expansions, "".join(sources) + marks, "".join(targets)


def _sql_text(text: str) -> sa.ColumnElement:
    """``text`` as a literal in the statement (quotes doubled), so it stays cacheable."""
    return sa.literal_column("'" + text.replace("'", "''") + "'")


_PG_EXPANSIONS, _PG_SOURCES, _PG_TARGETS = _postgresql_fold_tables()


@compiles(fold, "postgresql")
def _fold_on_postgresql(element, compiler, **kw):
    expression = next(iter(element.clauses))
    for char, folded in _PG_EXPANSIONS:
        expression = sa.func.replace(expression, _sql_text(char), _sql_text(folded))
    expression = sa.func.translate(expression, _sql_text(_PG_SOURCES), _sql_text(_PG_TARGETS))
    return compiler.process(sa.func.lower(expression), **kw)


# The app's engine in AUTOCOMMIT: for a statement alone, without a transaction (the page
# cache's version read; on PostgreSQL, every request that only reads).
AUTOCOMMIT = "colloquium.autocommit"
READER = "colloquium.reader"


def is_reading_request() -> bool:
    """Whether this is a request that only reads (GET, HEAD, OPTIONS: they never write)."""
    return has_request_context() and request.method in READ_ONLY_METHODS


class Session(FlaskSession):
    """Flask-SQLAlchemy's session; on PostgreSQL, a request that only reads runs no transaction.

    Such a request gains nothing from one: at READ COMMITTED every statement takes its own
    snapshot, in a transaction or not. Without it, a page of one query is one round trip
    instead of three (BEGIN, the query, ROLLBACK). SQLite keeps its transaction: there, one
    snapshot holds for the whole of it. Either way such a request that tried to write would
    be refused (``refuse_writes_when_reading``): without a transaction, nothing would undo it.
    """

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        """The app's engine, or its connection without transactions for a reading request."""
        engine = super().get_bind(mapper, clause, bind, **kwargs)
        if bind is None and is_reading_request():
            return current_app.extensions.get(READER, engine)
        return engine


class WriteInReadingRequest(RuntimeError):
    """A GET (HEAD, OPTIONS) request tried to write: a bug, refused before it reaches the data."""


def refuse_writes_when_reading(statement=None) -> None:
    """Raise ``WriteInReadingRequest`` in a reading request (before a flush or a DML statement)."""
    if is_reading_request():
        raise WriteInReadingRequest(f"a {request.method} request tried to write: {statement}")


@sa.event.listens_for(Session, "before_flush")
def _before_flush(session, _context, _instances) -> None:
    # A flush also runs for objects merely touched: only a real change counts.
    changed = any(session.is_modified(instance) for instance in session.dirty)
    if session.new or session.deleted or changed:
        refuse_writes_when_reading("a flush")


@sa.event.listens_for(Session, "do_orm_execute")
def _before_statement(state) -> None:
    if state.is_update or state.is_delete or state.is_insert:
        refuse_writes_when_reading(state.statement)


def init_database(app: Flask, database: SQLAlchemy) -> None:
    """Bind Flask-SQLAlchemy and, on SQLite, turn on WAL, a busy timeout and IMMEDIATE writes."""
    database.init_app(app)
    with app.app_context():
        engine = database.engine
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
    app.extensions[AUTOCOMMIT] = engine.execution_options(isolation_level="AUTOCOMMIT")
    if engine.dialect.name == "postgresql":
        app.extensions[READER] = app.extensions[AUTOCOMMIT]


def database_answers(session: sa.orm.Session) -> bool:
    """Whether the database answers a trivial query (the health check of load balancers)."""
    try:
        session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        session.rollback()
        return False
    return True


def _configure_sqlite(engine: sa.Engine, busy_timeout_ms: int) -> None:
    # The pysqlite recipe from the SQLAlchemy docs: let SQLAlchemy, not the driver, emit BEGIN.
    # Write transactions begin IMMEDIATE: they take the write lock up front, so two requests
    # can never both read "one seat left" and then both try to write; the loser waits (busy
    # timeout) instead of failing with "database is locked" halfway through. Requests that
    # only read (GET, HEAD: they never write, by rule) begin DEFERRED and, in WAL mode, never
    # wait for a writer. Commands and workers outside a request always write-lock.
    in_memory = engine.url.database in (None, "", ":memory:")

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
        # The SQL fold() of search and sort (PostgreSQL builds it from built-ins, above).
        dbapi_connection.create_function("fold", 1, fold_text, deterministic=True)

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection):
        if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return  # one statement alone, no transaction (the page cache's version read)
        reading = has_request_context() and request.method in READ_ONLY_METHODS
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")
