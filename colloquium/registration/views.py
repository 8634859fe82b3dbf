"""Public registration pages: the form, and each attendee's own manage pages."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from markupsafe import Markup

from colloquium.clock import local_today, utcnow
from colloquium.content.cache import form_page, shared_form
from colloquium.editions import services as editions
from colloquium.extensions import limiter
from colloquium.forms import transaction
from colloquium.registration import services
from colloquium.registration.documents import calendar_file, qr_svg
from colloquium.registration.forms import DetailsForm, RegistrationForm, ResendLinkForm
from colloquium.registration.models import Registration
from colloquium.security import private

bp = Blueprint("registration", __name__)

SENT_TO = "registration_sent_to"

DETAIL_FIELDS = (
    "first_name",
    "last_name",
    "organisation",
    "attendee_type",
    "language",
    "accessibility_needs",
    "dietary_requirements",
    "consent_contact",
)


def _registration_rate_limit() -> str:
    return current_app.config["REGISTRATION_RATE_LIMIT"]


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_registration_rate_limit, methods=["POST"])
@private
def register():
    """The registration form of the current edition, or why it is closed."""
    edition = editions.current_edition()
    now = utcnow()
    if edition is None or edition.is_past(local_today()):
        return render_template("registration/closed.html", edition=None, state="closed")
    state = edition.registration_state(now)
    if state != "open":
        return render_template("registration/closed.html", edition=edition, state=state)
    if request.method == "POST":
        return _register_form(edition, RegistrationForm(), validate=True)
    if not shared_form():  # a page of its own: logged in, or a message to show
        return _blank_form(edition)
    # Everyone else's page differs only by its CSRF token: it is kept under all it shows.
    return form_page(_shown_on_form(edition), lambda: _blank_form(edition))


def _shown_on_form(edition) -> tuple:
    """Every value of the edition that the registration form shows (``register.html``)."""
    return (
        edition.id,
        edition.title_fr,
        edition.title_en,
        edition.date,
        edition.city,
        edition.capacity,
        edition.seats_left,
        edition.registration_closes_at,
    )


def _blank_form(edition):
    """The form as it opens: nothing typed, the page's language chosen."""
    form = RegistrationForm()
    form.language.data = _current_language()
    return _register_form(edition, form, validate=False)


def _register_form(edition, form: RegistrationForm, validate: bool, expired: bool = False):
    if expired:
        form.form_errors.append(_expired_message())
    if validate and form.validate():
        if form.website.data:
            # A bot filled the hidden field: it sees the usual answer, nothing is recorded.
            return _sent_to(form.email.data)
        with transaction(form) as outcome:
            services.register(edition, form.registration_details())
        if outcome.ok:
            return _sent_to(form.email.data)
    fields = None if form.is_submitted() or expired else blank_form_fields(form)
    page = render_template(
        "registration/register.html", edition=edition, form=form, blank_fields=fields
    )
    return page, 400 if expired else 200


BLANK_FORMS = "colloquium.registration.blank_forms"


def blank_form_fields(form: RegistrationForm) -> Markup:
    """The fields of the blank registration form, rendered once per language and app.

    Everyone opening the form gets the same fields: labels and hints in the page's language,
    that language chosen, nothing typed, no error (the CSRF token and the seats left are
    outside them). They were most of the form's rendering time, in a burst of registrations.
    """
    key = (str(get_locale()), form.language.data)
    cache = current_app.extensions.setdefault(BLANK_FORMS, {})
    if key not in cache:
        # Our own template's output, escaped by Jinja as it rendered.
        html = render_template("registration/_register_fields.html", form=form)
        cache[key] = Markup(html)  # noqa: S704
    return cache[key]


def _sent_to(email: str) -> Response:
    # The "sent" page names the address typed, carried in the signed session cookie and
    # never in the URL (addresses in URLs end up in logs). A new and an already registered
    # address get the same page: it only echoes what the person typed.
    session[SENT_TO] = email
    return redirect(url_for("registration.submitted"))


@bp.get("/register/sent")
@private
def submitted():
    """Check your mailbox: the same page whether the address was new or not."""
    return render_template("registration/submitted.html", email=session.pop(SENT_TO, None))


@bp.route("/registration/resend", methods=["GET", "POST"])
@limiter.limit(_registration_rate_limit, methods=["POST"])
@private
def resend():
    """Lost the link: a fresh one is e-mailed if the address holds a registration."""
    form = ResendLinkForm()
    if form.validate_on_submit():
        with transaction(form) as outcome:
            services.resend_link(editions.current_edition(), form.email.data)
        if outcome.ok:
            # The same page whether the address is known or not; it echoes what was typed
            # (rendered, not redirected to: the address stays out of URLs and logs).
            return render_template("registration/resend_sent.html", email=form.email.data)
    return render_template("registration/resend.html", form=form)


def _registration(token: str) -> Registration:
    """The registration of this manage token, or the "unknown link" page (404)."""
    registration = services.find_by_token(token)
    if registration is None:
        abort(_unknown_link())
    return registration


def _unknown_link() -> Response:
    """The page of a replaced or unknown link: why, and the form for a new one (404)."""
    page = render_template("registration/unknown_link.html", form=ResendLinkForm())
    response = make_response(page, 404)
    response.headers["Cache-Control"] = "no-store"  # it carries a form's CSRF token
    return response


