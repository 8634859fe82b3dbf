"""Two-step login: TOTP secrets (encrypted at rest), codes, recovery codes, the QR code.

A secret is stored encrypted (Fernet: AES-128-CBC and HMAC-SHA256) under a key derived from
SECRET_KEY, so a copy of the database alone does not give anyone the codes. Changing
SECRET_KEY makes the stored secrets unreadable: their holders log in with a recovery code
(hashed on its own, not with the key) and set the app up again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from markupsafe import Markup

ISSUER = "Colloque ECTEH"
STEP_SECONDS = 30  # what every authenticator app uses
DIGITS = 6
# A code of the step before or after is accepted too: phones and servers drift apart.
TOLERANCE_STEPS = 1
RECOVERY_CODE_COUNT = 10
# 16 characters of an alphabet without look-alikes (no i, l, o, 0, 1): about 79 bits, out of
# reach of any brute force even against a stolen hash, so plain SHA-256 is enough to store them.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 16
# How long a secret offered on the set-up page can still be confirmed.
ENROLMENT_SECONDS = 30 * 60


def new_secret() -> str:
    """A random base32 TOTP secret (160 bits, as RFC 4226 recommends)."""
    return pyotp.random_base32(length=32)


def _fernet() -> Fernet:
    """The cipher of TOTP secrets, keyed by SECRET_KEY through HKDF with a purpose of its own."""
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"colloquium totp secrets"
    ).derive(str(current_app.config["SECRET_KEY"]).encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(text: str) -> str:
    """``text`` encrypted and authenticated, as ASCII."""
    return _fernet().encrypt(text.encode()).decode()


def unseal(token: str, max_age: int | None = None) -> str | None:
    """What ``seal`` encrypted, or None if it was tampered with, is too old, or another key."""
    try:
        return _fernet().decrypt(token.encode(), ttl=max_age).decode()
    except (InvalidToken, ValueError):
        return None


def time_step(moment: datetime) -> int:
    """The TOTP step ``moment`` falls in."""
    return int(moment.timestamp()) // STEP_SECONDS


def code_at(secret: str, step: int) -> str:
    """The code an authenticator app shows for ``secret`` during ``step``."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step)


def matching_step(secret: str, code: str, moment: datetime, after: int | None) -> int | None:
    """The step within tolerance whose code is ``code`` and that is later than ``after``."""
    code = normalise_code(code)
    if len(code) != DIGITS or not code.isdigit():
        return None
    now = time_step(moment)
    found = None
    for step in range(now - TOLERANCE_STEPS, now + TOLERANCE_STEPS + 1):
        # Every candidate is compared, in constant time, whatever matched before.
        if hmac.compare_digest(code_at(secret, step), code) and (after is None or step > after):
            found = step
    return found


def normalise_code(code: str) -> str:
    """A code as typed, without spaces, hyphens and case."""
    return "".join(code.split()).replace("-", "").lower()


def provisioning_uri(secret: str, account: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=account, issuer_name=ISSUER
    )


def qr_svg(uri: str, title: str) -> Markup:
    """The QR code of ``uri`` as inline SVG: no script, no style element, safe under the CSP."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=4, dark="#000", light="#fff", title=title, svgclass="qr-code", lineclass=None
    )
    return Markup(svg)  # noqa: S704 - segno's own output: a path of numbers and our title, escaped


def grouped(secret: str) -> str:
    """The secret in groups of four characters, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def new_recovery_codes() -> list[str]:
    """Ten random single-use codes, written ``xxxx-xxxx-xxxx-xxxx``."""
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
        codes.append("-".join(raw[i : i + 4] for i in range(0, RECOVERY_LENGTH, 4)))
    return codes


def hash_recovery_code(code: str) -> str:
    """What is stored of a recovery code: the SHA-256 of its normalised form."""
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()
