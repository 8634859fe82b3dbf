"""Secret link tokens never reach a log: a filter for the app's, werkzeug's and gunicorn's."""

import logging
import re

from flask import Flask, has_request_context, request

# The path segment after these prefixes is a secret: whoever has it manages a registration
# or sets an account's password. The prefix may be percent-encoded (in ?next=, say). Real
# tokens are 43 characters or more; from 16 on, so that a traceback's
# ".../colloquium/registration/views.py" stays readable.
SECRET_PATH = re.compile(
    r"(?P<prefix>(?:/|%2F)(?:registration|invitation|password(?:/|%2F)reset)(?:/|%2F))"
    r"(?P<token>[^/\s?&#\"'%<>]{16,})",
    re.IGNORECASE,
)
REDACTED = "[redacted]"
# ``extra=`` for a log line that must keep its links: the outbox written to the log in
# development, when no MAIL_SERVER is set, is read precisely to follow them.
KEEP_LINKS = {"keep_links": True}
APP_LOGGERS = ("werkzeug",)  # besides the app's own


def redact(text: str) -> str:
    """``text`` with every secret token replaced by ``[redacted]``.

    A token is found after the prefixes above, and anywhere when it is the token of the
    request being served (an exception's message may quote it without its path).
    """
    token = _request_token()
    if token:
        text = text.replace(token, REDACTED)
    return SECRET_PATH.sub(lambda match: match.group("prefix") + REDACTED, text)


def _request_token() -> str | None:
    """The ``<token>`` argument of the request being served, if any (long enough to be one)."""
    if not has_request_context():
        return None
    token = (request.view_args or {}).get("token")
    return token if isinstance(token, str) and len(token) >= 16 else None


class RedactingFilter(logging.Filter):
    """Rewrites a record's message, traceback and stack without the tokens it holds."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact in place and always let the record through."""
        if getattr(record, "keep_links", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format: the logging module reports it, not us
            return True
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when it is set: format it once here, redacted.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def add_filter(logger: logging.Logger) -> None:
    """Put one redacting filter on ``logger`` (a second call adds nothing)."""
    if not any(isinstance(existing, RedactingFilter) for existing in logger.filters):
        logger.addFilter(RedactingFilter())


def init_app(app: Flask) -> None:
    """Redact every line the app and its development server log.

    A logger's filters only see the records logged on that very logger: every line of the
    app goes through ``app.logger`` (Flask's "Exception on <path>" included), and the
    development server's request lines through ``werkzeug``.
    """
    add_filter(app.logger)
    for name in APP_LOGGERS:
        add_filter(logging.getLogger(name))
