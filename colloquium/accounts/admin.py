"""Organisers' pages for accounts: list, invite, deactivate."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields import SelectChoice

from colloquium.accounts import services
from colloquium.accounts.forms import InviteUserForm
from colloquium.accounts.models import EDITOR, User
from colloquium.associations.models import Association
from colloquium.errors import DomainError
from colloquium.extensions import db
from colloquium.forms import show_domain_error
from colloquium.security import form_view, organiser_required

bp = Blueprint("accounts_admin", __name__, url_prefix="/admin/users")
NO_STORE = {"Cache-Control": "no-store"}


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/")
@organiser_required
def index():
    """Every account, with its role, association and state."""
    return (
        render_template("accounts/admin/index.html", users=services.list_users()),
        200,
        (NO_STORE),
    )


@bp.route("/invite", methods=["GET", "POST"])
@organiser_required
@form_view
def invite():
    """Invite an organiser or an association's editor by e-mail."""
    form = InviteUserForm()
    associations = list(
        db.session.scalars(
            sa.select(Association).where(Association.is_member).order_by(Association.name)
        )
    )
    form.association.choices = [SelectChoice("", "—")] + [
        SelectChoice(a.slug, a.name) for a in associations
    ]
    if form.validate_on_submit():
        association = next((a for a in associations if a.slug == form.association.data), None)
        try:
            if form.role.data == EDITOR and association is None:
                raise DomainError("association", _("Choose the association this person edits."))
            services.invite_user(
                form.email.data,
                form.role.data,
                name=form.name.data or "",
                association=association if form.role.data == EDITOR else None,
                language=form.language.data,
            )
        except DomainError as error:
            db.session.rollback()
            show_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("The invitation is on its way."), "success")
            return redirect(url_for("accounts_admin.index"))
    return render_template("accounts/admin/invite.html", form=form), 200, NO_STORE


@bp.post("/<int:user_id>/deactivate")
@organiser_required
def deactivate(user_id: int):
    """Block an account and end its sessions now."""
    user = _user_or_404(user_id)
    if user.id == current_user.id:
        flash(_("You cannot deactivate your own account."), "error")
    else:
        services.deactivate_user(user)
        db.session.commit()
        flash(_("The account is deactivated."), "success")
    return redirect(url_for("accounts_admin.index"))


@bp.post("/<int:user_id>/reactivate")
@organiser_required
def reactivate(user_id: int):
    """Let a deactivated account log in again."""
    services.reactivate_user(_user_or_404(user_id))
    db.session.commit()
    flash(_("The account is active again."), "success")
    return redirect(url_for("accounts_admin.index"))


@bp.post("/<int:user_id>/invitation")
@organiser_required
def resend_invitation(user_id: int):
    """Send a new invitation (the previous link stops working)."""
    user = _user_or_404(user_id)
    try:
        services.send_invitation(user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(_("A new invitation is on its way."), "success")
    return redirect(url_for("accounts_admin.index"))
