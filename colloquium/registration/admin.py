"""Organisers' registration pages: the list and its export, and checking attendees in."""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from colloquium.audit import services as audit
from colloquium.editions.services import current_edition, get_edition
from colloquium.errors import DomainError
from colloquium.extensions import db
from colloquium.registration import services
from colloquium.registration.forms import ATTENDEE_TYPE_CHOICES, CheckInForm, CheckInLookupForm
from colloquium.registration.models import STATUSES, Registration
from colloquium.security import form_view, organiser_required

check_in_bp = Blueprint("check_in", __name__, url_prefix="/admin/check-in")
registrations_bp = Blueprint("registrations_admin", __name__, url_prefix="/admin/registrations")
# These pages show an attendee's name and needs: never cached anywhere.
NO_STORE = {"Cache-Control": "no-store"}


def _registration_or_404(reference: str) -> Registration:
    registration = services.find_by_reference(reference)
    if registration is None or registration.erased_at is not None:
        abort(404)
    return registration


@check_in_bp.get("/")
@organiser_required
def lookup():
    """Find a registration by the reference printed under its QR code."""
    form = CheckInLookupForm(request.args)
    if "reference" in request.args and form.validate():
        reference = form.reference.data.strip().upper()
        if services.find_by_reference(reference) is not None:
            return redirect(url_for("check_in.attendee", reference=reference))
        form.reference.errors.append(_("No registration has this reference."))
    return render_template("registration/check_in_lookup.html", form=form), 200, NO_STORE


@check_in_bp.get("/<reference>")
@organiser_required
def attendee(reference: str):
    """What the door needs to know about one attendee, and the button to let them in."""
    registration = _registration_or_404(reference)
    return (
        render_template(
            "registration/check_in.html",
            registration=registration,
            form=CheckInForm(),
            attendee_types={choice.value: choice.label for choice in ATTENDEE_TYPE_CHOICES},
        ),
        200,
        NO_STORE,
    )


@check_in_bp.post("/<reference>")
@organiser_required
@form_view
def record_arrival(reference: str):
    """Record that this attendee has arrived (once, and only with a seat)."""
    registration = _registration_or_404(reference)
    form = CheckInForm()
    if not form.validate():
        flash(_("The page had expired: please press the button again."), "error")
    else:
        try:
            services.check_in(registration)
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            db.session.commit()
            flash(_("%(name)s is checked in.", name=registration.first_name), "success")
    return redirect(url_for("check_in.attendee", reference=registration.reference))


def _edition_or_404(year: int):
    edition = get_edition(year)
    if edition is None:
        abort(404)
    return edition


@registrations_bp.get("/")
@organiser_required
def index():
    """Go to the current edition's registrations, or say that there is no edition yet."""
    edition = current_edition()
    if edition is None:
        return render_template("registration/no_edition.html"), 200, NO_STORE
    return redirect(url_for("registrations_admin.list_for_edition", year=edition.year))


@registrations_bp.get("/<int:year>")
@organiser_required
def list_for_edition(year: int):
    """An edition's counts and its registrations, filtered by status, one page at a time."""
    edition = _edition_or_404(year)
    status = request.args.get("status", "")
    if status not in STATUSES:
        status = ""
    page = services.list_registrations(
        edition, status=status or None, page=request.args.get("page", 1, type=int)
    )
    return (
        render_template(
            "registration/list.html",
            edition=edition,
            counts=services.registration_counts(edition),
            page=page,
            positions=services.waitlist_positions(edition, page.items),
            status=status,
            statuses=STATUSES,
            attendee_types={choice.value: choice.label for choice in ATTENDEE_TYPE_CHOICES},
        ),
        200,
        NO_STORE,
    )


@registrations_bp.post("/<int:year>/export")
@organiser_required
def export(year: int):
    """Download an edition's registrations as CSV; the export is written to the audit log."""
    edition = _edition_or_404(year)
    text, count = services.export_registrations_csv(edition)
    audit.record(current_user, "registrations.export", f"edition:{edition.year}", {"rows": count})
    db.session.commit()
    return Response(
        text.encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="registrations-{edition.year}.csv"',
            **NO_STORE,
        },
    )
