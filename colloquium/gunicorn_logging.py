"""Gunicorn's logger without secret tokens (``--logger-class`` in the README's command).

Gunicorn writes its access log and its error log itself, outside the app: the request line
(``%(r)s``), the path (``%(U)s``), the referrer (``%(f)s``) and a redirect's ``Location``
would all carry a manage, invitation or reset token. This logger redacts the lines as they
are written, whatever ``--access-logformat`` says.
"""

from gunicorn.glogging import Logger

from colloquium.log_redaction import add_filter


class RedactingLogger(Logger):
    """Gunicorn's usual logger, whose access and error lines go through the redacting filter."""

    def setup(self, cfg):
        """Gunicorn's set-up (run again on every reload), then the filters."""
        super().setup(cfg)
        add_filter(self.error_log)
        add_filter(self.access_log)
