"""Rooms, speakers and programme sessions of an edition."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from colloquium.associations.models import Association
from colloquium.clock import utcnow
from colloquium.db import UTCDateTime
from colloquium.editions.models import Edition
from colloquium.extensions import db

SESSION_KINDS = (
    "opening",
    "keynote",
    "panel",
    "round_table",
    "workshop",
    "testimony",
    "break",
    "closing",
)
LANGUAGES = ("fr", "en", "both")
SPEAKER_ROLES = ("speaker", "moderator", "chair")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class Room(db.Model):
    __tablename__ = "room"
    __table_args__ = (
        sa.UniqueConstraint("edition_id", "name", name="uq_room_edition_id_name"),
        sa.CheckConstraint("seats IS NULL OR seats >= 0", name="seats_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("edition.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(120))
    seats: Mapped[int | None]
    access_notes_fr: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    access_notes_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    edition: Mapped[Edition] = relationship()

    def __repr__(self) -> str:
        return f"<Room {self.name!r}>"


class Speaker(db.Model):
    __tablename__ = "speaker"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("edition.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    affiliation_fr: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    affiliation_en: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    title_fr: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    title_en: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    bio_fr: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    bio_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # Private: for the organisers only, never shown or exported.
    email: Mapped[str | None] = mapped_column(sa.String(254))
    photo: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    photo_content_type: Mapped[str | None] = mapped_column(sa.String(50))
    photo_etag: Mapped[str | None] = mapped_column(sa.String(64))
    association_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("association.id", ondelete="SET NULL"), index=True
    )

    edition: Mapped[Edition] = relationship()
    association: Mapped[Association | None] = relationship()
    session_links: Mapped[list["SessionSpeaker"]] = relationship(
        back_populates="speaker", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Speaker {self.name!r}>"


class ProgrammeSession(db.Model):
    __tablename__ = "programme_session"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_it_starts"),
        sa.CheckConstraint(_one_of("kind", SESSION_KINDS), name="kind_known"),
        sa.CheckConstraint(_one_of("language", LANGUAGES), name="language_known"),
        sa.CheckConstraint(
            "expected_audience IS NULL OR expected_audience >= 0",
            name="expected_audience_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("edition.id", ondelete="CASCADE"), index=True
    )
    # One of the two titles is enough (the form and the service check it).
    title_fr: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    title_en: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    kind: Mapped[str] = mapped_column(sa.String(20))
    summary_fr: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    summary_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    description_fr: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    room_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("room.id", ondelete="SET NULL"), index=True
    )
    language: Mapped[str] = mapped_column(sa.String(4), default="fr", server_default="fr")
    interpretation: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    expected_audience: Mapped[int | None]
    # Raised on every change so calendar applications replace their copy (RFC 5545 SEQUENCE).
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    edition: Mapped[Edition] = relationship()
    room: Mapped[Room | None] = relationship()
    speaker_links: Mapped[list["SessionSpeaker"]] = relationship(
        back_populates="session",
        cascade="all, delete-orphan",
        order_by="SessionSpeaker.position",
    )

    def __repr__(self) -> str:
        return f"<ProgrammeSession {self.title_fr or self.title_en!r}>"

    def overlaps(self, other: "ProgrammeSession") -> bool:
        """True when the two intervals share time; 10:00-11:00 and 11:00-12:00 do not."""
        return self.starts_at < other.ends_at and other.starts_at < self.ends_at


class SessionSpeaker(db.Model):
    """One speaker in one session, with a role and a place in the session's order."""

    __tablename__ = "session_speaker"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "speaker_id", name="uq_session_speaker_session_id"),
        sa.CheckConstraint(_one_of("role", SPEAKER_ROLES), name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programme_session.id", ondelete="CASCADE"), index=True
    )
    speaker_id: Mapped[int] = mapped_column(
        sa.ForeignKey("speaker.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(sa.String(20), default="speaker", server_default="speaker")
    position: Mapped[int] = mapped_column(default=0, server_default="0")

    session: Mapped[ProgrammeSession] = relationship(back_populates="speaker_links")
    speaker: Mapped[Speaker] = relationship(back_populates="session_links")
