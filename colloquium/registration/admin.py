"""Organisers' registration pages: the list and its export, checking in, messages, reminders."""

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from colloquium.audit import services as audit
from colloquium.editions.services import current_edition, edition_of_year
from colloquium.errors import DomainError
from colloquium.extensions import db
from colloquium.forms import page_argument, show_domain_error, transaction
from colloquium.registration import messages, services
from colloquium.registration.forms import (
    ATTENDEE_TYPE_CHOICES,
    LANGUAGE_CHOICES,
    STATUS_CHOICES,
    CheckInForm,
    CheckInLookupForm,
    MessageForm,
    RemindersForm,
)
from colloquium.registration.models import STATUSES
from colloquium.security import form_view, organiser_required

check_in_bp = Blueprint("check_in", __name__, url_prefix="/admin/check-in")
registrations_bp = Blueprint("registrations_admin", __name__, url_prefix="/admin/registrations")


@check_in_bp.get("/")
@organiser_required
def lookup():
    """Find a registration by the reference printed under its QR code."""
    form = CheckInLookupForm(request.args)
    if "reference" in request.args and form.validate():
        reference = form.reference.data.strip().upper()
        if services.find_by_reference(reference) is not None:
            return redirect(url_for("check_in.attendee", reference=reference))
        form.reference.errors.append(_("No registration has this reference."))
    return render_template("registration/check_in_lookup.html", form=form)


@check_in_bp.get("/<reference>")
@organiser_required
def attendee(reference: str):
    """What the door needs to know about one attendee, and the button to let them in."""
    registration = db.first_or_404(services.attendee_with_reference(reference))
    return render_template(
        "registration/check_in.html",
        registration=registration,
        form=CheckInForm(),
        attendee_types={choice.value: choice.label for choice in ATTENDEE_TYPE_CHOICES},
    )


@check_in_bp.post("/<reference>")
@organiser_required
@form_view
def record_arrival(reference: str):
    """Record that this attendee has arrived (once, and only with a seat)."""
    registration = db.first_or_404(services.attendee_with_reference(reference))
    form = CheckInForm()
    if not form.validate():
        flash(_("The page had expired: please press the button again."), "error")
    else:
        arrived = _("%(name)s is checked in.", name=registration.first_name)
        with transaction(success=arrived):
            services.check_in(registration)
    return redirect(url_for("check_in.attendee", reference=registration.reference))


@registrations_bp.get("/")
@organiser_required
def index():
    """Go to the current edition's registrations, or say that there is no edition yet."""
    edition = current_edition()
    if edition is None:
        return render_template("registration/no_edition.html")
    return redirect(url_for("registrations_admin.list_for_edition", year=edition.year))


@registrations_bp.get("/<int:year>")
@organiser_required
def list_for_edition(year: int):
    """An edition's counts and its registrations, filtered by status, one page at a time."""
    edition = db.first_or_404(edition_of_year(year))
    status = request.args.get("status", "")
    if status not in STATUSES:
        status = ""
    page = services.list_registrations(edition, status=status or None, page=page_argument())
    return render_template(
        "registration/list.html",
        edition=edition,
        counts=services.registration_counts(edition),
        page=page,
        positions=services.waitlist_positions(edition, page.items),
        status=status,
        statuses=STATUSES,
        attendee_types={choice.value: choice.label for choice in ATTENDEE_TYPE_CHOICES},
    )


@registrations_bp.post("/<int:year>/export")
@organiser_required
def export(year: int):
    """Download an edition's registrations as CSV; the export is written to the audit log."""
    edition = db.first_or_404(edition_of_year(year))
    with transaction():
        text, count = services.export_registrations_csv(edition)
        audit.record(
            current_user, "registrations.export", f"edition:{edition.year}", {"rows": count}
        )
    return Response(
        text.encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="registrations-{edition.year}.csv"',
        },
    )


# Messages to a group of attendees, and the reminder before the day.

messages_bp = Blueprint("messages_admin", __name__, url_prefix="/admin/messages")


@messages_bp.get("/")
@organiser_required
def messages_index():
    """Go to the current edition's messages, or say that there is no edition yet."""
    edition = current_edition()
    if edition is None:
        return render_template("registration/messages_no_edition.html")
    return redirect(url_for("messages_admin.compose", year=edition.year))


@messages_bp.route("/<int:year>", methods=["GET", "POST"])
@organiser_required
@form_view
def compose(year: int):
    """Write to a group of attendees: preview in both languages with the count, then send."""
    edition = db.first_or_404(edition_of_year(year))
    form = MessageForm()
    previews, count = None, None
    if form.validate_on_submit():
        audience, text = form.audience(), form.text()
        refusal = None
        sure = (
            form.send.data
            and form.confirm_send.data
            and form.previewed.data == messages.fingerprint(audience, text)
            and form.confirmed_count() is not None
        )
        if sure:
            with transaction(form, success=_("The message is queued.")) as outcome:
                sent = messages.send_message(
                    edition, audience, text, current_user, form.confirmed_count()
                ).id
            if outcome.ok:
                return redirect(
                    url_for("messages_admin.compose", year=year, _anchor=f"message-{sent}")
                )
            refusal = outcome.error
        elif form.send.data:
            form.confirm_send.errors.append(
                _("Check the preview and tick the box to send.")
                if form.previewed.data == messages.fingerprint(audience, text)
                else _("The audience or the message has changed: check the preview again.")
            )
        try:
            messages.check_message(text, audience)
        except DomainError as error:
            if refusal is None:  # else it is already next to its field
                show_domain_error(form, error)
        else:
            count = messages.count_recipients(edition, audience)
            previews = messages.preview_message(edition, text)
            form.recipient_count.data = str(count)
            form.previewed.data = messages.fingerprint(audience, text)
            form.confirm_send.data = False
    return _messages_page(edition, form, previews, count)


def _messages_page(edition, form, previews, count):
    sent = messages.list_messages(edition)
    return render_template(
        "registration/messages.html",
        edition=edition,
        form=form,
        previews=previews,
        count=count,
        sent=sent,
        progress=messages.message_progress(sent),
        pending_reminders=messages.pending_reminders(edition),
        reminder_days=messages.reminder_days(),
        statuses={choice.value: choice.label for choice in STATUS_CHOICES},
        attendee_types={choice.value: choice.label for choice in ATTENDEE_TYPE_CHOICES},
        languages={choice.value: choice.label for choice in LANGUAGE_CHOICES},
    )


@messages_bp.post("/<int:year>/reminders")
@organiser_required
def send_reminders(year: int):
    """Send the reminder now to the confirmed attendees who have not had it (asking first)."""
    edition = db.first_or_404(edition_of_year(year))
    form = RemindersForm()
    if not form.validate():
        flash(_("Tick the box to send the reminders."), "error")
    else:
        with transaction() as outcome:
            result = messages.send_reminders(edition, actor=current_user)
        if outcome.ok:
            flash(messages.describe_reminders(result, messages.reminder_days()), "success")
    return redirect(url_for("messages_admin.compose", year=year, _anchor="reminders"))
