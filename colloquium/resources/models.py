"""Brochures: PDF files kept in the database (like logos), so app servers hold no state."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from colloquium.clock import utcnow
from colloquium.db import UTCDateTime
from colloquium.extensions import db


class Brochure(db.Model):
    """One PDF brochure offered on the resources page, in the organisers' order."""

    __tablename__ = "brochure"
    __table_args__ = (
        sa.CheckConstraint("size > 0", name="size_positive"),
        sa.CheckConstraint("page_count > 0", name="page_count_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Written in French and in English (at least one title); see ``colloquium.i18n.written``.
    title_fr: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    title_en: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    description_fr: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    filename: Mapped[str] = mapped_column(sa.String(255))
    # Deferred: lists never load the file, only the download does.
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    size: Mapped[int]
    page_count: Mapped[int]
    # The SHA-256 of the file: its ETag.
    digest: Mapped[str] = mapped_column(sa.String(64))
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Brochure {self.id} {self.filename}>"
