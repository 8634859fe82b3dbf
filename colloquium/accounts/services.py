"""Accounts: logging in, invitations, password resets, ending sessions."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import joinedload

from colloquium import people
from colloquium.accounts import notifications
from colloquium.accounts.models import EDITOR, ORGANISER, ROLES, User
from colloquium.accounts.passwords import check_strength, hash_password, verify_password
from colloquium.clock import utcnow
from colloquium.errors import DomainError
from colloquium.extensions import db

RESET_LIFETIME = timedelta(hours=1)
INVITATION_LIFETIME = timedelta(days=7)
RESET_PURPOSE = "password-reset"
INVITATION_PURPOSE = "invitation"


def normalise_email(email: str) -> str:
    """The address as stored and compared (``colloquium.people``: the same as registrations)."""
    return people.normalise_email(email)


def checked_email(email: str, field: str = "email") -> str:
    """A valid, deliverable address in its normal form, or a DomainError."""
    return people.checked_email(email, field)


def find_user_by_email(email: str) -> User | None:
    """The account with this e-mail address, if any."""
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def load_session_user(session_id: str) -> User | None:
    """The account behind a login session id ``"<id>:<version>"``, if still valid and active."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active account matching these credentials, or None (the same for every failure)."""
    user = find_user_by_email(email)
    usable = user is not None and user.is_active
    if not verify_password(user.password_hash if usable else None, password) or not usable:
        return None
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def end_sessions(user: User) -> None:
    """End every login session of ``user``, on every device (copied cookies included)."""
    user.session_version += 1
    db.session.flush()


def set_password(user: User, password: str) -> None:
    """Give ``user`` a new password after checking it; every existing session ends."""
    check_strength(password)
    user.password_hash = hash_password(password)
    end_sessions(user)


def create_user(
    email: str,
    role: str,
    *,
    name: str = "",
    association=None,
    password: str | None = None,
    language: str = "fr",
) -> User:
    """A new account; without a password, the person must accept an invitation first."""
    email = checked_email(email)
    if role not in ROLES:
        raise DomainError("role", _l("Unknown role."))
    if role == EDITOR and association is None:
        raise DomainError("association", _l("An editor must be given an association."))
    if role == ORGANISER:
        association = None
    if find_user_by_email(email) is not None:
        raise DomainError("email", _l("An account already exists for this e-mail address."))
    user = User(
        email=email,
        name=people.clean_name(name),
        role=role,
        association=association,
        language=language,
        is_active=True,
        session_version=1,
    )
    if password is not None:
        check_strength(password)
        user.password_hash = hash_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def invite_user(
    email: str, role: str, *, name: str = "", association=None, language: str = "fr"
) -> User:
    """Create an account without a password and e-mail its holder a link to choose one."""
    user = create_user(email, role, name=name, association=association, language=language)
    send_invitation(user)
    return user


def send_invitation(user: User) -> None:
    """(Re-)send the invitation; a new invitation replaces the links sent before."""
    if user.has_password:
        raise DomainError("email", _l("This person has already chosen a password."))
    user.invited_at = utcnow()
    db.session.flush()
    notifications.send_invitation(user, make_token(user, INVITATION_PURPOSE), INVITATION_LIFETIME)


def request_password_reset(email: str) -> None:
    """E-mail a reset link when an active account has this address; otherwise do nothing."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return
    notifications.send_password_reset(user, make_token(user, RESET_PURPOSE), RESET_LIFETIME)


def user_for_token(token: str, purpose: str) -> User | None:
    """The account a reset or invitation link belongs to, while it is valid and unused."""
    lifetime = RESET_LIFETIME if purpose == RESET_PURPOSE else INVITATION_LIFETIME
    try:
        user_id, fingerprint = _serializer(purpose).loads(
            token, max_age=int(lifetime.total_seconds())
        )
    except (SignatureExpired, BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int):
        return None
    user = db.session.get(User, user_id, options=[joinedload(User.association)])
    if user is None or not user.is_active or fingerprint != _fingerprint(user, purpose):
        return None
    if purpose == INVITATION_PURPOSE and user.has_password:
        return None
    return user


def use_token(token: str, purpose: str, password: str) -> User:
    """Set the password through a reset or invitation link; the link dies with it."""
    user = user_for_token(token, purpose)
    if user is None:
        raise DomainError(None, _l("This link is no longer valid."))
    set_password(user, password)
    return user


def deactivate_user(user: User) -> None:
    """Block an account: it can no longer log in, and its sessions end now."""
    user.is_active = False
    end_sessions(user)


def reactivate_user(user: User) -> None:
    """Let a deactivated account log in again."""
    user.is_active = True
    db.session.flush()


def list_users() -> list[User]:
    """Every account, organisers first, then by e-mail."""
    return list(
        db.session.scalars(
            sa.select(User)
            .options(joinedload(User.association))
            .order_by(User.role.desc(), User.email)
        )
    )


def active_organisers() -> list[User]:
    """Every organiser who can log in."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.role == ORGANISER, User.is_active.is_(True))
            .order_by(User.email)
        )
    )


def make_token(user: User, purpose: str) -> str:
    """A signed, timestamped link token bound to the account's current password."""
    return _serializer(purpose).dumps([user.id, _fingerprint(user, purpose)])


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"colloquium-{purpose}")


def _fingerprint(user: User, purpose: str) -> str:
    # The token carries a digest of the password hash (and of the invitation time): once the
    # password changes, or a newer invitation is sent, older links stop working by themselves.
    material = f"{purpose}|{user.password_hash or ''}|"
    if purpose == INVITATION_PURPOSE:
        material += user.invited_at.isoformat() if user.invited_at else ""
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def count_users() -> int:
    """How many accounts exist, active or not."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))
