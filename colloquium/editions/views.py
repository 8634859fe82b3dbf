"""Public pages about editions: the home page."""

from flask import Blueprint, render_template

from colloquium.clock import local_today, utcnow
from colloquium.editions import services

bp = Blueprint("editions", __name__)


@bp.get("/")
def home():
    """The current edition: date, venue, theme, seats left, and where to go next."""
    edition = services.current_edition()
    today = local_today()
    return render_template(
        "editions/home.html",
        edition=edition,
        is_past=edition.is_past(today) if edition else False,
        registration_state=edition.registration_state(utcnow()) if edition else None,
    )
