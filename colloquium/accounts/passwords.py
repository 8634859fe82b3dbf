"""Password rules and hashing: at least 12 characters, not a common one, scrypt."""

from functools import cache
from pathlib import Path

from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from colloquium.errors import DomainError

MIN_LENGTH = 12
MAX_LENGTH = 1024  # scrypt of a huge input costs time; nobody types a longer password
COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common-passwords.txt"


@cache
def _dummy_hash() -> str:
    # Checked when there is no account or no password yet, so that a failed login takes as
    # long whether or not the account exists.
    return generate_password_hash("colloquium: no such account", method="scrypt")


@cache
def common_passwords() -> frozenset[str]:
    """The 10,000 most common passwords, lower-cased (see data/README.md for the source)."""
    with COMMON_PASSWORDS_FILE.open(encoding="utf-8") as handle:
        return frozenset(line.strip().lower() for line in handle if line.strip())


def check_strength(password: str, field: str = "password") -> None:
    """Refuse a password that is too short, too long, or among the most common ones."""
    if len(password) < MIN_LENGTH:
        raise DomainError(
            field,
            _l("Use at least %(count)d characters.", count=MIN_LENGTH),
        )
    if len(password) > MAX_LENGTH:
        raise DomainError(field, _l("Use at most %(count)d characters.", count=MAX_LENGTH))
    if password.strip().lower() in common_passwords() or len(set(password)) < 4:
        raise DomainError(
            field,
            _l("This password is too common and easy to guess. Please choose another one."),
        )


def hash_password(password: str) -> str:
    """A salted scrypt hash of ``password``."""
    return generate_password_hash(password, method="scrypt")


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; spends the same time when there is no hash at all."""
    if len(password) > MAX_LENGTH:
        return False
    if password_hash is None:
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(password_hash, password)
