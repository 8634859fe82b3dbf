"""People's names and e-mail addresses as typed, in the one form every domain stores and sends.

Registrations and accounts both go through these functions, so one mailbox is one address
whatever way its domain was written (``exämple.net`` or its IDNA form ``xn--exmple-cua.net``).
"""

import re
import unicodedata

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from colloquium.errors import DomainError

INVALID_EMAIL = _l("Enter a valid e-mail address.")
# Flask-Mail cannot send to such an address (it would need SMTPUTF8 at every hop): refused
# up front rather than accepted and never delivered.
NON_ASCII_LOCAL_PART = _l(
    "Use an address without accents or other special letters before the @: "
    "we could not deliver e-mail to it."
)

# Control characters (C0, DEL, C1), line and paragraph separators, and the bidirectional
# embeddings, overrides and isolates that can make a name read backwards on a page or in a
# list (U+202A to U+202E, U+2066 to U+2069). Ordinary marks such as U+200D stay: scripts need them.
UNWANTED_IN_NAMES = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
SPACES = re.compile(r"\s+")


def clean_name(text: str) -> str:
    """A name or organisation as stored: NFC, on one line, no control or bidi override."""
    text = unicodedata.normalize("NFC", text)
    # A line break or tab between two words becomes a space; a hidden character goes.
    text = re.sub("[\t\n\r\x0b\x0c\x85\u2028\u2029]", " ", text)
    text = UNWANTED_IN_NAMES.sub("", text)
    return SPACES.sub(" ", text).strip()


def normalise_email(address: str) -> str:
    """The form an address is stored and compared in: trimmed, lower case, Unicode domain.

    ``bob@xn--exmple-cua.net`` and ``Bob@EXÄMPLE.net`` both give ``bob@exämple.net``. Text
    that is no valid address is only trimmed and lower-cased (a lookup then finds nothing).
    """
    address = address.strip()
    try:
        valid = validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return address.lower()
    return valid.normalized.lower()


def checked_email(address: str, field: str = "email") -> str:
    """A valid address we can deliver to, in its normal form, or a DomainError on ``field``."""
    address = address.strip()
    local_part = address.rpartition("@")[0]
    if local_part and not local_part.isascii():
        raise DomainError(field, NON_ASCII_LOCAL_PART)
    try:
        valid = validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        raise DomainError(field, INVALID_EMAIL) from None
    return valid.normalized.lower()  # as ``normalise_email`` gives it, without a second check


def smtp_address(address: str) -> str:
    """The ASCII form SMTP needs: the domain as IDNA A-labels; ValueError if there is none."""
    try:
        valid = validate_email(address.strip(), check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        raise ValueError(f"undeliverable address: {error}") from None
    # An ASCII address goes as written; only a Unicode domain needs its A-label form.
    return address.strip() if address.isascii() else valid.ascii_email
