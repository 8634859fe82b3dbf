"""Which tables the public pages show, and the version raised in the transaction that changes them.

Every change goes through the database session, so the session's events see them all: a
flush that adds, deletes or really changes a row of a public table, and an UPDATE, DELETE or
INSERT statement run on one. Nobody has to remember to call anything from a service. (SQL
written by hand as text is not read: the application writes none; migrations run outside.)
The one way past those events, ``execute_unshown``, refuses a statement they would count.
"""

import sqlalchemy as sa
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from colloquium.clock import utcnow
from colloquium.content.models import THE_ROW, ContentVersion
from colloquium.db import refuse_writes_when_reading

# What the cached pages (the programme, sessions, speakers, the directory, profiles, the JSON
# API, the calendars, about and resources) are built from. A change to any of these tables
# raises the version, except to the columns listed for it in NOT_SHOWN_COLUMNS.
PUBLIC_TABLES = frozenset(
    {
        "edition",  # titles, theme, date, venue, whether the programme is published
        "room",  # names and access notes
        "programme_session",
        "session_speaker",
        "speaker",
        "association",  # the directory, profiles, speakers' associations
        "association_area",
        "logo",  # the logo's address carries its digest
        "brochure",  # the resources page
    }
)

# Columns of public tables that no cached page shows. The seat counter changes with every
# confirmation and cancellation; only the home page shows it, and the home page is not cached.
NOT_SHOWN_COLUMNS = {"edition": frozenset({"seats_taken"})}

# Every other table, and why no cached page depends on it.
NOT_SHOWN_TABLES = {
    "content_version": "the version itself",
    "registration": "attendees: personal data, on private pages only",
    "outgoing_mail": "the mail outbox, back office only",
    "outgoing_mail_attachment": "the mail outbox, back office only",
    "message": "messages to attendees, back office only",
    "audit_entry": "the audit log, back office only",
    "user_account": "accounts only change pages seen logged in, which are never cached",
    "recovery_code": "two-step login, accounts only",
    "association_revision": "a profile's history, shown to its editors only",
}

_RAISE = (
    sa.update(ContentVersion.__table__)
    .where(ContentVersion.__table__.c.id == THE_ROW)
    .values(version=ContentVersion.__table__.c.version + 1, changed_at=sa.bindparam("now"))
)


def raise_version(session: Session) -> None:
    """One UPDATE of the version row, in the session's current transaction."""
    session.connection().execute(_RAISE, {"now": utcnow()})


def _shows(table_name: str, changed_columns: set[str] | None = None) -> bool:
    """Whether a change to ``table_name`` (to ``changed_columns``, when known) shows in a page."""
    if table_name not in PUBLIC_TABLES:
        return False
    if changed_columns is None:
        return True
    return bool(changed_columns - NOT_SHOWN_COLUMNS.get(table_name, frozenset()))


def _changed_columns(instance) -> set[str]:
    """The columns of ``instance`` whose value really changed since it was loaded."""
    state = sa.inspect(instance)
    return {
        column.name
        for attribute in state.mapper.column_attrs
        if state.attrs[attribute.key].history.has_changes()
        for column in attribute.columns
    }


def _tables_of(instance) -> list[str]:
    """The tables ``instance`` is stored in."""
    return [table.name for table in sa.inspect(instance).mapper.tables]


def _changed_links_show(instance) -> bool:
    """Whether a changed relationship of ``instance`` changes a public table.

    A row taken out of a collection is deleted by the flush itself (delete-orphan), so it is
    in no list beforehand: the collection's change is what tells.
    """
    state = sa.inspect(instance)
    for link in state.mapper.relationships:
        if not state.attrs[link.key].history.has_changes():
            continue
        if link.direction is sa.orm.MANYTOONE:
            tables = [table.name for table in state.mapper.tables]
        else:
            tables = [table.name for table in link.mapper.tables]
            if link.secondary is not None:
                tables.append(link.secondary.name)
        if any(_shows(name) for name in tables):
            return True
    return False


def flush_changes_content(session: Session) -> bool:
    """Whether the flush under way adds, deletes or changes something a public page shows."""
    for instance in (*session.new, *session.deleted):
        if any(_shows(name) for name in _tables_of(instance)):
            return True
    for instance in session.dirty:
        if not session.is_modified(instance):
            continue
        changed = _changed_columns(instance)
        if any(_shows(name, changed) for name in _tables_of(instance)):
            return True
        if _changed_links_show(instance):
            return True
    return False


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    """Raise the version once if the flush changed what a public page shows."""
    # After the flush, before its changes are forgotten: the lists still hold what was flushed.
    if flush_changes_content(session):
        raise_version(session)


def _statement_columns(statement) -> set[str] | None:
    """The columns an UPDATE sets, or None when they cannot be told (then it counts)."""
    values = getattr(statement, "_values", None) or dict(
        getattr(statement, "_ordered_values", None) or ()
    )
    if not values:
        return None
    names = set()
    for key in values:
        name = getattr(key, "name", key)
        if not isinstance(name, str):
            return None
        names.add(name)
    return names


def statement_changes_content(state: ORMExecuteState) -> bool:
    """Whether a statement run through the session writes to a public table."""
    statement = state.statement
    if not (state.is_update or state.is_delete or state.is_insert):
        return False
    # ``select(Entity).from_statement(insert(...).returning(...))``: a DML statement whose
    # rows the ORM loads; what it writes to is the wrapped statement's table.
    inner = getattr(statement, "element", None)
    if isinstance(inner, sa.sql.dml.UpdateBase):
        statement = inner
    return _dml_changes_content(statement)


def _dml_changes_content(statement) -> bool:
    """Whether a Core UPDATE, DELETE or INSERT writes something a cached page shows."""
    table = getattr(statement, "table", None)
    if not isinstance(table, sa.Table):
        return True
    is_update = isinstance(statement, sa.sql.dml.Update)
    return _shows(table.name, _statement_columns(statement) if is_update else None)


def execute_unshown(session: Session, statement, parameters: dict) -> sa.CursorResult:
    """Run a statement no cached page depends on, on ``session``'s connection, past the ORM.

    For the writes of a burst of registrations (a registration's status, the seat counter,
    the outbox), where the ORM's handling of a statement cost more than sending it. Such a
    statement skips the session's events, so one that writes something a cached page shows
    is refused here (``ValueError``), never run untracked. Rows come back as plain rows.
    """
    if isinstance(statement, sa.sql.dml.UpdateBase):
        if _dml_changes_content(statement):
            raise ValueError(f"{statement.table} changes what pages show: run it in the session")
        refuse_writes_when_reading(statement)
    return session.connection().execute(statement, parameters)


def _before_statement(state: ORMExecuteState) -> None:
    """Raise the version before an UPDATE, DELETE or INSERT on a public table."""
    if statement_changes_content(state):
        raise_version(state.session)


def track(session_class: type[Session]) -> None:
    """Raise the version from ``session_class``'s flushes and statements (once per class)."""
    for name, listener in (("after_flush", _after_flush), ("do_orm_execute", _before_statement)):
        if not sa.event.contains(session_class, name, listener):
            sa.event.listen(session_class, name, listener)
