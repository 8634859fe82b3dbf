"""Organisers' pages for the programme: rooms, speakers, sessions, day view, publishing."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from colloquium.associations import services as associations
from colloquium.editions import services as editions
from colloquium.editions.models import Edition
from colloquium.extensions import db
from colloquium.forms import saved, transaction
from colloquium.programme import services
from colloquium.programme.forms import CopyForm, RoomForm, SessionForm, SpeakerForm
from colloquium.programme.labels import labels_context
from colloquium.programme.models import ProgrammeSession
from colloquium.programme.timetable import timetable
from colloquium.security import form_view, organiser_required

bp = Blueprint("programme_admin", __name__, url_prefix="/admin/programme")


bp.context_processor(labels_context)


def _found(thing):
    if thing is None:
        abort(404)
    return thing


def _to_edition(edition: Edition, anchor: str | None = None):
    return redirect(url_for("programme_admin.edition", year=edition.year, _anchor=anchor))


# ---------------------------------------------------------------------------------------------
# Editions and publishing


@bp.get("/")
@organiser_required
def index():
    """Pick the edition whose programme to work on."""
    return render_template(
        "programme/admin/index.html",
        editions=editions.list_editions(),
        current=editions.current_edition(),
    )


@bp.get("/<int:year>")
@organiser_required
def edition(year: int):
    """One edition's programme: warnings, the day view, sessions, rooms and speakers."""
    edition = db.first_or_404(editions.edition_of_year(year))
    sessions = services.list_sessions(edition)
    rooms = services.list_rooms(edition)
    others = [other for other in editions.list_editions() if other.id != edition.id]
    return render_template(
        "programme/admin/edition.html",
        edition=edition,
        sessions=sessions,
        rooms=rooms,
        speakers=services.list_speakers(edition),
        conflicts=services.programme_conflicts(edition, sessions),
        table=timetable(edition, sessions, rooms),
        copy_form=CopyForm(editions=others) if others else None,
    )


@bp.post("/<int:year>/publish")
@organiser_required
def publish(year: int):
    """Make the programme public."""
    edition = db.first_or_404(editions.edition_of_year(year))
    with transaction(success=_("The programme is public.")):
        services.set_published(edition, True)
    return _to_edition(edition)


@bp.post("/<int:year>/unpublish")
@organiser_required
def unpublish(year: int):
    """Hide the programme from the public again."""
    edition = db.first_or_404(editions.edition_of_year(year))
    with transaction(success=_("The programme is hidden from the public.")):
        services.set_published(edition, False)
    return _to_edition(edition)


@bp.post("/<int:year>/copy")
@organiser_required
@form_view
def copy(year: int):
    """Copy this edition's rooms, and maybe its sessions, into another edition."""
    edition = db.first_or_404(editions.edition_of_year(year))
    others = [other for other in editions.list_editions() if other.id != edition.id]
    form = CopyForm(editions=others)
    if not form.validate_on_submit():
        flash(_("Choose the edition to copy into."), "error")
        return _to_edition(edition, "copy")
    target = db.first_or_404(editions.edition_of_year(form.target.data))
    with transaction() as outcome:
        result = services.copy_programme(edition, target, with_sessions=form.with_sessions.data)
    if not outcome.ok:
        return _to_edition(edition, "copy")
    flash(
        _(
            "Copied %(rooms)d rooms and %(sessions)d sessions into %(year)d.",
            rooms=result.rooms,
            sessions=result.sessions,
            year=target.year,
        ),
        "success",
    )
    return _to_edition(target)


# ---------------------------------------------------------------------------------------------
# Rooms


def _room_data(form: RoomForm) -> services.RoomData:
    return services.RoomData(
        name=form.name.data, seats=form.seats.data, access_notes=form.access_notes.data or ""
    )


@bp.route("/<int:year>/rooms/new", methods=["GET", "POST"])
@organiser_required
@form_view
def new_room(year: int):
    """Add a room."""
    edition = db.first_or_404(editions.edition_of_year(year))
    form = RoomForm()
    if saved(
        form, lambda: services.create_room(edition, _room_data(form)), _("The room is added.")
    ):
        return _to_edition(edition, "rooms")
    return render_template("programme/admin/room.html", edition=edition, form=form, room=None)


