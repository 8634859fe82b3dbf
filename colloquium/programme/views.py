"""Public pages of the programme: the day, one session, one speaker, a speaker's photo."""

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, make_response, render_template, request
from flask_babel import format_datetime, get_locale

from colloquium.content.cache import cached_page
from colloquium.editions import services as editions
from colloquium.editions.models import Edition
from colloquium.markdown import render_markdown
from colloquium.programme import services
from colloquium.programme.labels import labels_context
from colloquium.programme.models import LANGUAGES, SESSION_KINDS
from colloquium.programme.timetable import time_blocks

bp = Blueprint("programme", __name__)
bp.context_processor(labels_context)


# The formatted times lately shown: a programme shows each of its few distinct start and end
# times on many sessions, and formatting one with Babel costs more than the rest of its card.
RECENT_TIMES = 4096


@bp.app_template_filter("in_edition_zone")
def in_edition_zone(value: datetime, edition: Edition, pattern: str = "HH:mm") -> str:
    """``value`` formatted in the edition's own time zone (not the site's default)."""
    return _in_zone(value, edition.timezone, pattern, str(get_locale()))


@lru_cache(maxsize=RECENT_TIMES)
def _in_zone(value: datetime, timezone: str, pattern: str, locale: str) -> str:
    """``value`` in ``timezone`` by ``pattern``; ``locale`` (the current one) is part of the key."""
    return format_datetime(value.astimezone(ZoneInfo(timezone)), pattern, rebase=False)


@bp.app_template_filter("programme_markdown")
def markdown_filter(text: str | None):
    """Organisers' Markdown as sanitised HTML (the same rules as association profiles)."""
    return render_markdown(text)


def _render_programme(edition: Edition):
    kind = request.args.get("kind")
    kind = kind if kind in SESSION_KINDS else None
    language = request.args.get("language")
    language = language if language in LANGUAGES else None
    sessions = services.list_sessions(edition, kind=kind, language=language)
    return render_template(
        "programme/programme.html",
        edition=edition,
        blocks=time_blocks(sessions),
        selected_kind=kind,
        selected_language=language,
        kinds=SESSION_KINDS,
        languages=LANGUAGES,
    )


@bp.get("/programme")
@cached_page
def current():
    """The programme of the current edition, or a short notice while it is not published."""
    edition = services.published_edition()
    if edition is None:
        return render_template("programme/not_published.html", edition=editions.current_edition())
    return _render_programme(edition)


@bp.get("/programme/<int:year>")
@cached_page
def archive(year: int):
    """The published programme of the edition of ``year``."""
    edition = services.published_edition(year)
    if edition is None:
        abort(404)
    return _render_programme(edition)


@bp.get("/programme/sessions/<int:session_id>")
@cached_page
def session(session_id: int):
    """One session: when, where, in which language, with whom."""
    found = services.published_session(session_id)
    if found is None:
        abort(404)
    return render_template("programme/session.html", programme_session=found, edition=found.edition)


@bp.get("/programme/speakers/<int:speaker_id>")
@cached_page
def speaker(speaker_id: int):
    """One speaker: who they are and where they speak."""
    found = services.published_speaker(speaker_id)
    if found is None:
        abort(404)
    links = sorted(found.session_links, key=lambda link: link.session.starts_at)
    return render_template(
        "programme/speaker.html", speaker=found, edition=found.edition, links=links
    )


@bp.get("/programme/speakers/<int:speaker_id>/photo")
def speaker_photo(speaker_id: int):
    """A published speaker's photo, cached by its ETag."""
    found = services.speaker_photo(speaker_id)
    if found is None:
        abort(404)
    response = make_response(found.photo)
    response.headers["Content-Type"] = found.photo_content_type
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.set_etag(found.photo_etag)
    return response.make_conditional(request)
