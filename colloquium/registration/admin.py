"""Organisers' registration pages: the list and its export, one registration, checking in,
badges, messages and reminders."""

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from colloquium.audit import services as audit
from colloquium.clock import local_today
from colloquium.editions.services import current_edition, edition_of_year
from colloquium.errors import DomainError
from colloquium.extensions import db
from colloquium.forms import page_argument, show_domain_error, transaction
from colloquium.registration import messages, services
from colloquium.registration.forms import (
    ATTENDEE_TYPE_CHOICES,
    LANGUAGE_CHOICES,
    STATUS_CHOICES,
    AddRegistrationForm,
    BadgeFilterForm,
    CheckInForm,
    CheckInLookupForm,
    MessageForm,
    OrganiserActionForm,
    RegistrationExportForm,
    RegistrationFilterForm,
    RemindersForm,
)
from colloquium.security import form_view, organiser_required

check_in_bp = Blueprint("check_in", __name__, url_prefix="/admin/check-in")
registrations_bp = Blueprint("registrations_admin", __name__, url_prefix="/admin/registrations")


def _door_search_form() -> CheckInLookupForm:
    """The search form from ``?q=``, or from the older ``?reference=`` of bookmarked links."""
    if "q" not in request.args and "reference" in request.args:
        return CheckInLookupForm(MultiDict({"q": request.args["reference"]}))
    return CheckInLookupForm(request.args)


@check_in_bp.get("/")
@organiser_required
def lookup():
    """Find an attendee by reference, scanned QR code or part of a name, e-mail, organisation."""
    form = _door_search_form()
    edition = current_edition()
    matches = None
    if ("q" in request.args or "reference" in request.args) and form.validate():
        reference = services.reference_from_search(form.q.data)
        found = services.find_by_reference(reference) if reference else None
        if found is not None and found.erased_at is None:
            return redirect(url_for("check_in.attendee", reference=found.reference))
        if found is not None:
            form.q.errors.append(_("This registration was cancelled and its details erased."))
        elif services.looks_like_reference(form.q.data):
            form.q.errors.append(_("No registration has this reference."))
        elif edition is not None:
            matches = services.search_at_the_door(edition, form.q.data)
    return render_template(
        "registration/check_in_lookup.html",
        form=form,
        edition=edition,
        count=services.door_count(edition) if edition is not None else None,
        matches=matches,
        limit=services.DOOR_MATCHES,
    )


@check_in_bp.get("/<reference>")
@organiser_required
def attendee(reference: str):
    """What the door needs to know about one attendee, and the button to let them in."""
    registration = db.first_or_404(services.attendee_with_reference(reference))
    return render_template(
        "registration/check_in.html",
        registration=registration,
        form=CheckInForm(),
        count=services.door_count(registration.edition),
        attendee_types={choice.value: choice.label for choice in ATTENDEE_TYPE_CHOICES},
    )


@check_in_bp.post("/<reference>")
@organiser_required
@form_view
def record_arrival(reference: str):
    """Record that this attendee has arrived (once, and only with a seat), then search again."""
    registration = db.first_or_404(services.attendee_with_reference(reference))
    form = CheckInForm()
    if not form.validate():
        flash(_("The page had expired: please press the button again."), "error")
        return redirect(url_for("check_in.attendee", reference=registration.reference))
    name = f"{registration.first_name} {registration.last_name}"
    with transaction(success=_("%(name)s is checked in.", name=name)) as outcome:
        services.check_in(registration)
        audit.record(current_user, "registrations.check_in", _audit_target(registration), {})
    if outcome.ok:
        return redirect(url_for("check_in.lookup"))
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
    """An edition's counts and its registrations, searched, filtered and sorted, by pages."""
    edition = db.first_or_404(edition_of_year(year))
    return _list_page(edition, RegistrationFilterForm(request.args), RegistrationExportForm(None))


@registrations_bp.post("/<int:year>/export")
@organiser_required
def export(year: int):
    """Download what the list's filters select as CSV; the export is written to the audit log."""
    edition = db.first_or_404(edition_of_year(year))
    form = RegistrationExportForm()
    selection = form.selection()
    if not form.validate():
        return _list_page(edition, RegistrationFilterForm(request.form), form)
    columns = form.chosen_columns()
    with transaction():
        text, count = services.export_registrations_csv(
            edition, selection, columns, language=str(get_locale())
        )
        audit.record(
            current_user,
            "registrations.export",
            f"edition:{edition.year}",
            {"rows": count, "filters": selection.audit_details(), "columns": columns},
        )
    return Response(
        text.encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="registrations-{edition.year}.csv"',
        },
    )