@bp.route("/<int:year>/rooms/<int:room_id>", methods=["GET", "POST"])
@organiser_required
@form_view
def edit_room(year: int, room_id: int):
    """Change a room."""
    edition = db.first_or_404(editions.edition_of_year(year))
    room = _found(services.get_room(edition, room_id))
    form = RoomForm(obj=room)
    if saved(form, lambda: services.update_room(room, _room_data(form)), _("The room is saved.")):
        return _to_edition(edition, "rooms")
    return render_template("programme/admin/room.html", edition=edition, form=form, room=room)


@bp.route("/<int:year>/rooms/<int:room_id>/delete", methods=["GET", "POST"])
@organiser_required
def delete_room(year: int, room_id: int):
    """Ask, then remove a room (its sessions stay, without a room)."""
    edition = db.first_or_404(editions.edition_of_year(year))
    room = _found(services.get_room(edition, room_id))
    if request.method == "POST":
        with transaction(success=_("The room is deleted.")):
            services.delete_room(room)
        return _to_edition(edition, "rooms")
    return render_template(
        "programme/admin/confirm_delete.html",
        edition=edition,
        question=_("Delete the room “%(name)s”?", name=room.name),
        consequence=_("Its sessions stay in the programme, without a room."),
    )


# ---------------------------------------------------------------------------------------------
# Speakers


def _speaker_form(obj=None) -> SpeakerForm:
    return SpeakerForm(obj=obj, associations=associations.search_members())


def _save_speaker(edition: Edition, form: SpeakerForm, speaker=None):
    data = services.SpeakerData(
        name=form.name.data,
        title=form.title.data or "",
        affiliation=form.affiliation.data or "",
        bio=form.bio.data or "",
        email=form.email.data or None,
        association_id=form.association_id.data,
    )
    if speaker is None:
        speaker = services.create_speaker(edition, data)
    else:
        services.update_speaker(speaker, data)
    upload = form.photo.data
    if upload is not None and getattr(upload, "filename", ""):
        services.set_speaker_photo(speaker, upload.read())
    elif form.remove_photo.data:
        services.set_speaker_photo(speaker, None)
    return speaker


@bp.route("/<int:year>/speakers/new", methods=["GET", "POST"])
@organiser_required
@form_view
def new_speaker(year: int):
    """Add a speaker."""
    edition = db.first_or_404(editions.edition_of_year(year))
    form = _speaker_form()
    if saved(form, lambda: _save_speaker(edition, form), _("The speaker is added.")):
        return _to_edition(edition, "speakers")
    return render_template("programme/admin/speaker.html", edition=edition, form=form, speaker=None)


@bp.route("/<int:year>/speakers/<int:speaker_id>", methods=["GET", "POST"])
@organiser_required
@form_view
def edit_speaker(year: int, speaker_id: int):
    """Change a speaker, their photo included."""
    edition = db.first_or_404(editions.edition_of_year(year))
    speaker = _found(services.get_speaker(edition, speaker_id))
    form = _speaker_form(obj=speaker)
    if saved(form, lambda: _save_speaker(edition, form, speaker), _("The speaker is saved.")):
        return _to_edition(edition, "speakers")
    return render_template(
        "programme/admin/speaker.html", edition=edition, form=form, speaker=speaker
    )


@bp.get("/<int:year>/speakers/<int:speaker_id>/photo")
@organiser_required
def speaker_photo(year: int, speaker_id: int):
    """A speaker's photo for organisers, published or not."""
    edition = db.first_or_404(editions.edition_of_year(year))
    speaker = _found(services.get_speaker(edition, speaker_id))
    if speaker.photo is None:
        abort(404)
    return speaker.photo, 200, {"Content-Type": speaker.photo_content_type}


@bp.route("/<int:year>/speakers/<int:speaker_id>/delete", methods=["GET", "POST"])
@organiser_required
def delete_speaker(year: int, speaker_id: int):
    """Ask, then remove a speaker from the edition and its sessions."""
    edition = db.first_or_404(editions.edition_of_year(year))
    speaker = _found(services.get_speaker(edition, speaker_id))
    if request.method == "POST":
        with transaction(success=_("The speaker is deleted.")):
            services.delete_speaker(speaker)
        return _to_edition(edition, "speakers")
    return render_template(
        "programme/admin/confirm_delete.html",
        edition=edition,
        question=_("Delete the speaker “%(name)s”?", name=speaker.name),
        consequence=_("They are taken off every session they were in."),
    )


# ---------------------------------------------------------------------------------------------
# Sessions


