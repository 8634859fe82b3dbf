"""The e-mails accounts send: invitations and password resets, through the outbox."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from colloquium.links import external_url
from colloquium.mail.outbox import queue_mail

if TYPE_CHECKING:
    from colloquium.accounts.models import User


def send_invitation(user: User, token: str, lifetime: timedelta) -> None:
    """Invite ``user`` to choose a password through a single-use link."""
    queue_mail(
        user.email,
        "accounts/invitation",
        user.language,
        {
            "name": user.display_name,
            "role": user.role,
            "association_name": user.association.name if user.association else None,
            "link": external_url("accounts.invitation", token=token),
            "days": lifetime.days,
        },
    )


def send_password_reset(user: User, token: str, lifetime: timedelta) -> None:
    """Send ``user`` a single-use link to choose a new password."""
    queue_mail(
        user.email,
        "accounts/password_reset",
        user.language,
        {
            "name": user.display_name,
            "link": external_url("accounts.reset_password", token=token),
            "minutes": int(lifetime.total_seconds() // 60),
        },
    )
