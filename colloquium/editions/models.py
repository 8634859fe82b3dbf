"""An edition: one yearly colloquium."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import Mapped, mapped_column

from colloquium.clock import utcnow
from colloquium.db import UTCDateTime
from colloquium.extensions import db
from colloquium.i18n import long_date, written


class Edition(db.Model):
    __tablename__ = "edition"
    __table_args__ = (
        sa.CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        # The seat invariant lives in the database as well as in the code: a confirmation that
        # would take one seat too many fails here, whatever the interleaving.
        sa.CheckConstraint(
            "seats_taken >= 0 AND seats_taken <= capacity", name="seats_within_capacity"
        ),
        sa.CheckConstraint(
            "registration_closes_at IS NULL OR registration_opens_at IS NULL "
            "OR registration_opens_at < registration_closes_at",
            name="registration_window_ordered",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    date: Mapped[date]
    # Written in French and in English; see ``colloquium.i18n.written``.
    title_fr: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    title_en: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    theme_fr: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    theme_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    venue_name: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    venue_address: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    city: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    capacity: Mapped[int]
    seats_taken: Mapped[int] = mapped_column(default=0, server_default="0")
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(
        sa.String(64), default="Europe/Paris", server_default="Europe/Paris"
    )
    programme_published: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    programme_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Edition {self.year}>"

    @property
    def display_title(self) -> str:
        """The title organisers gave in the page's (or mail's) language, else in the other one,
        else "Colloque du 17 octobre 2027" in that language."""
        return written(self, "title").text or gettext(
            "Colloquium of %(date)s", date=long_date(self.date)
        )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.seats_taken, 0)

    def registration_state(self, now: datetime) -> str:
        """``not_yet_open``, ``open`` or ``closed`` at the moment ``now``."""
        if self.registration_opens_at and now < self.registration_opens_at:
            return "not_yet_open"
        if self.registration_closes_at and now >= self.registration_closes_at:
            return "closed"
        return "open"

    def is_past(self, today: date) -> bool:
        return self.date < today
