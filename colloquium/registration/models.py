"""A registration: one attendee for one edition."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from colloquium.clock import utcnow
from colloquium.db import UTCDateTime
from colloquium.editions.models import Edition
from colloquium.extensions import db

UNCONFIRMED = "unconfirmed"
CONFIRMED = "confirmed"
WAITLISTED = "waitlisted"
CANCELLED = "cancelled"
STATUSES = (UNCONFIRMED, CONFIRMED, WAITLISTED, CANCELLED)
ACTIVE_STATUSES = (UNCONFIRMED, CONFIRMED, WAITLISTED)

ATTENDEE_TYPES = (
    "member_association",
    "ngo",
    "public_authority",
    "research",
    "press",
    "individual",
    "other",
)
LANGUAGES = ("fr", "en")

_ACTIVE = sa.text("status <> 'cancelled'")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class Registration(db.Model):
    __tablename__ = "registration"
    __table_args__ = (
        sa.CheckConstraint(_in("status", STATUSES), name="status_known"),
        sa.CheckConstraint(_in("attendee_type", ATTENDEE_TYPES), name="attendee_type_known"),
        sa.CheckConstraint(_in("language", LANGUAGES), name="language_known"),
        # One address holds at most one active registration per edition. The partial index
        # lets a cancelled (or erased) registration stay while its owner registers again.
        sa.Index(
            "uq_registration_active_email",
            "edition_id",
            "email",
            unique=True,
            sqlite_where=_ACTIVE,
            postgresql_where=_ACTIVE,
        ),
        # The waiting list is read in this order: first come, first served.
        sa.Index("ix_registration_waitlist", "edition_id", "status", "waitlisted_at", "id"),
    )

    # The attendee's personal data, each with what erasure leaves in its place: names, e-mail,
    # organisation, needs, consent to be contacted, and the manage link. Erasure, the retention
    # purge and both exports read this one list; a test checks that every text column is here
    # or in KEPT_FIELDS, so a new one cannot be forgotten.
    PERSONAL_FIELDS: ClassVar[dict[str, str | bool | None]] = {
        "first_name": "",
        "last_name": "",
        "email": "",
        "organisation": "",
        "accessibility_needs": "",
        "dietary_requirements": "",
        "consent_contact": False,
        "token_hash": None,
    }
    # Never exported, not even to the attendee: it is the key to the manage page.
    SECRET_FIELDS: ClassVar[tuple[str, ...]] = ("token_hash",)
    # Text columns kept after erasure: they name no one, and the yearly counts need them.
    KEPT_FIELDS: ClassVar[tuple[str, ...]] = (
        "reference",
        "status",
        "attendee_type",
        "language",
        "privacy_policy_version",
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id"), index=True)
    reference: Mapped[str] = mapped_column(sa.String(16), unique=True)
    # sha256 of the manage token; the token itself only ever travels in the e-mailed link.
    # NULL once the registration's personal data has been erased: no link opens it any more.
    token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # The manage token is recomputed from the reference, the creation time and this number
    # (``tokens.py``); sending a new link bumps it, which revokes every earlier link.
    link_version: Mapped[int] = mapped_column(default=0, server_default="0")
    status: Mapped[str] = mapped_column(sa.String(16), default=UNCONFIRMED)

    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    email: Mapped[str] = mapped_column(sa.String(254))
    organisation: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    attendee_type: Mapped[str] = mapped_column(sa.String(32))
    language: Mapped[str] = mapped_column(sa.String(2))
    accessibility_needs: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    dietary_requirements: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    consent_privacy: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    privacy_policy_version: Mapped[str] = mapped_column(sa.String(32))
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime)
    consent_contact: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    # An organiser confirmed this one over capacity (a speaker, a guest): it holds no seat
    # of the edition's count, so ``Edition.seats_taken`` counts confirmed non-override ones.
    override: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the practical information before the day was queued (``messages.send_reminders``):
    # each confirmed attendee gets it once, however often the daily timer runs.
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    edition: Mapped[Edition] = relationship(lazy="joined", innerjoin=True)

    def __repr__(self) -> str:
        return f"<Registration {self.reference} {self.status}>"

    @classmethod
    def exported_fields(cls, *others: str) -> tuple[str, ...]:
        """The personal fields but the secret ones, and ``others``, in the columns' order."""
        wanted = (set(cls.PERSONAL_FIELDS) - set(cls.SECRET_FIELDS)) | set(others)
        return tuple(column.key for column in cls.__table__.columns if column.key in wanted)


class Message(db.Model):
    """An e-mail written by the organisers to a group of an edition's attendees.

    Each recipient's copy is an outbox row whose ``batch`` is ``Message.batch``: the page
    counts them by status to show how delivery goes. Addresses are not kept here.
    """

    __tablename__ = "message"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("edition.id"), index=True)
    subject_fr: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    subject_en: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    body_fr: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    body_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # The filters it was sent with (statuses, types, languages, needs): no one's name.
    audience: Mapped[dict] = mapped_column(sa.JSON)
    recipient_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # The account may be deleted later; its address is copied so that the page still says who.
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_by_email: Mapped[str] = mapped_column(sa.String(254), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Message {self.id} to {self.recipient_count}>"

    @property
    def batch(self) -> str:
        """How the outbox knows this message's copies."""
        return f"message:{self.id}"
