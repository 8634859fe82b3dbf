"""Organisers' pages for editions: the list, a new one, and changing one.

They live in the back office, not in ``editions/``, because creating an edition may copy the
latest one's rooms through the programme service, and programme builds on editions.
"""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from colloquium.admin.forms import EditionForm, NewEditionForm
from colloquium.audit import services as audit
from colloquium.clock import local_today
from colloquium.editions import services as editions
from colloquium.editions.models import Edition
from colloquium.extensions import db
from colloquium.forms import transaction
from colloquium.programme import services as programme
from colloquium.security import form_view, organiser_required

bp = Blueprint("editions_admin", __name__, url_prefix="/admin/editions")


def _local(moment: datetime | None, timezone: ZoneInfo) -> datetime | None:
    """An aware moment as the naive local time a datetime-local field shows."""
    return moment.astimezone(timezone).replace(tzinfo=None) if moment else None


def _values_of(edition: Edition) -> dict:
    """What the form shows for ``edition``: its fields, date-times in its own time zone."""
    return {
        "date": edition.date,
        **_texts_of(edition),
        "venue_name": edition.venue_name,
        "venue_address": edition.venue_address,
        "city": edition.city,
        "capacity": edition.capacity,
        "registration_opens_at": _local(edition.registration_opens_at, edition.tz),
        "registration_closes_at": _local(edition.registration_closes_at, edition.tz),
    }


def _texts_of(edition: Edition) -> dict:
    """The edition's title and theme, in both languages."""
    return {
        f"{name}_{code}": getattr(edition, f"{name}_{code}")
        for name in ("title", "theme")
        for code in ("fr", "en")
    }


def _suggestion(latest: Edition | None) -> dict:
    """The next edition as the CLI would make it, with the latest one's venue, capacity, title
    and theme (both languages), for the organiser to check."""
    year = latest.year + 1 if latest else local_today().year
    year = min(max(year, editions.MIN_YEAR), editions.MAX_YEAR)
    day = editions.default_date(year)
    timezone = ZoneInfo(editions.DEFAULT_TIMEZONE)
    values = {
        "year": year,
        "date": day,
        # The CLI opens registration at once; a form proposes the morning it is filled in.
        "registration_opens_at": datetime.combine(local_today(), time(9, 0)),
        "registration_closes_at": _local(editions.default_closing(day), timezone),
    }
    if latest is not None:
        values.update(
            venue_name=latest.venue_name,
            venue_address=latest.venue_address,
            city=latest.city,
            capacity=latest.capacity,
            **_texts_of(latest),
        )
    return values


@bp.get("/")
@organiser_required
def index():
    """Every edition, the most recent first, with its seats and registration window."""
    return render_template(
        "admin/editions/index.html",
        editions=editions.list_editions(),
        current=editions.current_edition(),
    )


@bp.route("/new", methods=["GET", "POST"])
@organiser_required
@form_view
def new():
    """Create an edition, prefilled from the latest one; maybe copy its rooms."""
    latest = editions.latest_edition()
    form = NewEditionForm(data=_suggestion(latest))
    if form.validate_on_submit():
        with transaction(form, success=_("The edition is created.")) as outcome:
            edition = editions.create_edition(
                form.year.data, form.changes(ZoneInfo(editions.DEFAULT_TIMEZONE))
            )
            copy_rooms = latest is not None and form.copy_rooms.data
            if copy_rooms:
                programme.copy_programme(latest, edition)
            audit.record(
                current_user._get_current_object(),
                "editions.create",
                f"edition:{edition.year}",
                {"capacity": edition.capacity, "rooms_copied": bool(copy_rooms)},
            )
        if outcome.ok:
            return redirect(url_for("editions_admin.index", _anchor=f"edition-{edition.year}"))
    return render_template("admin/editions/form.html", form=form, edition=None, latest=latest)


@bp.route("/<int:year>", methods=["GET", "POST"])
@organiser_required
@form_view
def edit(year: int):
    """Change every field of an edition; a new capacity serves the waiting list."""
    edition = db.first_or_404(editions.edition_of_year(year))
    before = _values_of(edition)
    form = EditionForm(data=before)
    if form.validate_on_submit():
        changes = form.changes(edition.tz)
        if changes.capacity == edition.capacity:
            changes.capacity = None  # as the CLI without --capacity: no change to announce
        with transaction(form, success=_("The edition is saved.")) as outcome:
            editions.update_edition(edition, changes)
            _record_update(edition, before)
        if outcome.ok:
            return redirect(url_for("editions_admin.index", _anchor=f"edition-{year}"))
    return render_template("admin/editions/form.html", form=form, edition=edition, latest=None)


def _record_update(edition: Edition, before: dict) -> None:
    """Audit-log which fields changed (their names, not their values) and the capacity."""
    after = _values_of(edition)
    changed = [name for name in before if before[name] != after[name]]
    if not changed:
        return
    details: dict = {"fields": changed}
    if "capacity" in changed:
        details["capacity"] = {"old": before["capacity"], "new": after["capacity"]}
    audit.record(
        current_user._get_current_object(), "editions.update", f"edition:{edition.year}", details
    )