@bp.get("/registration/<token>")
@private
def manage(token: str):
    """One's registration: state, waiting-list position, details, QR code when confirmed."""
    registration = _registration(token)
    qr = None
    if registration.status == "confirmed":
        qr = qr_svg(
            registration, _("Check-in code %(reference)s", reference=registration.reference)
        )
    edition = registration.edition
    return render_template(
        "registration/manage.html",
        registration=registration,
        edition=edition,
        token=token,
        position=services.waitlist_position(registration),
        qr=qr,
        is_past=edition.is_past(local_today()),
        can_confirm=services.can_still_confirm(edition),
    )


@bp.post("/registration/<token>/confirm")
def confirm(token: str):
    """Confirm one's e-mail address: a seat, or a place on the waiting list."""
    registration = _registration(token)
    return _act(token, lambda: services.confirm_registration(registration), _confirmed_message)


@bp.route("/registration/<token>/cancel", methods=["GET", "POST"])
@private
def cancel(token: str):
    """Cancel one's registration, once asked again; the seat goes to the waiting list."""
    registration = _registration(token)
    if request.method == "GET":
        # Nothing irreversible on one click: the manage page links here, this page asks.
        return _ask_first(registration, token, "cancel")
    return _act(
        token,
        lambda: services.cancel_registration(registration),
        lambda _result: _("Your registration is cancelled. Thank you for telling us."),
    )


@bp.route("/registration/<token>/delete", methods=["GET", "POST"])
@private
def delete(token: str):
    """Erase one's personal data for good, once asked again."""
    registration = _registration(token)
    if request.method == "GET":
        return _ask_first(registration, token, "delete")
    erased = _("Your personal data has been erased and your registration cancelled.")
    with transaction(success=erased):
        services.erase_registration(registration)
    return redirect(url_for("editions.home"))


@bp.route("/registration/<token>/edit", methods=["GET", "POST"])
@private
def edit(token: str):
    """Change one's details."""
    registration = _registration(token)
    form = DetailsForm(obj=registration)
    return _edit_form(registration, token, form, validate=form.is_submitted())


def _edit_form(registration, token, form: DetailsForm, validate: bool, expired: bool = False):
    if expired:
        form.form_errors.append(_expired_message())
    if validate and form.validate():
        changes = services.DetailChanges(**{name: form[name].data for name in DETAIL_FIELDS})
        with transaction(form, success=_("Your details have been saved.")) as outcome:
            services.update_details(registration, changes)
        if outcome.ok:
            return redirect(url_for("registration.manage", token=token))
    page = render_template(
        "registration/edit.html", registration=registration, form=form, token=token
    )
    return page, 400 if expired else 200


@bp.get("/registration/<token>/export")
@private
def export(token: str):
    """One's personal data, as a JSON file."""
    registration = _registration(token)
    body = json.dumps(services.export_registration(registration), ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="registration-{registration.reference}.json"'
    )
    return response


@bp.get("/registration/<token>/calendar.ics")
@private
def calendar(token: str):
    """The colloquium day, for one's calendar."""
    registration = _registration(token)
    response = Response(calendar_file(registration), mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'attachment; filename="colloquium.ics"'
    return response


@bp.errorhandler(CSRFError)
def csrf_failure(error: CSRFError):
    """An expired or missing CSRF token: show the form again with what was typed."""
    if request.endpoint == "registration.register":
        edition = editions.current_edition()
        if edition is not None and edition.registration_state(utcnow()) == "open":
            form = RegistrationForm(meta={"csrf": False})
            return _register_form(edition, form, validate=False, expired=True)
    if request.endpoint == "registration.resend":
        # The lost-link form had expired: ask again, the address kept, nothing sent.
        form = ResendLinkForm(meta={"csrf": False})
        form.form_errors.append(_expired_message())
        return render_template("registration/resend.html", form=form), 400
    token = (request.view_args or {}).get("token")
    if token is None:
        return redirect(url_for("registration.register"))
    registration = services.find_by_token(token)
    if registration is None:
        # The same page as following the dead link: a failed CSRF check tells nothing more.
        return _unknown_link()
    if request.endpoint == "registration.edit":
        form = DetailsForm(meta={"csrf": False})
        return _edit_form(registration, token, form, validate=False, expired=True)
    flash(_("This page had expired. Please try again."), "warning")
    return redirect(url_for("registration.manage", token=token))


def _ask_first(registration: Registration, token: str, action: str):
    """The page that asks before cancelling or erasing; only its button acts."""
    return render_template(
        "registration/confirm_action.html",
        registration=registration,
        edition=registration.edition,
        token=token,
        action=action,
        is_past=registration.edition.is_past(local_today()),
    )


def _act(token: str, action, message):
    """Run one action on the registration, then back to the manage page with its outcome."""
    with transaction(refusal_category="warning") as outcome:
        result = action()
        # Worded before the commit, while what the action left is loaded: after it, reading
        # the registration's state would cost one more query.
        text = message(result)
    if outcome.ok:
        flash(text, "success")
    return redirect(url_for("registration.manage", token=token))


def _expired_message() -> str:
    return _("The form had expired. Your answers are kept: please send it again.")


def _confirmed_message(registration: Registration) -> str:
    if registration.status == "confirmed":
        return _("Thank you: your seat is confirmed. See you on the day!")
    return _(
        "Thank you: your address is confirmed. Every seat is taken, so you are on the "
        "waiting list; we will write to you as soon as a seat is yours."
    )


def _current_language() -> str:
    return str(get_locale() or "fr")
