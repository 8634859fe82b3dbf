"""Organisers' page for the brochures: upload a PDF, order the list, remove one."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from colloquium.extensions import db
from colloquium.forms import transaction
from colloquium.resources import services
from colloquium.resources.forms import BrochureForm
from colloquium.resources.models import Brochure
from colloquium.security import accepts_upload, form_view, organiser_required

bp = Blueprint("resources_admin", __name__, url_prefix="/admin/resources")

# The largest PDF, its title and description, and the multipart envelope around them.
MAX_BODY_BYTES = services.MAX_BYTES + 512 * 1024


@bp.route("/", methods=["GET", "POST"])
@organiser_required
@form_view
@accepts_upload(MAX_BODY_BYTES)
def index():
    """The brochures in their order, and the form to upload one more."""
    form = BrochureForm()
    if form.validate_on_submit():
        with transaction(form, success=_("The brochure is online.")) as outcome:
            services.add_brochure(form.upload(), current_user._get_current_object())
        if outcome.ok:
            return redirect(url_for("resources_admin.index"))
    return render_template(
        "resources/admin/index.html",
        form=form,
        brochures=services.list_brochures(),
        max_megabytes=services.MAX_BYTES // (1024 * 1024),
        max_pages=services.MAX_PAGES,
    )


@bp.post("/<int:brochure_id>/up")
@organiser_required
def move_up(brochure_id: int):
    """Show the brochure one place earlier."""
    return _move(brochure_id, -1)


@bp.post("/<int:brochure_id>/down")
@organiser_required
def move_down(brochure_id: int):
    """Show the brochure one place later."""
    return _move(brochure_id, 1)


def _move(brochure_id: int, step: int):
    brochure = db.get_or_404(Brochure, brochure_id)
    with transaction():
        services.move_brochure(brochure, step)
    return redirect(url_for("resources_admin.index", _anchor=f"brochure-{brochure_id}"))


@bp.route("/<int:brochure_id>/remove", methods=["GET", "POST"])
@organiser_required
def remove(brochure_id: int):
    """Ask, then take the brochure off the site."""
    brochure = db.get_or_404(Brochure, brochure_id)
    if request.method == "POST":
        with transaction(success=_("The brochure is removed.")):
            services.remove_brochure(brochure, current_user._get_current_object())
        return redirect(url_for("resources_admin.index"))
    return render_template("resources/admin/remove.html", brochure=brochure)
