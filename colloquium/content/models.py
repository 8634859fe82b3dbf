"""The version of what the public pages show: one row, raised by every change to it."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from colloquium.clock import utcnow
from colloquium.db import UTCDateTime
from colloquium.extensions import db

THE_ROW = 1


class ContentVersion(db.Model):
    """The one row (id 1) whose ``version`` grows with every change to a public page."""

    __tablename__ = "content_version"
    __table_args__ = (sa.CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=1, server_default="1")
    changed_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=sa.func.current_timestamp()
    )


def add_the_row(table: sa.Table, connection: sa.Connection, **_kw) -> None:
    """The table is never empty: ``create_all()`` adds the row, as the migration does."""
    connection.execute(table.insert().values(id=THE_ROW, version=1, changed_at=utcnow()))


sa.event.listen(ContentVersion.__table__, "after_create", add_the_row)
