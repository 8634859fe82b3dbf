"""The audit log as organisers read it."""

from flask import Blueprint, render_template, request

from colloquium.audit import labels, services
from colloquium.audit.forms import AuditFilterForm
from colloquium.forms import page_argument
from colloquium.security import organiser_required

bp = Blueprint("audit_admin", __name__, url_prefix="/admin/audit")


@bp.get("/")
@organiser_required
def index():
    """The audit log, newest first, one page at a time, filtered by action and days."""
    form = AuditFilterForm(request.args)
    form.validate()
    page = services.list_entries(
        page=page_argument(),
        action=form.filters().get("action", ""),
        first_day=form.day(form.first_day),
        last_day=form.day(form.last_day),
    )
    rows = [
        {
            "entry": entry,
            "action": labels.action_label(entry.action),
            "target": labels.describe_target(entry.target),
            "details": labels.describe_details(entry.action, entry.details or {}),
        }
        for entry in page.items
    ]
    return render_template(
        "audit/index.html", page=page, rows=rows, form=form, filters=form.filters()
    )
