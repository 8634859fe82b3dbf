"""The audit log as organisers read it."""

from flask import Blueprint, render_template

from colloquium.audit import services
from colloquium.forms import page_argument
from colloquium.security import organiser_required

bp = Blueprint("audit_admin", __name__, url_prefix="/admin/audit")


@bp.get("/")
@organiser_required
def index():
    """The latest lines of the audit log, newest first, one page at a time."""
    page = services.list_entries(page=page_argument())
    return render_template("audit/index.html", page=page)
