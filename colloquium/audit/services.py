"""Writing and reading the audit log."""

from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination

from colloquium.audit.models import AuditEntry
from colloquium.extensions import db

if TYPE_CHECKING:  # only a type: accounts sends mail, and mail records its retries here
    from colloquium.accounts.models import User


def record(actor: "User | None", action: str, target: str, details: dict) -> AuditEntry:
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


def list_entries(page: int = 1, per_page: int = 50) -> Pagination:
    """One page of the audit log, the newest first."""
    query = sa.select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    return db.paginate(query, page=page, per_page=per_page, max_per_page=200, error_out=False)
