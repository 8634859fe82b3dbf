"""Organisers' registration pages: the list and its export, checking attendees in, badges."""

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from colloquium.audit import services as audit
from colloquium.editions.services import current_edition, edition_of_year
from colloquium.extensions import db
from colloquium.forms import page_argument, transaction
from colloquium.registration import services
from colloquium.registration.forms import (
    ATTENDEE_TYPE_CHOICES,
    BadgeFilterForm,
    CheckInForm,
    CheckInLookupForm,
)
from colloquium.registration.models import STATUSES
from colloquium.security import form_view, organiser_required

check_in_bp = Blueprint("check_in", __name__, url_prefix="/admin/check-in")
registrations_bp = Blueprint("registrations_admin", __name__, url_prefix="/admin/registrations")


def _door_search_form() -> CheckInLookupForm:
    """The search form from ``?q=``, or from the older ``?reference=`` of bookmarked links."""
    if "q" not in request.args and "reference" in request.args:
        return CheckInLookupForm(MultiDict({"q": request.args["reference"]}))
    return CheckInLookupForm(request.args)


@check_in_bp.get("/")
@organiser_required
def lookup():
    """Find an attendee by reference, scanned QR code or part of a name, e-mail, organisation."""
    form = _door_search_form()
    edition = current_edition()
    matches = None
    if ("q" in request.args or "reference" in request.args) and form.validate():
        reference = services.reference_from_search(form.q.data)
        found = services.find_by_reference(reference) if reference else None
        if found is not None and found.erased_at is None:
            return redirect(url_for("check_in.attendee", reference=found.reference))
        if found is not None:
            form.q.errors.append(_("This registration was cancelled and its details erased."))
        elif services.looks_like_reference(form.q.data):
            form.q.errors.append(_("No registration has this reference."))
        elif edition is not None:
            matches = services.search_at_the_door(edition, form.q.data)
    return render_template(
        "registration/check_in_lookup.html",
        form=form,
        edition=edition,
        count=services.door_count(edition) if edition is not None else None,
        matches=matches,
        limit=services.DOOR_MATCHES,
    )


@check_in_bp.get("/<reference>")
@organiser_required
def attendee(reference: str):
    """What the door needs to know about one attendee, and the button to let them in."""
    registration = db.first_or_404(services.attendee_with_reference(reference))
    return render_template(
        "registration/check_in.html",
        registration=registration,
        form=CheckInForm(),
        count=services.door_count(registration.edition),
        attendee_types={choice.value: choice.label for choice in ATTENDEE_TYPE_CHOICES},
    )


@check_in_bp.post("/<reference>")
@organiser_required
@form_view
def record_arrival(reference: str):
    """Record that this attendee has arrived (once, and only with a seat), then search again."""
    registration = db.first_or_404(services.attendee_with_reference(reference))
    form = CheckInForm()
    if not form.validate():
        flash(_("The page had expired: please press the button again."), "error")
        return redirect(url_for("check_in.attendee", reference=registration.reference))
    name = f"{registration.first_name} {registration.last_name}"
    with transaction(success=_("%(name)s is checked in.", name=name)) as outcome:
        services.check_in(registration)
        audit.record(
            current_user, "registrations.check_in", f"registration:{registration.reference}", {}
        )
    if outcome.ok:
        return redirect(url_for("check_in.lookup"))
    return redirect(url_for("check_in.attendee", reference=registration.reference))


@registrations_bp.get("/")
@organiser_required
def index():
    """Go to the current edition's registrations, or say that there is no edition yet."""
    edition = current_edition()
    if edition is None:
        return render_template("registration/no_edition.html")
    return redirect(url_for("registrations_admin.list_for_edition", year=edition.year))


@registrations_bp.get("/<int:year>")
@organiser_required
def list_for_edition(year: int):
    """An edition's counts and its registrations, filtered by status, one page at a time."""
    edition = db.first_or_404(edition_of_year(year))
    status = request.args.get("status", "")
    if status not in STATUSES:
        status = ""
    page = services.list_registrations(edition, status=status or None, page=page_argument())
    return render_template(
        "registration/list.html",
        edition=edition,
        counts=services.registration_counts(edition),
        page=page,
        positions=services.waitlist_positions(edition, page.items),
        status=status,
        statuses=STATUSES,
        attendee_types={choice.value: choice.label for choice in ATTENDEE_TYPE_CHOICES},
    )


@registrations_bp.post("/<int:year>/export")
@organiser_required
def export(year: int):
    """Download an edition's registrations as CSV; the export is written to the audit log."""
    edition = db.first_or_404(edition_of_year(year))
    with transaction():
        text, count = services.export_registrations_csv(edition)
        audit.record(
            current_user, "registrations.export", f"edition:{edition.year}", {"rows": count}
        )
    return Response(
        text.encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="registrations-{edition.year}.csv"',
        },
    )


# --- Badges --------------------------------------------------------------------------------

badges_bp = Blueprint("badges", __name__, url_prefix="/admin/badges")


@badges_bp.get("/", endpoint="index")
@organiser_required
def current_badges():
    """Go to the current edition's badges, or say that there is no edition yet."""
    edition = current_edition()
    if edition is None:
        return render_template("registration/badges_no_edition.html")
    return redirect(url_for("badges.for_edition", year=edition.year))


@badges_bp.get("/<int:year>")
@organiser_required
def for_edition(year: int):
    """The confirmed attendees' badges, eight to an A4 sheet, filtered by type or name."""
    edition = db.first_or_404(edition_of_year(year))
    form = BadgeFilterForm(request.args)
    form.validate()
    attendee_type = "" if form.type.errors else form.type.data or ""
    text = "" if form.q.errors else form.q.data or ""
    return render_template(
        "registration/badges.html",
        edition=edition,
        form=form,
        badges=services.badges(edition, attendee_type=attendee_type or None, text=text),
        filtered=bool(attendee_type or text),
        attendee_types={choice.value: choice.label for choice in ATTENDEE_TYPE_CHOICES},
    )
