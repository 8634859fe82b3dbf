"""Organisers' pages for the programme: rooms, speakers, sessions, day view, publishing."""

from __future__ import annotations

from datetime import time

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from colloquium.associations import services as associations
from colloquium.editions import services as editions
from colloquium.editions.models import Edition
from colloquium.extensions import db
from colloquium.forms import INTEGER_LIMIT, saved, transaction
from colloquium.i18n import long_date, written
from colloquium.programme import services
from colloquium.programme.forms import (
    MAX_SPEAKER_ROWS,
    CopyForm,
    RoomForm,
    SessionForm,
    SpeakerForm,
)
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


@bp.route("/<int:year>/publish", methods=["GET", "POST"])
@organiser_required
def publish(year: int):
    """Ask, listing the open warnings, then make the programme public."""
    return _publishing(year, True)


@bp.route("/<int:year>/unpublish", methods=["GET", "POST"])
@organiser_required
def unpublish(year: int):
    """Ask, then hide the programme from the public again."""
    return _publishing(year, False)


def _publishing(year: int, publish: bool):
    """The confirmation page (GET), or the change once confirmed from that page (POST).

    A POST without the confirmation page's field (the old button of the programme page, a
    forged form) changes nothing and shows the question.
    """
    edition = db.first_or_404(editions.edition_of_year(year))
    if request.method == "POST" and request.form.get("confirmed") == "yes":
        change = services.publish_programme if publish else services.unpublish_programme
        with transaction(
            success=_("The programme is public.")
            if publish
            else _("The programme is hidden from the public.")
        ):
            change(edition, current_user)
        return _to_edition(edition)
    if request.method == "POST":
        return redirect(request.path, code=303)
    sessions = services.list_sessions(edition)
    return render_template(
        "programme/admin/confirm_publish.html",
        edition=edition,
        publish=publish,
        sessions=sessions,
        warnings=services.publication_warnings(edition, sessions) if publish else [],
    )


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
        name=form.name.data,
        seats=form.seats.data,
        access_notes_fr=form.access_notes_fr.data or "",
        access_notes_en=form.access_notes_en.data or "",
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
        title_fr=form.title_fr.data or "",
        title_en=form.title_en.data or "",
        affiliation_fr=form.affiliation_fr.data or "",
        affiliation_en=form.affiliation_en.data or "",
        bio_fr=form.bio_fr.data or "",
        bio_en=form.bio_en.data or "",
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
    """The session form: what was posted, else ``session``'s values, else a new session's."""
    choices = {
        "days": [(day, long_date(day)) for day in services.session_days(edition)],
        "rooms": services.list_rooms(edition),
        "speakers": services.list_speakers(edition),
    }
    if request.method == "POST":
        return SessionForm(**choices)
    if session is None:
        data = {
            "day": edition.date,
            "starts_at": time(9, 0),
            "ends_at": time(10, 0),
            "language": "fr",
        }
    else:
        tz = edition.tz
        starts, ends = session.starts_at.astimezone(tz), session.ends_at.astimezone(tz)
        data = {
            "title_fr": session.title_fr,
            "title_en": session.title_en,
            "kind": session.kind,
            # A session from before the window (a typo years away) is offered on the day.
            "day": starts.date()
            if starts.date() in services.session_days(edition)
            else edition.date,
            "starts_at": starts.time(),
            "ends_at": ends.time(),
            "room_id": session.room_id,
            "language": session.language,
            "interpretation": session.interpretation,
            "expected_audience": session.expected_audience,
            "summary_fr": session.summary_fr,
            "summary_en": session.summary_en,
            "description_fr": session.description_fr,
            "description_en": session.description_en,
            "speakers": [
                {"speaker_id": link.speaker_id, "role": link.role} for link in session.speaker_links
            ],
        }
    form = SessionForm(data=data, **choices)
    form.add_speaker_rows()
    return form


