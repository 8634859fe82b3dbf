"""Organisers' pages for member associations: list, create, archive, history, invitations."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from colloquium.accounts import services as accounts
from colloquium.accounts.models import EDITOR
from colloquium.associations import services
from colloquium.associations.forms import InviteEditorForm, NewAssociationForm
from colloquium.errors import DomainError
from colloquium.extensions import db
from colloquium.forms import show_domain_error
from colloquium.security import form_view, organiser_required

bp = Blueprint("associations_admin", __name__, url_prefix="/admin/associations")
NO_STORE = {"Cache-Control": "no-store"}


def _association_or_404(slug: str):
    association = services.get_association(slug, include_archived=True)
    if association is None:
        abort(404)
    return association


@bp.get("/")
@organiser_required
def index():
    """Every association, members first, with its editors."""
    return (
        render_template(
            "associations/admin/index.html", associations=services.list_all_associations()
        ),
        200,
        NO_STORE,
    )


@bp.route("/new", methods=["GET", "POST"])
@organiser_required
@form_view
def create():
    """Add a member association."""
    form = NewAssociationForm()
    if form.validate_on_submit():
        try:
            association = services.create_association(
                form.slug.data, form.profile_values(), author=current_user._get_current_object()
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("The association is created."), "success")
            return redirect(url_for("associations_admin.index", _anchor=association.slug))
    return render_template("associations/admin/new.html", form=form), 200, NO_STORE


@bp.get("/<slug>/history")
@organiser_required
def history(slug: str):
    """Every saved change of a profile, with its author, and a button to revert it."""
    association = _association_or_404(slug)
    return (
        render_template(
            "associations/admin/history.html",
            association=association,
            revisions=services.list_revisions(association),
        ),
        200,
        NO_STORE,
    )


@bp.post("/<slug>/revisions/<int:revision_id>/revert")
@organiser_required
def revert(slug: str, revision_id: int):
    """Put back what one revision changed."""
    association = _association_or_404(slug)
    revision = services.get_revision(association, revision_id)
    if revision is None:
        abort(404)
    try:
        new = services.revert_revision(revision, current_user._get_current_object())
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        if new is None:
            flash(_("Nothing to revert: the profile already has these values."), "warning")
        else:
            flash(_("The change is reverted."), "success")
    return redirect(url_for("associations_admin.history", slug=slug))


@bp.post("/<slug>/archive")
@organiser_required
def archive(slug: str):
    """Take a former member off the public directory (its history is kept)."""
    association = _association_or_404(slug)
    services.set_membership(association, False, current_user._get_current_object())
    db.session.commit()
    flash(_("The association is archived."), "success")
    return redirect(url_for("associations_admin.index"))


@bp.post("/<slug>/restore")
@organiser_required
def restore(slug: str):
    """Put an archived association back in the directory."""
    association = _association_or_404(slug)
    services.set_membership(association, True, current_user._get_current_object())
    db.session.commit()
    flash(_("The association is back in the directory."), "success")
    return redirect(url_for("associations_admin.index"))


@bp.route("/<slug>/invite", methods=["GET", "POST"])
@organiser_required
@form_view
def invite_editor(slug: str):
    """Invite someone to edit this association's profile."""
    association = _association_or_404(slug)
    form = InviteEditorForm()
    if form.validate_on_submit():
        try:
            accounts.invite_user(
                form.email.data, EDITOR, name=form.name.data or "", association=association
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("The invitation is on its way."), "success")
            return redirect(url_for("associations_admin.index"))
    return (
        render_template("associations/admin/invite.html", form=form, association=association),
        200,
        NO_STORE,
    )
