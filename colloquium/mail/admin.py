"""The outbox as organisers see it: counts, failures and their reasons, retrying, the worker."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from colloquium.extensions import db
from colloquium.forms import page_argument, transaction
from colloquium.mail import services
from colloquium.mail.models import MailStatus, OutgoingMail
from colloquium.security import organiser_required

bp = Blueprint("mail_admin", __name__, url_prefix="/admin/mail")

# In the order a mail goes through them (the last two are where it ends).
STATUSES = [
    MailStatus.QUEUED.value,
    MailStatus.SENDING.value,
    MailStatus.RETRY.value,
    MailStatus.SENT.value,
    MailStatus.FAILED.value,
]
PER_PAGE = 50


@bp.get("/")
@organiser_required
def index():
    """Counts by status, the latest failures, whether the worker runs, and the mail listed."""
    status = request.args.get("status", "")
    if status not in STATUSES:
        status = ""
    return render_template(
        "mail/admin/index.html",
        status=status,
        statuses=STATUSES,
        counts=services.outbox_counts(),
        worker=services.worker_state(),
        stalled_after=int(services.WORKER_STALLED_AFTER.total_seconds() // 60),
        mail_server=bool(current_app.config.get("MAIL_SERVER")),
        # With the failed ones listed below, the latest failures would only repeat them.
        failures=[] if status == MailStatus.FAILED.value else services.latest_failures(),
        page=services.list_outbox(
            services.OutboxFilter(status=status or None), page=page_argument(), per_page=PER_PAGE
        ),
    )


@bp.post("/<int:mail_id>/retry")
@organiser_required
def retry(mail_id: int):
    """Send one failed e-mail again: it is due at once, with a fresh series of attempts."""
    mail = db.get_or_404(OutgoingMail, mail_id)
    with transaction(success=_("The e-mail will be sent again by the mail worker.")):
        services.retry_mail(mail, current_user._get_current_object())
    return redirect(url_for("mail_admin.index"))


@bp.route("/retry-failed", methods=["GET", "POST"])
@organiser_required
def retry_failed():
    """Ask, then send every failed e-mail again (those whose recipient is not erased)."""
    if request.method == "POST":
        with transaction() as outcome:
            count = services.retry_failed_mail(current_user._get_current_object())
        if outcome.ok:
            if count:
                flash(
                    ngettext(
                        "%(num)d e-mail will be sent again by the mail worker.",
                        "%(num)d e-mails will be sent again by the mail worker.",
                        count,
                    ),
                    "success",
                )
            else:
                flash(_("No failed e-mail to send again."), "warning")
        return redirect(url_for("mail_admin.index"))
    return render_template("mail/admin/retry_failed.html", count=services.count_retryable())