def _list_page(edition, filters: RegistrationFilterForm, export_form: RegistrationExportForm):
    """The list page: ``filters`` pick the rows, ``export_form`` offers the columns."""
    selection = filters.selection()
    page = services.list_registrations(edition, selection, page=page_argument())
    return render_template(
        "registration/list.html",
        edition=edition,
        counts=services.registration_counts(edition),
        page=page,
        positions=services.waitlist_positions(edition, page.items),
        selection=selection,
        filters=filters,
        export_form=export_form,
        status_labels=services.status_labels(),
        attendee_types=services.ATTENDEE_TYPE_LABELS,
        languages=services.LANGUAGE_LABELS,
    )


# --- One registration, its actions, and adding one by hand ---------------------------------


@registrations_bp.route("/<int:year>/new", methods=["GET", "POST"])
@organiser_required
@form_view
def new(year: int):
    """Register someone by hand (a guest, a walk-in): confirmed at once, and told by e-mail."""
    edition = db.first_or_404(edition_of_year(year))
    form = AddRegistrationForm()
    if not form.is_submitted():
        form.language.data = str(get_locale() or "fr")
    registered_reference = None
    if form.validate_on_submit():
        with transaction(form) as outcome:
            registration = services.add_registration(
                edition, form.registration_details(), override=form.override.data
            )
            audit.record(
                current_user,
                "registrations.add",
                _audit_target(registration),
                {"edition": edition.year, "override": registration.override},
            )
        if outcome.ok:
            flash(_added_message(registration), "success")
            return redirect(
                url_for("registrations_admin.detail", year=year, reference=registration.reference)
            )
        if isinstance(outcome.error, services.AlreadyRegistered):
            registered_reference = outcome.error.reference
    return render_template(
        "registration/admin_new.html",
        edition=edition,
        form=form,
        registered_reference=registered_reference,
        is_past=edition.is_past(local_today()),
    )


@registrations_bp.get("/<int:year>/<reference>")
@organiser_required
def detail(year: int, reference: str):
    """One registration: every detail, the history of its state, and what can be done to it."""
    registration = db.first_or_404(services.registration_of_edition(year, reference))
    return render_template(
        "registration/admin_registration.html",
        registration=registration,
        edition=registration.edition,
        history=services.registration_history(registration),
        actions=services.organiser_actions(registration),
        position=services.waitlist_position(registration),
        attendee_types=services.ATTENDEE_TYPE_LABELS,
    )


@registrations_bp.route("/<int:year>/<reference>/cancel", methods=["GET", "POST"])
@organiser_required
@form_view
def cancel(year: int, reference: str):
    """Cancel a registration, once asked: its seat goes to the waiting list."""
    return _organiser_action(year, reference, services.CANCEL)


@registrations_bp.route("/<int:year>/<reference>/resend-link", methods=["GET", "POST"])
@organiser_required
@form_view
def resend_link(year: int, reference: str):
    """E-mail a fresh manage link, once asked; the earlier links stop working."""
    return _organiser_action(year, reference, services.RESEND_LINK)


@registrations_bp.route("/<int:year>/<reference>/confirm-over-capacity", methods=["GET", "POST"])
@organiser_required
@form_view
def confirm_override(year: int, reference: str):
    """Confirm someone even when every seat is taken, once asked (recorded as an override)."""
    return _organiser_action(year, reference, services.CONFIRM_OVERRIDE)


@registrations_bp.route("/<int:year>/<reference>/confirm", methods=["GET", "POST"])
@organiser_required
@form_view
def confirm_vouched(year: int, reference: str):
    """Confirm an address the organiser vouches for, once asked: a seat or the waiting list."""
    return _organiser_action(year, reference, services.CONFIRM_VOUCHED)


@registrations_bp.route("/<int:year>/<reference>/undo-check-in", methods=["GET", "POST"])
@organiser_required
@form_view
def undo_check_in(year: int, reference: str):
    """Take back a check-in recorded by mistake, once asked."""
    return _organiser_action(year, reference, services.UNDO_CHECK_IN)


