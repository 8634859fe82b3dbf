"""Organisers' pages for accounts: list, invite, deactivate."""

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields import SelectChoice

from colloquium.accounts import services
from colloquium.accounts.forms import InviteUserForm
from colloquium.accounts.models import EDITOR, User
from colloquium.associations.models import Association
from colloquium.db import fold
from colloquium.errors import DomainError
from colloquium.extensions import db
from colloquium.forms import transaction
from colloquium.security import form_view, organiser_required

bp = Blueprint("accounts_admin", __name__, url_prefix="/admin/users")


@bp.get("/")
@organiser_required
def index():
    """Every account, with its role, association and state."""
    return render_template("accounts/admin/index.html", users=services.list_users())


@bp.route("/invite", methods=["GET", "POST"])
@organiser_required
@form_view
def invite():
    """Invite an organiser or an association's editor by e-mail."""
    form = InviteUserForm()
    associations = list(
        db.session.scalars(
            sa.select(Association)
            .where(Association.is_member)
            .order_by(fold(Association.name), Association.name, Association.id)
        )
    )
    form.association.choices = [SelectChoice("", "—")] + [
        SelectChoice(a.slug, a.name) for a in associations
    ]
    if form.validate_on_submit():
        association = next((a for a in associations if a.slug == form.association.data), None)
        with transaction(form, success=_("The invitation is on its way.")) as outcome:
            if form.role.data == EDITOR and association is None:
                raise DomainError("association", _("Choose the association this person edits."))
            services.invite_user(
                form.email.data,
                form.role.data,
                name=form.name.data or "",
                association=association if form.role.data == EDITOR else None,
                language=form.language.data,
            )
        if outcome.ok:
            return redirect(url_for("accounts_admin.index"))
    return render_template("accounts/admin/invite.html", form=form)


@bp.post("/<int:user_id>/deactivate")
@organiser_required
def deactivate(user_id: int):
    """Block an account and end its sessions now."""
    user = db.get_or_404(User, user_id)
    if user.id == current_user.id:
        flash(_("You cannot deactivate your own account."), "error")
    else:
        with transaction(success=_("The account is deactivated.")):
            services.deactivate_user(user)
    return redirect(url_for("accounts_admin.index"))


@bp.post("/<int:user_id>/reactivate")
@organiser_required
def reactivate(user_id: int):
    """Let a deactivated account log in again."""
    with transaction(success=_("The account is active again.")):
        services.reactivate_user(db.get_or_404(User, user_id))
    return redirect(url_for("accounts_admin.index"))


@bp.post("/<int:user_id>/invitation")
@organiser_required
def resend_invitation(user_id: int):
    """Send a new invitation (the previous link stops working)."""
    user = db.get_or_404(User, user_id)
    with transaction(success=_("A new invitation is on its way.")):
        services.send_invitation(user)
    return redirect(url_for("accounts_admin.index"))
