"""Member associations, their areas of action, logos and the history of their profiles."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from colloquium.clock import utcnow
from colloquium.db import UTCDateTime
from colloquium.extensions import db

if TYPE_CHECKING:
    from colloquium.accounts.models import User

# The fixed list of areas of action, in the order they are shown.
AREAS: dict[str, Any] = {
    "prevention": _l("Prevention"),
    "victim_support": _l("Victim support"),
    "legal_aid": _l("Legal aid"),
    "advocacy": _l("Advocacy"),
    "child_protection": _l("Child protection"),
    "shelter_housing": _l("Shelter and housing"),
    "health": _l("Health"),
    "training": _l("Training"),
    "research": _l("Research"),
    "international_cooperation": _l("International cooperation"),
}


class Association(db.Model):
    __tablename__ = "association"
    __table_args__ = (
        sa.CheckConstraint(
            "member_since IS NULL OR member_since BETWEEN 1900 AND 2200", name="member_since_year"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    acronym: Mapped[str] = mapped_column(sa.String(30), default="", server_default="")
    summary_fr: Mapped[str] = mapped_column(sa.String(280), default="", server_default="")
    summary_en: Mapped[str] = mapped_column(sa.String(280), default="", server_default="")
    description_fr: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    website: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    public_email: Mapped[str] = mapped_column(sa.String(254), default="", server_default="")
    city: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    country: Mapped[str] = mapped_column(sa.String(100), default="France", server_default="France")
    member_since: Mapped[int | None]
    is_member: Mapped[bool] = mapped_column(default=True, server_default=sa.true(), index=True)
    logo_digest: Mapped[str | None] = mapped_column(
        sa.ForeignKey("logo.digest", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    area_links: Mapped[list[AssociationArea]] = relationship(
        cascade="all, delete-orphan", order_by="AssociationArea.area"
    )
    editors: Mapped[list[User]] = relationship(back_populates="association")
    revisions: Mapped[list[AssociationRevision]] = relationship(
        back_populates="association",
        cascade="all, delete-orphan",
        order_by="AssociationRevision.id.desc()",
    )

    def __repr__(self) -> str:
        return f"<Association {self.slug}>"

    @property
    def areas(self) -> list[str]:
        """The association's areas of action, in the fixed order of ``AREAS``."""
        mine = {link.area for link in self.area_links}
        return [area for area in AREAS if area in mine]

    @property
    def initials(self) -> str:
        """Up to three letters standing for the association when it has no logo."""
        if self.acronym:
            return "".join(char for char in self.acronym if char.isalnum())[:3].upper()
        words = [word for word in self.name.replace("-", " ").split() if len(word) > 2]
        return "".join(word[0] for word in words[:3]).upper() or self.name[:1].upper()

    def can_edit(self, user) -> bool:
        """Organisers edit every association; an editor only their own."""
        if user is None or not user.is_authenticated or not user.is_active:
            return False
        return user.is_organiser or user.association_id == self.id


class AssociationArea(db.Model):
    """One area of action of one association (a link table filters well on both back ends)."""

    __tablename__ = "association_area"

    association_id: Mapped[int] = mapped_column(
        sa.ForeignKey("association.id", ondelete="CASCADE"), primary_key=True
    )
    area: Mapped[str] = mapped_column(sa.String(40), primary_key=True, index=True)


class Logo(db.Model):
    """A re-encoded logo, addressed by the SHA-256 of its bytes (which is also its ETag).

    Logos are never changed in place: a revision can point back to an older one, so a
    revert brings the old logo back too.
    """

    __tablename__ = "logo"

    digest: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(sa.String(40))
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    width: Mapped[int]
    height: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AssociationRevision(db.Model):
    """One saved change of a profile: who, when, and each field's old and new value."""

    __tablename__ = "association_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(
        sa.ForeignKey("association.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # Kept as text too: the history stays readable if the account is deleted.
    author_name: Mapped[str] = mapped_column(sa.String(254), default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # {field: {"old": value, "new": value}}; areas as lists, the logo as its digest.
    changes: Mapped[dict] = mapped_column(sa.JSON)
    reverts_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("association_revision.id", ondelete="SET NULL")
    )

    association: Mapped[Association] = relationship(back_populates="revisions")
    author: Mapped[User | None] = relationship()

    @property
    def revertible(self) -> bool:
        """A profile change can be reverted; the creation and archiving cannot."""
        creation = "name" in self.changes and self.changes["name"]["old"] is None
        return not creation and any(name != "is_member" for name in self.changes)
