"""Writing and reading the audit log."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination

from colloquium.audit.models import AuditEntry
from colloquium.clock import COLLOQUIUM_TIMEZONE
from colloquium.extensions import db

if TYPE_CHECKING:
    # Only a type: every domain writes to the audit log, accounts and associations included,
    # so the audit log imports none of them.
    from colloquium.accounts.models import User


def record(actor: User | None, action: str, target: str, details: dict) -> AuditEntry:
    """Add one line to the audit log, in the caller's transaction (flushed, not committed)."""
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        actor_email=actor.email if actor is not None else "",
        action=action,
        target=target,
        details=details,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def list_entries(
    page: int = 1,
    per_page: int = 50,
    action: str = "",
    first_day: date | None = None,
    last_day: date | None = None,
) -> Pagination:
    """One page of the audit log, the newest first, of one action and Paris days if asked."""
    query = sa.select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if action:
        query = query.where(AuditEntry.action == action)
    if first_day is not None:
        query = query.where(AuditEntry.created_at >= _paris_midnight(first_day))
    if last_day is not None:
        query = query.where(AuditEntry.created_at < _paris_midnight(last_day + timedelta(days=1)))
    return db.paginate(query, page=page, per_page=per_page, max_per_page=200, error_out=False)


def _paris_midnight(day: date) -> datetime:
    """The moment a day begins in Paris (entries are stored in UTC)."""
    return datetime.combine(day, time(0, 0), tzinfo=COLLOQUIUM_TIMEZONE)
