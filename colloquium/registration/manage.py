"""Organisers' registration pages: checking attendees in at the door."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from colloquium.db import DomainError
from colloquium.extensions import db
from colloquium.registration import services
from colloquium.registration.forms import ATTENDEE_TYPE_CHOICES, CheckInForm, CheckInLookupForm
from colloquium.registration.models import Registration
from colloquium.security import form_view, organiser_required

bp = Blueprint("registration_manage", __name__, url_prefix="/admin/check-in")
# These pages show an attendee's name and needs: never cached anywhere.
NO_STORE = {"Cache-Control": "no-store"}


def _registration_or_404(reference: str) -> Registration:
    registration = services.find_by_reference(reference)
    if registration is None or registration.erased_at is not None:
        abort(404)
    return registration


@bp.get("/")
@organiser_required
def lookup():
    """Find a registration by the reference printed under its QR code."""
    form = CheckInLookupForm(request.args)
    if "reference" in request.args and form.validate():
        reference = form.reference.data.strip().upper()
        if services.find_by_reference(reference) is not None:
            return redirect(url_for("registration_manage.check_in", reference=reference))
        form.reference.errors.append(_("No registration has this reference."))
    return render_template("registration/check_in_lookup.html", form=form), 200, NO_STORE


@bp.get("/<reference>")
@organiser_required
def check_in(reference: str):
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


@bp.post("/<reference>")
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
    return redirect(url_for("registration_manage.check_in", reference=registration.reference))
