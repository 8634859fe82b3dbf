"""One line of the audit log."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from colloquium.clock import utcnow
from colloquium.db import UTCDateTime
from colloquium.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The account may be deleted later; its address is copied so that the line still says who.
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    actor_email: Mapped[str] = mapped_column(sa.String(254))
    action: Mapped[str] = mapped_column(sa.String(64))
    target: Mapped[str] = mapped_column(sa.String(200))
    # Counts and filters only: never an attendee's personal data.
    details: Mapped[dict] = mapped_column(sa.JSON)

    def __repr__(self) -> str:
        return f"<AuditEntry {self.action} {self.target}>"
