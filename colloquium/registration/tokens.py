"""Manage-link tokens: recomputable by the server, never stored in clear.

Every e-mail about a registration carries its manage link, so the server must be able to
write the link again at any time, yet a database copy alone must not open anyone's page.
The token is therefore an HMAC-SHA256, keyed with SECRET_KEY and a purpose string of its
own (domain separation: no other signature made with the key can be replayed as a link),
of the registration's reference, creation time and ``link_version``. All are known before
the row is inserted (the reference is drawn first; neither it nor the time ever changes,
not even on erasure), so the INSERT stores the token's hash at once. The time is there
because a reference is unique only among the rows that exist: the purge of unconfirmed
registrations frees theirs, and a newcomer drawing one again must not get the link that
was e-mailed to the person purged. Only its SHA-256 is stored (``token_hash``), and
lookups stay one indexed equality on it: the URL carries nothing to guess from, and
erasure (``token_hash`` NULL) closes every link at once. "Resend the link" bumps
``link_version``, which revokes every earlier link.

Tokens were first made of the registration's id (purpose ``…/v1``). The purpose changed
with the message (``…/v2``), so no earlier token can equal a new one. A registration made
then keeps its stored hash, so the links already e-mailed keep working; the next e-mail
about it carries the new link, which replaces the old one (``current_token``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

from flask import current_app

from colloquium.registration.models import Registration

_PURPOSE = b"colloquium/registration/manage-link/v2"


def hash_token(token: str) -> str:
    """The stored form of a manage token."""
    return hashlib.sha256(token.encode()).hexdigest()


def manage_token(registration: Registration) -> str:
    """The manage token of ``registration`` at its current ``link_version`` (256 bits)."""
    return token_of(registration.reference, registration.created_at, registration.link_version or 0)


def token_of(reference: str, created_at: datetime, link_version: int) -> str:
    """The manage token of the registration ``reference`` made at ``created_at``.

    For a registration not inserted yet, whose hash goes in its INSERT. The time is written
    in UTC to the microsecond, as both databases keep it, so it reads back the same.
    """
    key = hmac.new(
        str(current_app.config["SECRET_KEY"]).encode(), _PURPOSE, hashlib.sha256
    ).digest()
    created = created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    message = f"{reference}:{created}:{link_version}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def current_token(registration: Registration) -> str:
    """The token to e-mail; the stored hash follows it if it was made otherwise.

    A registration made before link versions existed (a random token) or before tokens were
    made of the reference (``…/v1``), or a changed SECRET_KEY, leaves a stored hash this
    server cannot recompute: the next e-mail then carries the new link, which replaces the
    old one (that is the one that keeps working).
    """
    token = manage_token(registration)
    digest = hash_token(token)
    if registration.token_hash is not None and registration.token_hash != digest:
        registration.token_hash = digest
    return token
