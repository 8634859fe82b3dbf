"""The floor of ``registration_burst.py --hand-written``: its four requests in bare Flask and SQL.

The same journey as Colloquium's, on Colloquium's own tables, with the same statements in
the same transactions: the form reads the edition; registering inserts the row (``ON
CONFLICT DO NOTHING``) and its outbox row; the manage page reads the registration by its
token's hash with its edition; confirming claims the row, takes a seat or, without one,
locks the edition and joins the waiting list, its place counted under the lock, and queues
the mail. Pages of Colloquium's sizes are rendered from memory, and the CSRF token lives in
Flask's signed session cookie.

None of what the product adds is here: no validation beyond presence, no translation, no
security headers, no rate limit, no ORM, no page cache. It is not a way to build the app;
it is the least the same work can cost on this stack, so a reader can tell how much of a
registration's cost is the product's and how much is Flask, gunicorn and PostgreSQL's.
"""

import hashlib
import json
import os
import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask, abort, redirect, request, session
from jinja2 import Template

engine = sa.create_engine(os.environ["BASELINE_DATABASE_URL"])
app = Flask(__name__)
app.secret_key = os.environ["BASELINE_SECRET_KEY"]

# About the bytes of Colloquium's form (8 KB) and manage page (5 KB).
FORM = Template(
    '<!doctype html><title>{{ title }}</title><p>{{ seats }} seats left</p><form method="post">'
    '<input type="hidden" name="csrf_token" value="{{ csrf }}">{{ fields }}</form>'
)
MANAGE = Template(
    "<!doctype html><title>{{ reference }}</title><p>{{ name }}: {{ status }}</p>"
    '<form method="post" action="/registration/{{ token }}/confirm">'
    '<input type="hidden" name="csrf_token" value="{{ csrf }}"></form>{{ details }}'
)
FIELDS = "<label>field <input name=field></label>" * 190
DETAILS = "<p>A detail of the registration.</p>" * 125

EDITION = sa.text(
    "SELECT id, title_fr, capacity, seats_taken FROM edition ORDER BY date DESC LIMIT 1"
)
INSERT = sa.text(
    "INSERT INTO registration (edition_id, reference, token_hash, status, first_name, "
    "last_name, email, organisation, attendee_type, language, accessibility_needs, "
    "dietary_requirements, consent_privacy, privacy_policy_version, consented_at, "
    "consent_contact, override, created_at, updated_at, link_version) VALUES (:edition, "
    ":reference, :token_hash, 'unconfirmed', :first_name, :last_name, :email, '', "
    ":attendee_type, :language, '', '', true, '1', :now, false, false, :now, :now, 0) "
    "ON CONFLICT DO NOTHING RETURNING id"
)
OUTBOX = sa.text(
    "INSERT INTO outgoing_mail (recipient, template, language, subject, text_body, "
    "html_body, message_id, status, attempts, next_attempt_at, created_at, data_subject, "
    "erase_after_delivery, parameters) VALUES (:recipient, :template, 'fr', '', '', '', "
    ":message_id, 'queued', 0, :now, :now, :data_subject, false, :parameters)"
)
BY_TOKEN = sa.text(
    "SELECT r.reference, r.status, r.first_name, r.last_name, e.title_fr, e.capacity, "
    "e.seats_taken FROM registration r JOIN edition e ON e.id = r.edition_id "
    "WHERE r.token_hash = :token_hash"
)
CLAIM = sa.text(
    "UPDATE registration SET status = 'confirmed', confirmed_at = :now, updated_at = :now "
    "WHERE token_hash = :token_hash AND status = 'unconfirmed' RETURNING id, edition_id, email"
)
TAKE_SEAT = sa.text(
    "UPDATE edition SET seats_taken = seats_taken + 1 "
    "WHERE id = :edition AND seats_taken < capacity RETURNING seats_taken"
)
LOCK = sa.text("SELECT seats_taken < capacity FROM edition WHERE id = :edition FOR NO KEY UPDATE")
JOIN_WAITLIST = sa.text(
    "UPDATE registration SET status = 'waitlisted', waitlisted_at = :now, confirmed_at = NULL "
    "WHERE id = :id RETURNING (SELECT count(*) + 1 FROM registration "
    "WHERE edition_id = :edition AND status = 'waitlisted')"
)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _csrf() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_hex(20)
    return session["csrf"]


def _check_csrf() -> None:
    if not secrets.compare_digest(request.form.get("csrf_token", ""), session.get("csrf", "-")):
        abort(400)


def _queue(connection, recipient: str, template: str, registration: int, **parameters) -> None:
    connection.execute(
        OUTBOX,
        {
            "recipient": recipient,
            "template": template,
            "message_id": secrets.token_hex(12),
            "now": _now(),
            "data_subject": f"registration:{registration}",
            "parameters": json.dumps({"registration": registration, **parameters}),
        },
    )


@app.get("/")
def ready():
    """For warming up the workers."""
    return "ok"


@app.route("/register", methods=["GET", "POST"])
def register():
    """The form; registering: the row and its mail."""
    with engine.connect() as connection:
        edition = connection.execute(EDITION).one()
        if request.method == "GET":
            connection.rollback()
            seats = edition.capacity - edition.seats_taken
            return FORM.render(title=edition.title_fr, seats=seats, csrf=_csrf(), fields=FIELDS)
        _check_csrf()
        form = request.form
        if "@" not in form.get("email", "") or form.get("consent_privacy") != "y":
            abort(400)
        token = secrets.token_urlsafe(32)
        registration = connection.execute(
            INSERT,
            {
                "edition": edition.id,
                "reference": "OCT-" + secrets.token_hex(5),
                "token_hash": _hash(token),
                "first_name": form["first_name"],
                "last_name": form["last_name"],
                "email": form["email"],
                "attendee_type": form["attendee_type"],
                "language": form["language"],
                "now": _now(),
            },
        ).scalar()
        if registration is not None:
            manage_url = f"{request.host_url}registration/{token}"
            _queue(
                connection,
                form["email"],
                "registration/manage_link",
                registration,
                manage_url=manage_url,
            )
        connection.commit()
    return redirect("/register/sent")


@app.get("/registration/<token>")
def manage(token):
    """The manage page."""
    with engine.connect() as connection:
        row = connection.execute(BY_TOKEN, {"token_hash": _hash(token)}).first()
        connection.rollback()
    if row is None:
        abort(404)
    return MANAGE.render(
        reference=row.reference,
        name=f"{row.first_name} {row.last_name}",
        status=row.status,
        token=token,
        csrf=_csrf(),
        details=DETAILS,
    )


@app.post("/registration/<token>/confirm")
def confirm(token):
    """A seat, or the waiting list under the edition's lock."""
    _check_csrf()
    with engine.connect() as connection:
        now = _now()
        claimed = connection.execute(CLAIM, {"token_hash": _hash(token), "now": now}).first()
        if claimed is None:
            abort(404)
        edition = {"edition": claimed.edition_id}
        seated = connection.execute(TAKE_SEAT, edition).scalar() is not None
        if not seated and connection.execute(LOCK, edition).scalar():
            seated = connection.execute(TAKE_SEAT, edition).scalar() is not None
        if seated:
            _queue(connection, claimed.email, "registration/confirmed", claimed.id)
        else:
            parameters = {"id": claimed.id, "now": _now(), **edition}
            position = connection.execute(JOIN_WAITLIST, parameters).scalar()
            _queue(
                connection, claimed.email, "registration/waitlisted", claimed.id, position=position
            )
        connection.commit()
    return redirect(f"/registration/{token}")
