"""Password rules and hashing: 12 characters or more, not common, hard to guess; scrypt."""

import re
import threading
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from colloquium.errors import DomainError

MIN_LENGTH = 12
MAX_LENGTH = 1024  # scrypt of a huge input costs time; nobody types a longer password
COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common-passwords.txt"

# zxcvbn's score runs from 0 (too guessable) to 4; 3 means "safely unguessable: moderate
# protection from an offline slow-hash attack" (at least 10^8 guesses).
MIN_SCORE = 3
# zxcvbn refuses longer input (its cost grows fast with the length); the start of a longer
# password is what it judges, which can only make the verdict stricter.
ESTIMATED_LENGTH = 72
# Words of this site an attacker would try first, whoever the account.
SITE_WORDS = ("colloque", "colloquium", "ecteh", "ensemble", "traite", "trafficking")
# zxcvbn keeps the user inputs of the call in progress in a module-level dictionary: two
# threads estimating at once would judge each other's passwords against the wrong names.
_ZXCVBN_LOCK = threading.Lock()

# One message per kind of weakness, chosen from the longest pattern zxcvbn found; its own
# feedback is English only, so we do not show it.
WEAKNESS_MESSAGES = {
    "personal": _l(
        "Your name, your e-mail address and the name of this site are easy to guess. "
        "Please choose a password without them."
    ),
    "common": _l(
        "This password is too close to a common one. Add a few uncommon words, for instance."
    ),
    "words": _l("A few common words or names are easy to guess. Add more words, and unusual ones."),
    "keyboard": _l(
        "Rows of neighbouring keys, like “azerty”, are easy to guess. "
        "Use a few unusual words instead."
    ),
    "repeat": _l("Repeated characters or words are easy to guess. Please avoid repeats."),
    "sequence": _l("Sequences like “abc” or “6543” are easy to guess. Please avoid them."),
    "date": _l("Dates and years are easy to guess. Please avoid them."),
    "other": _l(
        "This password is too easy to guess. Four or five unusual words in a row make a "
        "strong password that is easy to remember."
    ),
}


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


def check_strength(password: str, field: str = "password", user_inputs: Iterable[str] = ()) -> None:
    """Refuse a password too short, too long, among the most common, or easy to guess."""
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
    weakness = guessable(password, user_inputs)
    if weakness is not None:
        raise DomainError(field, WEAKNESS_MESSAGES[weakness])


def personal_words(*values: str) -> list[str]:
    """The words of a name or an e-mail address an attacker would try, then the whole values."""
    words = [word for value in values for word in re.split(r"[\W_]+", value.lower())]
    return list(dict.fromkeys([w for w in words if len(w) >= 3] + [v.lower() for v in values if v]))


def guessable(password: str, user_inputs: Iterable[str] = ()) -> str | None:
    """The kind of weakness (a key of WEAKNESS_MESSAGES) zxcvbn finds, or None if strong."""
    inputs = [*user_inputs, *SITE_WORDS]
    with _ZXCVBN_LOCK:
        result = zxcvbn(password[:ESTIMATED_LENGTH], user_inputs=inputs)
    if result["score"] >= MIN_SCORE:
        return None
    return _weakness_kind(result["sequence"])


def _weakness_kind(sequence: list[dict]) -> str:
    """Name what makes a password weak after the longest pattern found, as zxcvbn does."""
    if not sequence:
        return "other"
    match = max(sequence, key=lambda m: len(m["token"]))
    pattern = match["pattern"]
    if pattern == "dictionary":
        return {"user_inputs": "personal", "passwords": "common"}.get(
            match["dictionary_name"], "words"
        )
    if pattern == "spatial":
        return "keyboard"
    if pattern in ("repeat", "sequence", "date"):
        return pattern
    if pattern == "regex" and match.get("regex_name") == "recent_year":
        return "date"
    return "other"


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
