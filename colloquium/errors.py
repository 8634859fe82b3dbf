"""Domain errors, and error pages in the site's frame (never a stack trace)."""

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from colloquium.extensions import db


class DomainError(Exception):
    """A rule of the domain was broken; ``field`` names the form field it belongs to."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def init_app(app: Flask) -> None:
    """Render every HTTP error, and any unexpected exception, with the site's own page."""

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        return render_error(error)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        db.session.rollback()
        # The path says where it happened; its secret tokens are redacted (log_redaction).
        app.logger.exception("Unhandled exception on %s %s", request.method, request.path)
        try:
            page = render_template("errors/error.html", error=None, message=_describe(None))
        except Exception:
            # The frame itself is broken (the database is down, say): answer without it.
            app.logger.exception("The error page could not be rendered")
            page = LAST_RESORT_PAGE
        return page, 500


LAST_RESORT_PAGE = """<!doctype html>
<html lang="fr"><meta charset="utf-8"><title>Erreur / Error</title>
<h1>Une erreur est survenue</h1><p>Veuillez réessayer dans quelques minutes.</p>
<h1 lang="en">Something went wrong</h1><p lang="en">Please try again in a few minutes.</p>
</html>
"""


def render_error(error: HTTPException):
    """The site's own page for an HTTP error (for handlers that take over some errors)."""
    return render_template("errors/error.html", error=error, message=_describe(error)), error.code


def _describe(error: HTTPException | None) -> tuple[str, str]:
    code = error.code if error else 500
    if isinstance(error, CSRFError):
        return (
            _("The form had expired"),
            _("For your security, forms expire. Go back, reload the page and send it again."),
        )
    titles = {
        400: (_("Bad request"), _("The request could not be understood. Please try again.")),
        403: (_("Access denied"), _("You are not allowed to see this page.")),
        404: (_("Page not found"), _("This page does not exist or has moved.")),
        405: (_("Not allowed"), _("This address does not accept that kind of request.")),
        413: (_("Too large"), _("What you sent is too large.")),
        415: (_("Unsupported content"), _("This address only accepts what its form sends.")),
        429: (_("Too many attempts"), _("Please wait a few minutes before trying again.")),
        503: (_("Unavailable"), _("The site is briefly unavailable. Please try again.")),
    }
    return titles.get(
        code,
        (
            _("Something went wrong"),
            _("An unexpected error occurred. The team has been told; please try again later."),
        ),
    )
