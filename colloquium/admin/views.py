"""The organisers' dashboard: where each back-office section starts."""

from flask import Blueprint, render_template

from colloquium.accounts import services as accounts
from colloquium.associations import services as associations
from colloquium.security import organiser_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@organiser_required
def dashboard():
    """Links to every back-office section, with a few counts."""
    return render_template(
        "admin/dashboard.html",
        member_count=associations.count_members(),
        user_count=accounts.count_users(),
    )
