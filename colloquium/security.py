"""Security headers and the access decorators every protected view uses."""

from functools import wraps
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, redirect, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from colloquium.errors import render_error

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


BACK_OFFICE_PREFIX = "/admin/"
# What an HTML form sends (no content type: a bodiless POST, a button without fields).
FORM_CONTENT_TYPES = frozenset(("", "application/x-www-form-urlencoded", "multipart/form-data"))


def init_app(app: Flask) -> None:
    """Send the same protective headers on every response; handle CSRF failures."""
    app.register_error_handler(CSRFError, _csrf_failure)
    # First of all the request checks, before CSRFProtect's: a refused CSRF token re-runs
    # the form's view, and Flask-WTF would then read a JSON body into the form.
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_non_form_body)
    # Before CSRFProtect too: it reads the body, and the limit must apply to that reading.
    app.before_request_funcs[None].insert(1, _allow_larger_uploads)

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        if request.path.startswith(BACK_OFFICE_PREFIX) or _view_is("private_page"):
            headers["Cache-Control"] = "no-store"
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response


def _refuse_non_form_body() -> None:
    """Answer 415 to a POST (PUT, PATCH, DELETE) whose body is not what a form sends.

    Every page that accepts a body is an HTML form; none reads JSON. Refusing other
    content types here, for every route, means no form ever parses a JSON body (Flask-WTF
    would, and fail on a broken one or a JSON array) and a new route is covered at once.
    """
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.mimetype not in FORM_CONTENT_TYPES:
        abort(415)


def _allow_larger_uploads() -> None:
    """Let a view marked ``@accepts_upload(n)`` read a body of up to ``n`` bytes."""
    limit = getattr(current_app.view_functions.get(request.endpoint or ""), "max_body_bytes", 0)
    if limit:
        request.max_content_length = limit


def _csrf_failure(error: CSRFError):
    """Show the form again, with what was typed and a message, instead of a bare 400.

    Only views marked with ``@form_view`` run again: their FlaskForm validates the CSRF token
    itself, fails on it, and is re-rendered with the user's input and a message; nothing is
    saved. Any other view (a bare POST button) keeps the plain error page.
    """
    if not _view_is("validates_csrf_in_form") or getattr(g, "csrf_retry", False):
        return render_error(error)
    g.csrf_retry = True
    view = current_app.view_functions[request.endpoint]
    try:
        return current_app.make_response(view(**(request.view_args or {})))
    except HTTPException as refusal:
        # The view refused (a 404 for someone else's page, say): an exception escaping an
        # error handler would be a 500, so it gets its own error page here.
        return current_app.handle_http_exception(refusal)


def _view_is(mark: str) -> bool:
    """Whether the view answering this request carries ``mark`` (set by a decorator below)."""
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, mark, False))


def form_view(view):
    """Mark a view whose FlaskForm checks the CSRF token, so a failure re-shows the form."""
    view.validates_csrf_in_form = True
    return view


def accepts_upload(max_body_bytes: int):
    """Mark a view whose form takes a file larger than ``MAX_CONTENT_LENGTH`` allows."""

    def mark(view):
        view.max_body_bytes = max_body_bytes
        return view

    return mark


def private(view):
    """Mark a public view whose pages no browser or proxy may keep (``no-store``).

    For pages that show someone's personal data or carry a single-use form. Every page of
    the back office (under ``/admin/``) is private without the mark.
    """
    view.private_page = True
    return view


def is_safe_next(target: str | None) -> bool:
    """Whether ``target`` is a path on this site (never another host, scheme or ``//``)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ord(char) < 32 or char == "\\" for char in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, default: str) -> str:
    """``target`` when it is a safe local path, else ``default``."""
    return target if is_safe_next(target) else default


def _to_login():
    path = request.full_path if request.query_string else request.path
    return redirect(url_for("accounts.login", next=path))


def login_required(view):
    """Anonymous visitors are sent to the login page, and brought back afterwards."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return _to_login()
        return view(*args, **kwargs)

    return wrapped


def organiser_required(view):
    """Organisers only: anonymous visitors log in first; anyone else gets a 404."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return _to_login()
        if not current_user.is_organiser:
            abort(404)
        return view(*args, **kwargs)

    return wrapped