def _act(action: str, registration) -> dict:
    """Do ``action`` through its service; what the audit log keeps of it (never a name)."""
    if action == services.CANCEL:
        return {"promoted": len(services.cancel_registration(registration))}
    if action == services.RESEND_LINK:
        services.send_new_link(registration)
        return {}
    if action == services.CONFIRM_OVERRIDE:
        return {"override": services.confirm_over_capacity(registration).override}
    if action == services.CONFIRM_VOUCHED:
        return {"status": services.confirm_registration(registration).status}
    services.undo_check_in(registration)
    return {}


def _organiser_action(year: int, reference: str, action: str):
    """Ask first (a page with an "I am sure" box), then act, log it and go back to the page."""
    registration = db.first_or_404(services.registration_of_edition(year, reference))
    page = url_for("registrations_admin.detail", year=year, reference=registration.reference)
    fits = action in services.organiser_actions(registration)
    form = OrganiserActionForm()
    if request.method == "GET" and not fits:
        flash(_("This action does not fit the registration as it stands now."), "warning")
        return redirect(page)
    if request.method == "POST" and form.validate():
        target = _audit_target(registration)
        before = registration.status
        with transaction() as outcome:
            details = {"from": before, **_act(action, registration)}
            audit.record(current_user, f"registrations.{action}", target, details)
        if outcome.ok:
            flash(_done_message(action, details), "success")
        return redirect(page)
    return render_template(
        "registration/admin_action.html",
        registration=registration,
        edition=registration.edition,
        action=action,
        fits=fits,
        form=form,
    )


def _done_message(action: str, details: dict) -> str:
    if action == services.CANCEL:
        done = _("The registration is cancelled and the person told by e-mail.")
        if details["promoted"]:
            done += " " + ngettext(
                "%(num)d person on the waiting list got the seat and was told by e-mail.",
                "%(num)d people on the waiting list got a seat and were told by e-mail.",
                details["promoted"],
            )
        return done
    if action == services.RESEND_LINK:
        return _("A new manage link was e-mailed; the earlier links no longer work.")
    if action == services.CONFIRM_OVERRIDE and details["override"]:
        return _("Confirmed over capacity; the confirmation with the QR code was e-mailed.")
    if action == services.CONFIRM_OVERRIDE or details.get("status") == "confirmed":
        return _("Confirmed with a seat; the confirmation with the QR code was e-mailed.")
    if action == services.CONFIRM_VOUCHED:
        return _(
            "The address is confirmed. Every seat is taken, so the person is on the waiting "
            "list and was told by e-mail."
        )
    return _("The check-in is undone.")


def _added_message(registration) -> str:
    if registration.override:
        return _(
            "Registered and confirmed over capacity; the confirmation with the QR code was "
            "e-mailed."
        )
    return _("Registered with a seat; the confirmation with the QR code was e-mailed.")


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


# --- Badges --------------------------------------------------------------------------------

badges_bp = Blueprint("badges", __name__, url_prefix="/admin/badges")


@badges_bp.get("/", endpoint="index")
@organiser_required
def current_badges():
    """Go to the current edition's badges, or say that there is no edition yet."""
    edition = current_edition()
    if edition is None:
        return render_template("registration/badges_no_edition.html")
    return redirect(url_for("badges.for_edition", year=edition.year))


@badges_bp.get("/<int:year>")
@organiser_required
def for_edition(year: int):
    """The confirmed attendees' badges, eight to an A4 sheet, filtered by type or name."""
    edition = db.first_or_404(edition_of_year(year))
    form = BadgeFilterForm(request.args)
    form.validate()
    attendee_type = "" if form.type.errors else form.type.data or ""
    text = "" if form.q.errors else form.q.data or ""
    return render_template(
        "registration/badges.html",
        edition=edition,
        form=form,
        badges=services.badges(edition, attendee_type=attendee_type or None, text=text),
        filtered=bool(attendee_type or text),
        attendee_types={choice.value: choice.label for choice in ATTENDEE_TYPE_CHOICES},
    )


def _audit_target(registration) -> str:
    """How the audit log names one registration: its edition's year and its reference."""
    return f"registration:{registration.edition.year}/{registration.reference}"