def _session_form(edition: Edition, session: ProgrammeSession | None = None) -> SessionForm:
    rooms, speakers = services.list_rooms(edition), services.list_speakers(edition)
    if request.method == "POST":
        return SessionForm(rooms=rooms, speakers=speakers)
    tz = edition.tz
    if session is None:
        data = {
            "starts_at": datetime.combine(edition.date, datetime.min.time()).replace(hour=9),
            "ends_at": datetime.combine(edition.date, datetime.min.time()).replace(hour=10),
            "language": "fr",
        }
    else:
        data = {
            "title": session.title,
            "kind": session.kind,
            "starts_at": session.starts_at.astimezone(tz).replace(tzinfo=None),
            "ends_at": session.ends_at.astimezone(tz).replace(tzinfo=None),
            "room_id": session.room_id,
            "language": session.language,
            "interpretation": session.interpretation,
            "expected_audience": session.expected_audience,
            "summary": session.summary,
            "description": session.description,
            "speakers": [
                {"speaker_id": link.speaker_id, "role": link.role} for link in session.speaker_links
            ],
        }
    form = SessionForm(data=data, rooms=rooms, speakers=speakers)
    form.add_blank_rows()
    return form


def _session_data(edition: Edition, form: SessionForm) -> services.SessionData:
    tz = edition.tz
    return services.SessionData(
        title=form.title.data,
        kind=form.kind.data,
        starts_at=form.starts_at.data.replace(tzinfo=tz),
        ends_at=form.ends_at.data.replace(tzinfo=tz),
        room_id=form.room_id.data,
        language=form.language.data,
        interpretation=form.interpretation.data,
        expected_audience=form.expected_audience.data,
        summary=form.summary.data or "",
        description=form.description.data or "",
        speakers=[
            services.SpeakerEntry(speaker_id, role) for speaker_id, role in form.chosen_speakers()
        ],
    )


def _sessionrender_template(edition: Edition, form: SessionForm, session=None):
    return render_template(
        "programme/admin/session.html", edition=edition, form=form, programme_session=session
    )


@bp.route("/<int:year>/sessions/new", methods=["GET", "POST"])
@organiser_required
@form_view
def new_session(year: int):
    """Add a session; conflicts are shown afterwards as warnings, never refused."""
    edition = db.first_or_404(editions.edition_of_year(year))
    form = _session_form(edition)
    if saved(
        form,
        lambda: services.create_session(edition, _session_data(edition, form)),
        _("The session is added."),
    ):
        return _to_edition(edition, "sessions")
    return _sessionrender_template(edition, form)


@bp.route("/<int:year>/sessions/<int:session_id>", methods=["GET", "POST"])
@organiser_required
@form_view
def edit_session(year: int, session_id: int):
    """Change a session."""
    edition = db.first_or_404(editions.edition_of_year(year))
    session = _found(services.get_session(edition, session_id))
    form = _session_form(edition, session)
    if saved(
        form,
        lambda: services.update_session(session, _session_data(edition, form)),
        _("The session is saved."),
    ):
        return _to_edition(edition, "sessions")
    return _sessionrender_template(edition, form, session)


@bp.post("/<int:year>/sessions/<int:session_id>/duplicate")
@organiser_required
def duplicate_session(year: int, session_id: int):
    """Copy a session, then open the copy to change what differs."""
    edition = db.first_or_404(editions.edition_of_year(year))
    session = _found(services.get_session(edition, session_id))
    with transaction(success=_("The session is duplicated: change what differs.")) as outcome:
        copy = services.duplicate_session(session)
    if not outcome.ok:  # the refusal is flashed; the session itself needs correcting
        return redirect(url_for("programme_admin.edit_session", year=year, session_id=session_id))
    return redirect(url_for("programme_admin.edit_session", year=year, session_id=copy.id))


@bp.route("/<int:year>/sessions/<int:session_id>/delete", methods=["GET", "POST"])
@organiser_required
def delete_session(year: int, session_id: int):
    """Ask, then remove a session from the programme."""
    edition = db.first_or_404(editions.edition_of_year(year))
    session = _found(services.get_session(edition, session_id))
    if request.method == "POST":
        with transaction(success=_("The session is deleted.")):
            services.delete_session(session)
        return _to_edition(edition, "sessions")
    return render_template(
        "programme/admin/confirm_delete.html",
        edition=edition,
        question=_("Delete the session “%(title)s”?", title=session.title),
        consequence=_("It disappears from the programme and from calendars at their next update."),
    )
