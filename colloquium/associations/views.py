"""The public members' directory, profiles, logos, the JSON API and the profile editor."""

import hashlib

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from colloquium.associations import services
from colloquium.associations.forms import ProfileForm
from colloquium.associations.models import AREAS, Association, AssociationRevision
from colloquium.content.cache import cached_page
from colloquium.forms import search_argument, transaction
from colloquium.i18n import in_both_languages, open_data_language
from colloquium.images import initials_placeholder
from colloquium.links import external_url
from colloquium.markdown import render_markdown
from colloquium.security import form_view, login_required, private

bp = Blueprint("associations", __name__)

LOGO_MAX_AGE = 3600
LOGO_VERSIONED_MAX_AGE = 365 * 24 * 3600


@bp.app_template_global()
@bp.app_template_filter()
def field_label(name: str) -> str:
    """The words for a profile field, for histories and e-mails."""
    return str(services.FIELD_LABELS.get(name, name))


@bp.app_template_global()
def area_label(code: str) -> str:
    """The words for an area of action."""
    return str(AREAS.get(code, code))


@bp.app_template_global()
def diff_words(old: str | None, new: str | None) -> list[tuple[str, str]]:
    """Two versions of a text as runs of same, removed and added words."""
    return services.diff_words(old, new)


@bp.app_template_global()
def revision_author(revision: AssociationRevision) -> str:
    """Who made a change: the person, the command line, or the name of a deleted account."""
    if revision.author is not None:
        return revision.author.display_name
    if revision.author_id is None and revision.author_name == services.COMMAND_LINE:
        return _("command line")
    return revision.author_name or _("Deleted account")


@bp.app_template_global()
def logo_url(association: Association) -> str:
    """The logo's address; its digest in the query makes a new logo a new address."""
    return url_for(
        "associations.logo", slug=association.slug, v=association.logo_digest or "initials"
    )


@bp.get("/associations")
@cached_page
def directory():
    """Every member association, searchable by text and filterable by area."""
    text = search_argument("q", 100)
    area = request.args.get("area", "")
    if area not in AREAS:
        area = ""
    members = services.search_members(text, area)
    return render_template(
        "associations/directory.html",
        members=members,
        total=services.count_members(),
        text=text,
        area=area,
        areas=AREAS,
    )


@bp.get("/associations/<slug>")
@cached_page
def profile(slug: str):
    """One member's full profile."""
    association = services.get_association(slug)
    if association is None:
        abort(404)
    return render_template(
        "associations/profile.html",
        association=association,
        can_edit=association.can_edit(current_user),
    )


@bp.get("/associations/<slug>/logo")
def logo(slug: str):
    """The logo, or a placeholder with the initials; cached, with an ETag."""
    association = services.get_association(slug)
    if association is None:
        abort(404)
    stored = services.get_logo(association.logo_digest) if association.logo_digest else None
    if stored is not None:
        response = _cached_image(stored.data, stored.content_type, stored.digest)
        if request.args.get("v") == stored.digest:
            # This address names these exact bytes: a new logo gets a new address.
            response.cache_control.max_age = LOGO_VERSIONED_MAX_AGE
            response.cache_control.immutable = True
    else:
        svg = initials_placeholder(association.initials, association.slug)
        digest = hashlib.sha256(svg).hexdigest()[:32]
        response = _cached_image(svg, "image/svg+xml", f"initials-{digest}")
        response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'none'"
    return response.make_conditional(request)


def _cached_image(data: bytes, content_type: str, etag: str):
    response = current_app.response_class(data, mimetype=content_type)
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = LOGO_MAX_AGE
    return response


@bp.get("/api/v1/associations")
@cached_page(language=open_data_language)
def api_list():
    """The directory as open data (JSON): texts in ``?lang=`` (else the browser's, else French)."""
    language = open_data_language()
    members = services.search_members()
    return jsonify(
        {
            "count": len(members),
            "language": language,
            "associations": [_as_json(association, language) for association in members],
        }
    )


def _as_json(association: Association, language: str) -> dict:
    description = in_both_languages(association, "description", language)
    return {
        "slug": association.slug,
        "name": association.name,
        "acronym": association.acronym,
        **in_both_languages(association, "summary", language),
        **description,
        "description_html": str(render_markdown(description["description"])),
        "description_fr_html": str(render_markdown(description["description_fr"])),
        "description_en_html": str(render_markdown(description["description_en"])),
        "website": association.website or None,
        "public_email": association.public_email or None,
        "city": association.city,
        "country": association.country,
        "areas": association.areas,
        "member_since": association.member_since,
        "url": external_url("associations.profile", slug=association.slug),
        "logo_url": external_url(
            "associations.logo", slug=association.slug, v=association.logo_digest or "initials"
        )
        if association.logo_digest
        else None,
    }


@bp.route("/associations/<slug>/edit", methods=["GET", "POST"])
@login_required
@form_view
@private
def edit(slug: str):
    """Edit a profile: its own editors and the organisers only; anyone else gets a 404."""
    association = services.get_association(slug, include_archived=current_user.is_organiser)
    if association is None or not association.can_edit(current_user):
        abort(404)
    form = ProfileForm(obj=association if request.method == "GET" else None)
    if request.method == "GET":
        form.areas.data = association.areas
    if form.validate_on_submit():
        with transaction(form) as outcome:
            revision = services.update_profile(
                association, form.profile_values(), author=current_user._get_current_object()
            )
        if outcome.ok:
            if revision is None:
                flash(_("Nothing was changed."), "warning")
            else:
                flash(_("The profile is saved."), "success")
            if not association.is_member:  # archived: only the back office shows it
                return redirect(url_for("associations_admin.index", _anchor=association.slug))
            return redirect(url_for("associations.profile", slug=association.slug))
    return render_template("associations/edit.html", form=form, association=association)


def _editable(slug: str) -> Association:
    """The association at ``slug`` if the current user may edit it; a 404 otherwise."""
    association = services.get_association(slug, include_archived=current_user.is_organiser)
    if association is None or not association.can_edit(current_user):
        abort(404)
    return association


@bp.get("/associations/<slug>/history")
@login_required
@private
def history(slug: str):
    """The profile's history, read-only: its own editors and the organisers."""
    association = _editable(slug)
    return render_template(
        "associations/history.html",
        association=association,
        revisions=services.list_revisions(association),
    )


@bp.get("/associations/<slug>/history/logo")
@login_required
@private
def history_logo(slug: str):
    """A logo the association has had (``?digest=``), for the thumbnails of its history."""
    association = _editable(slug)
    digest = request.args.get("digest", "")
    stored = services.logo_in_history(association, digest) if len(digest) == 64 else None
    if stored is None:
        abort(404)
    return current_app.response_class(stored.data, mimetype=stored.content_type)
