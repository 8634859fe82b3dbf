"""Manage-link tokens: recomputable by the server, never stored in clear.

Every e-mail about a registration carries its manage link, so the server must be able to
write the link again at any time, yet a database copy alone must not open anyone's page.
The token is therefore an HMAC-SHA256, keyed with SECRET_KEY and a purpose string of its
own (domain separation: no other signature made with the key can be replayed as a link),
of the registration's id and ``link_version``. Only its SHA-256 is stored (``token_hash``),
and lookups stay one indexed equality on it: the URL carries no id to guess from, and
erasure (``token_hash`` NULL) closes every link at once. "Resend the link" bumps
``link_version``, which revokes every earlier link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from flask import current_app

from colloquium.registration.models import Registration

_PURPOSE = b"colloquium/registration/manage-link/v1"


def hash_token(token: str) -> str:
    """The stored form of a manage token."""
    return hashlib.sha256(token.encode()).hexdigest()


def manage_token(registration: Registration) -> str:
    """The manage token of ``registration`` at its current ``link_version`` (256 bits)."""
    key = hmac.new(
        str(current_app.config["SECRET_KEY"]).encode(), _PURPOSE, hashlib.sha256
    ).digest()
    message = f"{registration.id}:{registration.link_version or 0}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def current_token(registration: Registration) -> str:
    """The token to e-mail; the stored hash follows it if it was made otherwise.

    A registration made before link versions existed (a random token), or a changed
    SECRET_KEY, leaves a stored hash this server cannot recompute: the next e-mail then
    carries the new link, which replaces the old one (that is the one that keeps working).
    """
    token = manage_token(registration)
    digest = hash_token(token)
    if registration.token_hash is not None and registration.token_hash != digest:
        registration.token_hash = digest
    return token
