"""Organisers' registration pages: the list and its export, and checking attendees in."""

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from colloquium.audit import services as audit
from colloquium.editions.services import current_edition, edition_of_year
from colloquium.extensions import db
from colloquium.forms import page_argument, transaction
from colloquium.registration import services
from colloquium.registration.forms import (
    ATTENDEE_TYPE_CHOICES,
    CheckInForm,
    CheckInLookupForm,
    RegistrationExportForm,
    RegistrationFilterForm,
)
from colloquium.security import form_view, organiser_required

check_in_bp = Blueprint("check_in", __name__, url_prefix="/admin/check-in")
registrations_bp = Blueprint("registrations_admin", __name__, url_prefix="/admin/registrations")


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
    return render_template("registration/check_in_lookup.html", form=form)


@check_in_bp.get("/<reference>")
@organiser_required
def attendee(reference: str):
    """What the door needs to know about one attendee, and the button to let them in."""
    registration = db.first_or_404(services.attendee_with_reference(reference))
    return render_template(
        "registration/check_in.html",
        registration=registration,
        form=CheckInForm(),
        attendee_types={choice.value: choice.label for choice in ATTENDEE_TYPE_CHOICES},
    )


@check_in_bp.post("/<reference>")
@organiser_required
@form_view
def record_arrival(reference: str):
    """Record that this attendee has arrived (once, and only with a seat)."""
    registration = db.first_or_404(services.attendee_with_reference(reference))
    form = CheckInForm()
    if not form.validate():
        flash(_("The page had expired: please press the button again."), "error")
    else:
        arrived = _("%(name)s is checked in.", name=registration.first_name)
        with transaction(success=arrived):
            services.check_in(registration)
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
    """An edition's counts and its registrations, searched, filtered and sorted, by pages."""
    edition = db.first_or_404(edition_of_year(year))
    return _list_page(edition, RegistrationFilterForm(request.args), RegistrationExportForm(None))


@registrations_bp.post("/<int:year>/export")
@organiser_required
def export(year: int):
    """Download what the list's filters select as CSV; the export is written to the audit log."""
    edition = db.first_or_404(edition_of_year(year))
    form = RegistrationExportForm()
    selection = form.selection()
    if not form.validate():
        return _list_page(edition, RegistrationFilterForm(request.form), form)
    columns = form.chosen_columns()
    with transaction():
        text, count = services.export_registrations_csv(
            edition, selection, columns, language=str(get_locale())
        )
        audit.record(
            current_user,
            "registrations.export",
            f"edition:{edition.year}",
            {"rows": count, "filters": selection.audit_details(), "columns": columns},
        )
    return Response(
        text.encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="registrations-{edition.year}.csv"',
        },
    )


def _list_page(edition, filters: RegistrationFilterForm, export_form: RegistrationExportForm):
    """The list page: ``filters`` pick the rows, ``export_form`` offers the columns."""
    selection = filters.selection()
    page = services.list_registrations(edition, selection, page=page_argument())
    return render_template(
        "registration/list.html",
        edition=edition,
        counts=services.registration_counts(edition),
        page=page,
        positions=services.waitlist_positions(edition, page.items),
        selection=selection,
        filters=filters,
        export_form=export_form,
        status_labels=services.status_labels(),
        attendee_types=services.ATTENDEE_TYPE_LABELS,
        languages=services.LANGUAGE_LABELS,
    )
