"""The organisers' dashboard: the current edition in figures, and where each section starts."""

from flask import Blueprint, render_template

from colloquium.accounts import services as accounts
from colloquium.associations import services as associations
from colloquium.editions import services as editions
from colloquium.mail import services as mail
from colloquium.registration import services as registrations
from colloquium.registration.forms import ATTENDEE_TYPE_CHOICES, LANGUAGE_CHOICES
from colloquium.security import organiser_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@organiser_required
def dashboard():
    """Links to every back-office section; the current edition's figures and needs."""
    edition = editions.current_edition()
    return render_template(
        "admin/dashboard.html",
        member_count=associations.count_members(),
        user_count=accounts.count_users(),
        edition=edition,
        counts=registrations.registration_counts(edition) if edition else None,
        overview=registrations.edition_overview(edition) if edition else None,
        failed_mail=mail.outbox_counts()["failed"],
        attendee_types={choice.value: choice.label for choice in ATTENDEE_TYPE_CHOICES},
        languages={choice.value: choice.label for choice in LANGUAGE_CHOICES},
    )
