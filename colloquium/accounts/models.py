"""An account: an organiser of the cooperative or the editor of one member association."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from colloquium.clock import utcnow
from colloquium.db import UTCDateTime
from colloquium.extensions import db

if TYPE_CHECKING:
    from colloquium.associations.models import Association

ORGANISER = "organiser"
EDITOR = "editor"
ROLES = (ORGANISER, EDITOR)


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        sa.CheckConstraint("role IN ('organiser', 'editor')", name="role_known"),
        sa.CheckConstraint(
            "role = 'organiser' OR association_id IS NOT NULL", name="editor_has_association"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    # None until the invited person chooses a password.
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(20))
    association_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("association.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(sa.String(2), default="fr", server_default="fr")
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # Part of the login session: raising it ends every session of this account at once.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two-step login: the TOTP secret, encrypted (accounts/two_factor.py); when it was set up;
    # the last time step whose code was accepted, so that no code ever works twice.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(255))
    two_factor_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    association: Mapped[Association | None] = relationship(back_populates="editors")
    recovery_codes: Mapped[list[RecoveryCode]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"

    def get_id(self) -> str:
        """Flask-Login's session identifier: the account and its current session version."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_organiser(self) -> bool:
        return self.role == ORGANISER and self.is_active

    @property
    def display_name(self) -> str:
        return self.name or self.email

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    @property
    def two_factor_enabled(self) -> bool:
        return self.two_factor_enabled_at is not None


class RecoveryCode(db.Model):
    """One single-use code that replaces the authenticator app once; only its hash is kept."""

    __tablename__ = "recovery_code"
    __table_args__ = (sa.UniqueConstraint("user_id", "code_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: the unique constraint (user_id, code_hash) serves the look-ups.
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="recovery_codes")
