"""Organisers' pages for member associations: list, create, archive, history, invitations."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from colloquium.accounts import services as accounts
from colloquium.accounts.models import EDITOR
from colloquium.associations import services
from colloquium.associations.forms import InviteEditorForm, NewAssociationForm
from colloquium.audit import services as audit
from colloquium.extensions import db
from colloquium.forms import transaction
from colloquium.security import form_view, organiser_required

bp = Blueprint("associations_admin", __name__, url_prefix="/admin/associations")


@bp.get("/")
@organiser_required
def index():
    """Every association, members first, with its editors."""
    return render_template(
        "associations/admin/index.html", associations=services.list_all_associations()
    )


@bp.route("/new", methods=["GET", "POST"])
@organiser_required
@form_view
def create():
    """Add a member association."""
    form = NewAssociationForm()
    if form.validate_on_submit():
        with transaction(form, success=_("The association is created.")) as outcome:
            association = services.create_association(
                form.slug.data, form.profile_values(), author=current_user._get_current_object()
            )
        if outcome.ok:
            return redirect(url_for("associations_admin.index", _anchor=association.slug))
    return render_template("associations/admin/new.html", form=form)


@bp.get("/<slug>/history")
@organiser_required
def history(slug: str):
    """Every saved change of a profile, with its author, and a button to revert it."""
    association = db.first_or_404(services.association_at(slug, include_archived=True))
    return render_template(
        "associations/admin/history.html",
        association=association,
        revisions=services.list_revisions(association),
    )


@bp.post("/<slug>/revisions/<int:revision_id>/revert")
@organiser_required
def revert(slug: str, revision_id: int):
    """Put back what one revision changed."""
    association = db.first_or_404(services.association_at(slug, include_archived=True))
    revision = services.get_revision(association, revision_id)
    if revision is None:
        abort(404)
    organiser = current_user._get_current_object()
    with transaction() as outcome:
        new = services.revert_revision(revision, organiser)
        if new is not None:
            audit.record(
                organiser, "associations.revert", f"association:{slug}", {"revision": revision.id}
            )
    if outcome.ok:
        if new is None:
            flash(_("Nothing to revert: the profile already has these values."), "warning")
        else:
            flash(_("The change is reverted."), "success")
    return redirect(url_for("associations_admin.history", slug=slug))


@bp.post("/<slug>/archive")
@organiser_required
def archive(slug: str):
    """Take a former member off the public directory (its history is kept)."""
    association = db.first_or_404(services.association_at(slug, include_archived=True))
    with transaction(success=_("The association is archived.")):
        services.set_membership(association, False, current_user._get_current_object())
    return redirect(url_for("associations_admin.index"))


@bp.post("/<slug>/restore")
@organiser_required
def restore(slug: str):
    """Put an archived association back in the directory."""
    association = db.first_or_404(services.association_at(slug, include_archived=True))
    with transaction(success=_("The association is back in the directory.")):
        services.set_membership(association, True, current_user._get_current_object())
    return redirect(url_for("associations_admin.index"))


@bp.route("/<slug>/invite", methods=["GET", "POST"])
@organiser_required
@form_view
def invite_editor(slug: str):
    """Invite someone to edit this association's profile."""
    association = db.first_or_404(services.association_at(slug, include_archived=True))
    form = InviteEditorForm()
    if form.validate_on_submit():
        with transaction(form, success=_("The invitation is on its way.")) as outcome:
            accounts.invite_user(
                form.email.data, EDITOR, name=form.name.data or "", association=association
            )
        if outcome.ok:
            return redirect(url_for("associations_admin.index"))
    return render_template("associations/admin/invite.html", form=form, association=association)