def _session_data(edition: Edition, form: SessionForm) -> services.SessionData:
    starts_at, ends_at = services.session_times(
        edition, form.day.data, form.starts_at.data, form.ends_at.data
    )
    return services.SessionData(
        title_fr=form.title_fr.data or "",
        title_en=form.title_en.data or "",
        kind=form.kind.data,
        starts_at=starts_at,
        ends_at=ends_at,
        room_id=form.room_id.data,
        language=form.language.data,
        interpretation=form.interpretation.data,
        expected_audience=form.expected_audience.data,
        summary_fr=form.summary_fr.data or "",
        summary_en=form.summary_en.data or "",
        description_fr=form.description_fr.data or "",
        description_en=form.description_en.data or "",
        speakers=[
            services.SpeakerEntry(speaker_id, role) for speaker_id, role in form.chosen_speakers()
        ],
    )


def _save_session(edition: Edition, form: SessionForm, save, success: str):
    """Validate and save; a redirect once saved, else None (show the form again).

    Saved with a conflict, the organiser lands on the session's page, the conflicts above
    its form, with a warning instead of the usual success.
    """
    if form.more_speakers.data:  # "Add a speaker row": nothing is checked or saved
        if not form.add_speaker_rows(more=1):
            form.speakers.errors = [
                _("A session can list at most %(max)d speakers.", max=MAX_SPEAKER_ROWS)
            ]
        return None
    if not form.validate_on_submit():
        form.add_speaker_rows()
        return None
    with transaction(form) as outcome:
        session = save()
        conflicts = services.session_conflicts(session)
    if not outcome.ok:
        form.add_speaker_rows()
        return None
    if not conflicts:
        flash(success, "success")
        return _to_edition(edition, "sessions")
    flash(
        ngettext(
            "Saved, but with %(num)d warning: see it above the form.",
            "Saved, but with %(num)d warnings: see them above the form.",
            len(conflicts),
        ),
        "warning",
    )
    return redirect(
        url_for("programme_admin.edit_session", year=edition.year, session_id=session.id)
    )


def _session_page(edition: Edition, form: SessionForm, session=None, copied_from=None):
    return render_template(
        "programme/admin/session.html",
        edition=edition,
        form=form,
        programme_session=session,
        copied_from=copied_from,
        conflicts=services.session_conflicts(session) if session is not None else [],
        max_speakers=MAX_SPEAKER_ROWS,
    )


@bp.route("/<int:year>/sessions/new", methods=["GET", "POST"])
@organiser_required
@form_view
def new_session(year: int):
    """Add a session, maybe prefilled from another (``?from=<id>``); conflicts only warn."""
    edition = db.first_or_404(editions.edition_of_year(year))
    copied_from = None
    source_id = request.args.get("from", type=int)
    if source_id is not None:
        if not 0 < source_id <= INTEGER_LIMIT:
            abort(404)
        copied_from = _found(services.get_session(edition, source_id))
    form = _session_form(edition, copied_from)
    answer = _save_session(
        edition,
        form,
        lambda: services.create_session(edition, _session_data(edition, form)),
        _("The session is added."),
    )
    return answer or _session_page(edition, form, copied_from=copied_from)


@bp.route("/<int:year>/sessions/<int:session_id>", methods=["GET", "POST"])
@organiser_required
@form_view
def edit_session(year: int, session_id: int):
    """Change a session; its conflicts are listed above the form."""
    edition = db.first_or_404(editions.edition_of_year(year))
    session = _found(services.get_session(edition, session_id))
    form = _session_form(edition, session)
    answer = _save_session(
        edition,
        form,
        lambda: services.update_session(session, _session_data(edition, form)),
        _("The session is saved."),
    )
    return answer or _session_page(edition, form, session)


@bp.post("/<int:year>/sessions/<int:session_id>/duplicate")
@organiser_required
def duplicate_session(year: int, session_id: int):
    """Open the new-session form prefilled from this session; nothing is saved yet."""
    edition = db.first_or_404(editions.edition_of_year(year))
    session = _found(services.get_session(edition, session_id))
    return redirect(
        url_for("programme_admin.new_session", year=year, **{"from": session.id}), code=303
    )


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
        question=_("Delete the session “%(title)s”?", title=written(session, "title")),
        consequence=_("It disappears from the programme and from calendars at their next update."),
    )
