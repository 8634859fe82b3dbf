"""Accounts: logging in, invitations, password resets, ending sessions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import joinedload

from colloquium import people
from colloquium.accounts import notifications, two_factor
from colloquium.accounts.models import EDITOR, ORGANISER, ROLES, RecoveryCode, User
from colloquium.accounts.passwords import (
    check_strength,
    hash_password,
    personal_words,
    verify_password,
)
from colloquium.clock import utcnow
from colloquium.errors import DomainError
from colloquium.extensions import db

RESET_LIFETIME = timedelta(hours=1)
INVITATION_LIFETIME = timedelta(days=7)
RESET_PURPOSE = "password-reset"
INVITATION_PURPOSE = "invitation"
# The stand-in account's password hash only feeds a token fingerprint; no password matches it.
STAND_IN_PASSWORD_HASH = "scrypt:32768:8:1$stand-in$" + "0" * 128


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
    """The active account matching these credentials, or None (the same for every failure).

    An account with two-step login is not logged in yet: its second step records the login.
    """
    user = find_user_by_email(email)
    usable = user is not None and user.is_active
    if not verify_password(user.password_hash if usable else None, password) or not usable:
        return None
    if not user.two_factor_enabled:
        user.last_login_at = utcnow()
        db.session.flush()
    return user


def end_sessions(user: User) -> None:
    """End every login session of ``user``, on every device (copied cookies included)."""
    user.session_version += 1
    db.session.flush()


def set_password(user: User, password: str) -> None:
    """Give ``user`` a new password after checking it; every existing session ends."""
    check_strength(password, user_inputs=_personal_words(user))
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
        check_strength(password, user_inputs=_personal_words(user))
        user.password_hash = hash_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def _personal_words(user: User) -> list[str]:
    """What an attacker knows of this account and would try in its password first."""
    association = user.association
    return personal_words(
        user.email, user.name, *((association.name, association.slug) if association else ())
    )


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


STAND_IN_EMAIL = "nobody@example.org"


def request_password_reset(email: str) -> None:
    """E-mail a reset link when an active account has this address, taking as long otherwise.

    The answer page is the same either way; its time must be too, or timing it would tell
    which addresses have an account. So both paths run the same statements: for an unknown
    (or deactivated) address, the token is made and the e-mail rendered and written for a
    stand-in account, inside a savepoint that is rolled back instead of kept: no mail.
    """
    user = find_user_by_email(email)
    known = user is not None and user.is_active
    recipient = user if known else _stand_in_account()
    savepoint = db.session.begin_nested()
    notifications.send_password_reset(
        recipient, make_token(recipient, RESET_PURPOSE), RESET_LIFETIME
    )
    if known:
        savepoint.commit()
    else:
        savepoint.rollback()


def _stand_in_account() -> User:
    """An account that is never saved, to do for an unknown address what a known one costs.

    Its address is a fixed one: what was typed may not even be an address (the answer must
    not say so), and this mail is never kept.
    """
    return User(
        id=0,
        email=STAND_IN_EMAIL,
        name="",
        role=ORGANISER,
        language="fr",
        password_hash=STAND_IN_PASSWORD_HASH,
    )


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


# -- Two-step login ---------------------------------------------------------------------------

WRONG_CODE = _l("This code is wrong, too old, or already used.")


@dataclass(frozen=True)
class SecondStep:
    """A second step passed: with the app's code, or with a recovery code (then how many left)."""

    recovery_codes_left: int | None = None


def enrolment_offer(user: User) -> tuple[str, str]:
    """A new secret for ``user``'s app and the sealed offer the set-up form sends back."""
    secret = two_factor.new_secret()
    return secret, two_factor.seal(f"{user.id}:{secret}")


def offered_secret(user: User, offer: str) -> str | None:
    """The secret of an offer made to ``user`` less than 30 minutes ago, else None."""
    opened = two_factor.unseal(offer or "", max_age=two_factor.ENROLMENT_SECONDS)
    user_id, _, secret = (opened or "").partition(":")
    return secret if secret and user_id == str(user.id) else None


def enable_two_factor(user: User, offer: str, code: str) -> list[str]:
    """Turn two-step login on once a first code proves the app has the secret offered.

    Returns the ten recovery codes, to show once: only their hashes are kept. Every other
    session of the account ends, since it was opened with the password alone.
    """
    if user.two_factor_enabled:
        raise DomainError(None, _l("Two-step login is already on."))
    secret = offered_secret(user, offer)
    if secret is None:
        raise DomainError(None, _l("This set-up page is too old. Please scan the new QR code."))
    step = two_factor.matching_step(secret, code, utcnow(), after=None)
    if step is None:
        raise DomainError("code", WRONG_CODE)
    codes = two_factor.new_recovery_codes()
    user.totp_secret = two_factor.seal(secret)
    user.two_factor_enabled_at = utcnow()
    user.totp_last_step = step
    user.recovery_codes = [RecoveryCode(code_hash=two_factor.hash_recovery_code(c)) for c in codes]
    end_sessions(user)
    return codes


def pending_second_step(session_id: str | None) -> User | None:
    """The account a password step let through, while still valid and with two-step login."""
    user = load_session_user(session_id or "")
    return user if user is not None and user.two_factor_enabled else None


def pass_second_step(user: User, code: str) -> SecondStep:
    """Log ``user`` in with the app's current code or an unused recovery code, each once."""
    if _use_app_code(user, code):
        result = SecondStep()
    elif _use_recovery_code(user, code):
        result = SecondStep(recovery_codes_left=count_recovery_codes(user))
    else:
        raise DomainError("code", WRONG_CODE)
    user.last_login_at = utcnow()
    db.session.flush()
    return result


def disable_two_factor(user: User, proof: str) -> None:
    """Turn two-step login off, given the account's password or a current code of its app."""
    if not (verify_password(user.password_hash, proof) or _use_app_code(user, proof)):
        raise DomainError("proof", _l("This is neither your password nor a current code."))
    user.totp_secret = None
    user.two_factor_enabled_at = None
    user.totp_last_step = None
    user.recovery_codes = []
    db.session.flush()


def count_recovery_codes(user: User) -> int:
    """How many recovery codes of ``user`` are still unused."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def must_set_up_two_factor(user: User) -> bool:
    """Whether the settings oblige ``user``, an organiser, to set up two-step login first."""
    return (
        bool(current_app.config["REQUIRE_ORGANISER_2FA"])
        and user.is_organiser
        and not user.two_factor_enabled
    )


def _use_app_code(user: User, code: str) -> bool:
    """Accept a code of the app once: its time step must be later than the last one used."""
    secret = two_factor.unseal(user.totp_secret) if user.totp_secret else None
    if secret is None:  # off, or sealed under another SECRET_KEY: recovery codes still work
        return False
    step = two_factor.matching_step(secret, code, utcnow(), after=user.totp_last_step)
    if step is None:
        return False
    # One conditional UPDATE, so two requests racing with the same code cannot both pass.
    claimed = db.session.execute(
        sa.update(User)
        .where(
            User.id == user.id,
            sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(user, ["totp_last_step"])
    return claimed.rowcount == 1


def _use_recovery_code(user: User, code: str) -> bool:
    """Spend one unused recovery code of ``user``, in one conditional UPDATE."""
    spent = db.session.execute(
        sa.update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == two_factor.hash_recovery_code(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return spent.rowcount == 1
